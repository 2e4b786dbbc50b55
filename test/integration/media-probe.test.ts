// probeMedia and makeCover on real files with real tools, once per "leg": with ffprobe, with
// the resolved ffmpeg alone, and with the npm-shipped 2018 ffmpeg alone. A leg this machine
// cannot run shows up as skipped with its reason. The legs must agree on the essentials.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  describeMediaTools,
  isMediaError,
  type MediaErrorCode,
  type MediaInfo,
  makeCover,
  probeMedia,
  toAssetMeta,
} from '../../src/core/media/index.ts';
import { mkTmp, mp4File, pngBytes, toolLegs, wavBytes } from '../helpers/media-fixtures.ts';

const dir = mkTmp('doppel-media');
const file = (name: string) => path.join(dir, name);

const fails = (code: MediaErrorCode, reason?: RegExp) => (e: unknown) => {
  assert.ok(isMediaError(e), String(e));
  assert.equal(e.code, code, e.message);
  if (reason) assert.match(e.reason, reason);
  assert.ok(e.reason.length <= 256, 'fits an API reason field');
  assert.ok(!e.reason.includes(dir), 'no server path in the reason');
  return true;
};
const near = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 0.1, `${what}: ${actual} vs ${expected}`);

before(async () => {
  fs.writeFileSync(file('small.png'), pngBytes(320, 240, [20, 120, 220]));
  fs.writeFileSync(file('wide.png'), pngBytes(1000, 600, [200, 30, 30]));
  fs.writeFileSync(file('tone.wav'), wavBytes({ seconds: 1.5, sampleRate: 22_050, freq: 440 }));
  const mp4 = await mp4File(dir, { seconds: 2, width: 160, height: 120, withAudio: true, name: 'clip.mp4' });
  fs.writeFileSync(file('truncated.mp4'), fs.readFileSync(mp4).subarray(0, 4_000));
  fs.writeFileSync(file('truncated.png'), fs.readFileSync(file('wide.png')).subarray(0, 100));
  fs.writeFileSync(file('text.mp4'), 'this is a text file, not a video\n');
  fs.writeFileSync(file('empty.mp4'), '');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** leg name → file name → MediaInfo, for the agreement check at the end. */
const seen = new Map<string, Map<string, MediaInfo>>();

for (const leg of toolLegs()) {
  describe(`leg: ${leg.name}`, { skip: leg.skip }, () => {
    const tools = leg.tools!;
    const results = new Map<string, MediaInfo>();
    seen.set(leg.name, results);
    const probe = async (name: string) => {
      const info = await probeMedia(tools, file(name), { timeoutMs: 20_000 });
      results.set(name, info);
      return info;
    };

    test('describeMediaTools names a version', async () => {
      const d = await describeMediaTools(tools);
      assert.ok(d.ffmpeg.version, d.line);
      assert.equal(Boolean(d.ffprobe), Boolean(tools.ffprobe));
    });

    test('PNG: an image with its size, no duration', async () => {
      const info = await probe('small.png');
      assert.equal(info.probedWith, tools.ffprobe ? 'ffprobe' : 'ffmpeg');
      assert.equal(info.image, true);
      assert.equal(info.sniffed, 'png');
      assert.deepEqual([info.video?.codec, info.video?.width, info.video?.height], ['png', 320, 240]);
      assert.equal(info.durationSec, undefined);
      assert.deepEqual(toAssetMeta(info, 'IMAGE').image_meta, {
        codec: 'PNG',
        width: 320,
        height: 240,
        size: fs.statSync(file('small.png')).size,
        mode: 'Horizontal',
      });
    });

    test('WAV: audio only', async () => {
      const info = await probe('tone.wav');
      assert.equal(info.image, false);
      assert.equal(info.video, undefined);
      assert.deepEqual(
        [info.audio?.codec, info.audio?.sampleRate, info.audio?.channels],
        ['pcm_s16le', 22_050, 1],
      );
      near(info.durationSec, 1.5, 'duration');
      const meta = toAssetMeta(info, 'AUDIO').audio_meta;
      assert.deepEqual([meta?.duration, meta?.sample, meta?.audio_channels], [2, 22_050, 1]);
    });

    test('MP4: video and audio', async () => {
      const info = await probe('clip.mp4');
      assert.equal(info.image, false);
      assert.equal(info.sniffed, 'mp4');
      assert.ok(['h264', 'mpeg4'].includes(info.video?.codec ?? ''), info.video?.codec);
      assert.deepEqual([info.video?.width, info.video?.height, info.video?.fps], [160, 120, 25]);
      assert.deepEqual([info.audio?.codec, info.audio?.sampleRate, info.audio?.channels], ['aac', 44_100, 1]);
      near(info.durationSec, 2, 'duration');
      const meta = toAssetMeta(info, 'VIDEO').video_meta;
      assert.deepEqual(
        [meta?.width, meta?.height, meta?.frame_rate, meta?.duration, meta?.mode],
        [160, 120, '25', 2, 'Horizontal'],
      );
    });

    test('a truncated MP4 is UNDECODABLE', async () => {
      await assert.rejects(probe('truncated.mp4'), fails('UNDECODABLE', /moov atom not found/));
    });

    test('a truncated PNG is UNDECODABLE (the demuxer opens it, the decoder finds no size)', async () => {
      await assert.rejects(probe('truncated.png'), fails('UNDECODABLE'));
    });

    test('text named .mp4: not media, and MISLABELLED when the name is given', async () => {
      await assert.rejects(probe('text.mp4'), fails('UNDECODABLE', /plain text/));
      await assert.rejects(
        probeMedia(tools, file('text.mp4'), { declaredName: 'holiday.mp4' }),
        fails('MISLABELLED', /named \.mp4 but its content is plain text/),
      );
    });

    test('empty and missing files', async () => {
      await assert.rejects(probe('empty.mp4'), fails('EMPTY'));
      await assert.rejects(probe('missing.mp4'), fails('UNREADABLE', /does not exist/));
    });

    test('an aborted probe is refused', async () => {
      await assert.rejects(
        probeMedia(tools, file('clip.mp4'), { signal: AbortSignal.abort() }),
        fails('ABORTED'),
      );
    });

    test('cover from the MP4: a JPEG the size of the video (no upscaling)', async () => {
      const out = file(`cover-mp4-${leg.name.replace(/\W+/g, '_')}.jpg`);
      const { atSec } = await makeCover(tools, file('clip.mp4'), out);
      assert.ok(Math.abs(atSec - 0.2) < 0.01, `10 % of a 2 s clip, got ${atSec}`);
      const cover = await probeMedia(tools, out);
      assert.equal(cover.sniffed, 'jpeg');
      assert.equal(cover.image, true);
      assert.deepEqual([cover.video?.codec, cover.video?.width, cover.video?.height], ['mjpeg', 160, 120]);
    });

    test('cover from a 1000×600 PNG: 720×432, and a smaller max side', async () => {
      const out = file(`cover-png-${leg.name.replace(/\W+/g, '_')}.jpg`);
      await makeCover(tools, file('wide.png'), out);
      const cover = await probeMedia(tools, out);
      assert.deepEqual([cover.video?.width, cover.video?.height], [720, 432]);
      await makeCover(tools, file('wide.png'), out, { maxSide: 101 });
      const small = await probeMedia(tools, out);
      assert.deepEqual([small.video?.width, small.video?.height], [100, 60]);
    });

    test('no cover from audio', async () => {
      await assert.rejects(makeCover(tools, file('tone.wav'), file('never.jpg')), fails('NO_STREAMS'));
      assert.equal(fs.existsSync(file('never.jpg')), false);
    });
  });
}

describe('the legs agree', () => {
  test('on duration (±0.1 s), dimensions and sample rate', (t) => {
    const ran = [...seen.entries()].filter(([, r]) => r.size > 0);
    if (ran.length < 2) {
      t.skip(`only ${ran.length} leg ran here`);
      return;
    }
    const [[firstName, first], ...rest] = ran;
    for (const [name, results] of rest) {
      for (const [fileName, a] of first) {
        const b = results.get(fileName);
        assert.ok(b, `${name} did not probe ${fileName}`);
        const what = `${fileName}: ${firstName} vs ${name}`;
        if (a.durationSec === undefined) assert.equal(b.durationSec, undefined, what);
        else near(b.durationSec, a.durationSec, what);
        assert.deepEqual([b.video?.width, b.video?.height], [a.video?.width, a.video?.height], what);
        assert.deepEqual(
          [b.audio?.sampleRate, b.audio?.channels],
          [a.audio?.sampleRate, a.audio?.channels],
          what,
        );
        assert.equal(b.image, a.image, what);
        assert.deepEqual(
          toAssetMeta(b, 'VIDEO').video_meta?.duration,
          toAssetMeta(a, 'VIDEO').video_meta?.duration,
        );
      }
    }
  });
});
