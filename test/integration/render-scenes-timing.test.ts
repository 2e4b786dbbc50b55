// A rendered video is 25 fps constant frame rate, joins included: every frame of a
// multi-scene render sits on the 1/25 s grid counted from 0, none is missing at a scene join,
// and the stream is exactly as long as its frames. Checked with the packet timestamps ffmpeg's
// framecrc muxer lists, for the resolved ffmpeg and for the npm 2018 build when that is a
// different binary (a fresh machine has only that one), in MP4, WebM and MOV.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type MediaTools, probeMedia, runTool, systemProbes } from '../../src/core/media/index.ts';
import { parseAvatarPackage } from '../../src/engines/render/avatar-package.ts';
import { type AvatarPackage, renderScenes } from '../../src/engines/render/index.ts';
import { createSpeechService, type Synthesis } from '../../src/engines/speech/index.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import { avatarFiles } from '../helpers/avatar.ts';
import { envTools } from '../helpers/media-fixtures.ts';

const speech = createSpeechService({ poolSize: 1 });
after(() => speech.close());
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-scenes-timing-'));
after(() => process.env.KEEP || fs.rmSync(dir, { recursive: true, force: true }));

let avatar: AvatarPackage;
const scenes: Synthesis[] = [];

before(async () => {
  avatar = parseAvatarPackage(avatarFiles({ idle: true }));
  const say = (text: string, language: string, voice: string) =>
    speech.synthesizeAll({
      script: parseSpeechInput(text, { maxChars: 1000 }),
      voice: { engine: 'espeak', language, params: { voice } },
      prosody: { speed: 100, pitch: 100, volume: 140 },
    });
  scenes.push(await say('The first scene says one short sentence.', 'en', 'en-us'));
  scenes.push(await say('第二个场景说中文。', 'zh', 'cmn'));
  scenes.push(await say('And the third one ends it.', 'en', 'en-us'));
});

/**
 * Presentation times of every picture packet, in seconds, sorted (packets come in decode
 * order). Packets rather than decoded frames: QTRLE's decoder returns no frame for a packet
 * that says "nothing changed", though the file holds one frame per 40 ms.
 */
async function frameTimes(tools: MediaTools, file: string): Promise<number[]> {
  const r = await runTool(
    tools.ffmpeg.path,
    ['-hide_banner', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'framecrc', '-'],
    { timeoutMs: 120_000 },
  );
  assert.equal(r.code, 0, r.stderr.slice(-500));
  const tb = /^#tb 0: (\d+)\/(\d+)$/m.exec(r.stdout);
  assert.ok(tb, 'framecrc prints the time base');
  const unit = Number(tb[1]) / Number(tb[2]);
  return [...r.stdout.matchAll(/^0,\s*-?\d+,\s*(-?\d+),/gm)]
    .map((m) => Number(m[1]) * unit)
    .sort((x, y) => x - y);
}

async function renderAndCheck(tools: MediaTools, format: 'mp4' | 'webm' | 'mov') {
  const out = path.join(dir, `three-${tools.ffmpeg.source}.${format}`);
  const r = await renderScenes(tools, {
    avatar,
    width: 640,
    height: 360,
    format,
    outputPath: out,
    workDir: dir,
    scenes: scenes.map((s, i) => ({
      speech: { synthesis: s },
      background: { color: ['#224466', '#662244', '#446622'][i] },
    })),
  });
  assert.equal(r.sceneDurationsMs.length, 3);

  const times = await frameTimes(tools, out);
  assert.equal(times.length, r.frames, 'every planned frame is in the file');
  // MP4 and MOV start at 0 (AAC's encoder delay is an edit list; PCM has none). Matroska cannot store the
  // delay's negative times, so its muxer shifts the whole file by it: a few ms for Vorbis at
  // 48 kHz, less than a frame; the frames still follow each other every 40 ms from there.
  const start = times[0];
  if (format !== 'webm') assert.ok(Math.abs(start) < 0.0005, `first frame at ${start} s`);
  else assert.ok(start >= 0 && start < 0.015, `first frame at ${start} s`);
  const off = times
    .map((t, k) => ({ k, t, err: t - start - k / 25 }))
    .filter((f) => Math.abs(f.err) > 0.0015);
  assert.deepEqual(off.slice(0, 3), [], `${off.length} of ${times.length} frames are off the 1/25 s grid`);

  // At each join the next scene's first frame follows the last one by exactly one frame.
  let at = 0;
  for (const ms of r.sceneDurationsMs.slice(0, -1)) {
    at += Math.round((ms * 25) / 1000);
    assert.ok(Math.abs(times[at] - times[at - 1] - 0.04) < 0.0015, `join at frame ${at}`);
  }

  const info = await probeMedia(tools, out);
  assert.equal(info.video?.fps, 25);
  assert.ok(
    Math.abs((info.durationSec ?? 0) - r.frames / 25) < 0.05,
    `${info.durationSec} s for ${r.frames} frames`,
  );
}

const npmTools = (): MediaTools | undefined => {
  const npm = systemProbes.npmFfmpeg();
  const resolved = envTools();
  if (!npm || npm === resolved.ffmpeg.path) return undefined;
  return { ffmpeg: { path: npm, source: 'npm' } };
};

describe('multi-scene renders keep 25 fps constant frame rate', () => {
  test('MP4, the resolved ffmpeg', () => renderAndCheck(envTools(), 'mp4'));
  test('WebM, the resolved ffmpeg', () => renderAndCheck(envTools(), 'webm'));
  test('MOV (QTRLE), the resolved ffmpeg', () => renderAndCheck(envTools(), 'mov'));
  test('MP4, the npm 2018 build', async (t) => {
    const tools = npmTools();
    if (!tools) return t.skip('the resolved ffmpeg is the npm build already (tested above)');
    await renderAndCheck(tools, 'mp4');
  });
});
