// The realtime stream engine with the real ffmpeg and eSpeak: a generated avatar streams to an
// RTMP receiver on 127.0.0.1 and to HLS; a script plays, a PLAY_NOW reply cuts in and the
// script resumes; the receiver goes away and comes back (the push reconnects); stop ends it.
// What arrived is checked with ffmpeg alone: codecs, size, rate, sound, a moving mouth.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { probeMedia, runTool } from '../../src/core/media/index.ts';
import { type AvatarPackage, loadAvatarPackage } from '../../src/engines/render/index.ts';
import { createSpeechService } from '../../src/engines/speech/index.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import {
  LiveStream,
  type SpeechItem,
  type StreamEvent,
  speechClips,
} from '../../src/engines/stream/index.ts';
import { avatarFiles } from '../helpers/avatar.ts';
import { changes, freePort, regionFrames, rtmpReceiver, soundLevel } from '../helpers/live-media.ts';
import { envTools } from '../helpers/media-fixtures.ts';

const tools = envTools();
const speech = createSpeechService({ poolSize: 1 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-stream-test-'));
after(async () => {
  await speech.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const VOICE = { engine: 'espeak', language: 'en', params: { voice: 'en-us' } };
const PROSODY = { speed: 100, pitch: 100, volume: 140 };

let avatar: AvatarPackage;
before(async () => {
  const pkgDir = path.join(dir, 'avatar');
  for (const [name, bytes] of avatarFiles()) {
    fs.mkdirSync(path.dirname(path.join(pkgDir, name)), { recursive: true });
    fs.writeFileSync(path.join(pkgDir, name), bytes);
  }
  avatar = await loadAvatarPackage(pkgDir);
  // The eSpeak pool starts on first use; a stream's first sentence should not pay for it.
  await speech.synthesizeAll({
    script: parseSpeechInput('ready', { maxChars: 100 }),
    voice: VOICE,
    prosody: PROSODY,
  });
});

type Said = { text: string };

function waitFor<P>(
  events: StreamEvent<P>[],
  pred: (e: StreamEvent<P>) => boolean,
  ms = 60_000,
): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (events.some(pred)) resolve();
      else if (Date.now() > until)
        reject(new Error(`timed out; events: ${JSON.stringify(events.map(brief))}`));
      else setTimeout(poll, 50);
    };
    poll();
  });
}
const brief = (e: StreamEvent<unknown>) =>
  'item' in e
    ? `${e.type}:${e.item.id}`
    : `${e.type}:${'state' in e ? e.state : ''}:${'detail' in e ? e.detail : ''}`;

test('a stream plays its script, takes a PLAY_NOW reply, survives an RTMP drop and stops cleanly', async () => {
  const port = await freePort();
  const first = await rtmpReceiver(tools.ffmpeg.path, port, path.join(dir, 'first.flv'));
  const events: StreamEvent<Said>[] = [];
  const script: SpeechItem<Said>[] = [
    {
      id: 'p1',
      kind: 'script',
      payload: {
        text: 'Welcome to the shop. This lamp is made of oak. It is bright and warm. It fits every room. Look at the shade.',
      },
    },
    { id: 'p2', kind: 'script', payload: { text: 'Papa made a map. Buy two and save more.' } },
  ];
  const stream = await LiveStream.start<Said>({
    tools,
    avatar,
    width: 1920,
    height: 1080,
    bitrateKbps: 2000,
    background: { color: '#203040' },
    dir: path.join(dir, 'stream'),
    rtmpUrl: `${first.url}/key`,
    preset: 'ultrafast',
    seed: 3,
    synthesize: (item, signal) =>
      speechClips(speech, avatar, {
        script: parseSpeechInput(item.payload.text, { maxChars: 5000 }),
        voice: VOICE,
        prosody: PROSODY,
        signal,
      }),
    // The script starts once the push is up, so the first ingest hears all of it.
    nextScript: () =>
      events.some((e) => e.type === 'rtmp' && e.state === 'CONNECTED') ? script.shift() : undefined,
    onEvent: (e) => events.push(e),
  });
  let stopped = false;
  try {
    await waitFor(events, (e) => e.type === 'rtmp' && e.state === 'CONNECTED');
    await waitFor(events, (e) => e.type === 'start' && e.item.id === 'p1');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(stream.nowPlaying()?.item.id, 'p1');
    stream.say({ id: 'r1', kind: 'reply', payload: { text: 'Thank you Alice!' } }, 'PLAY_NOW');
    await waitFor(events, (e) => e.type === 'end' && e.item.id === 'r1');
    await waitFor(events, (e) => e.type === 'end' && e.item.id === 'p1');
    const order = events.filter((e) => e.type === 'start' || e.type === 'end').map(brief);
    // The reply cut in: it started and ended inside p1, which then finished.
    assert.deepEqual(order.slice(0, 4), ['start:p1', 'start:r1', 'end:r1', 'end:p1'], order.join(' '));

    // The ingest goes away: the push reports it and reconnects to a new one on the same port.
    await first.close();
    await waitFor(events, (e) => e.type === 'rtmp' && e.state === 'DISCONNECTED');
    const second = await rtmpReceiver(tools.ffmpeg.path, port, path.join(dir, 'second.flv'));
    const connected = () => events.filter((e) => e.type === 'rtmp' && e.state === 'CONNECTED').length;
    await waitFor(events, () => connected() >= 2);
    assert.ok(events.some((e) => e.type === 'rtmp' && e.state === 'RECONNECTING'));
    await waitFor(events, (e) => e.type === 'end' && e.item.id === 'p2');
    await new Promise((r) => setTimeout(r, 2000)); // idle: blinking over silence
    const stats = await stream.stop();
    stopped = true;
    await second.close();
    assert.equal(
      events.filter((e) => e.type === 'rtmp').at(-1)?.type === 'rtmp' &&
        (events.filter((e) => e.type === 'rtmp').at(-1) as { state: string }).state,
      'END',
    );
    assert.ok(stats.frames > 100, `${stats.frames} frames`);
    assert.equal(stats.audioMs, stats.videoMs);

    // What the first ingest got: H.264 + AAC, 1920×1080 at 25 fps, speech, a moving mouth.
    const info = await probeMedia(tools, first.file);
    assert.equal(info.video?.codec, 'h264');
    assert.equal(info.audio?.codec, 'aac');
    assert.deepEqual([info.video?.width, info.video?.height], [1920, 1080]);
    assert.equal(info.video?.fps, 25);
    assert.ok((await soundLevel(tools.ffmpeg.path, first.file)) > 100, 'the sound is not silent');
    const face = stream.faceBox();
    const crops = await regionFrames(tools.ffmpeg.path, first.file, face);
    assert.ok(changes(crops) >= 4, `the face changes (${changes(crops)} of ${crops.length} samples)`);
    // The second ingest got the rest of the stream.
    const info2 = await probeMedia(tools, second.file);
    assert.equal(info2.video?.codec, 'h264');

    // HLS: a playlist of segments that decode.
    const playlist = fs.readFileSync(stream.playlist, 'utf8');
    const segs = playlist.split('\n').filter((l) => l.endsWith('.ts'));
    assert.ok(segs.length >= 2, playlist);
    for (const s of segs.slice(-2)) {
      const r = await runTool(tools.ffmpeg.path, [
        '-hide_banner',
        '-v',
        'error',
        '-i',
        path.join(stream.hlsDir, s),
        '-f',
        'null',
        '-',
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
  } finally {
    if (!stopped) await stream.stop();
  }
});
