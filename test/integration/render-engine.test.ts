// The 2D renderer end to end: a generated avatar package, real eSpeak speech, burned subtitles,
// real ffmpeg (the system one, and the npm static build when it is there); checked with ffprobe
// and by comparing the mouth region of a speaking frame with a silent one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type MediaTools, probeMedia, runToolBinary, systemProbes } from '../../src/core/media/index.ts';
import {
  type AvatarPackage,
  loadAvatarPackage,
  planFrames,
  renderVideo,
} from '../../src/engines/render/index.ts';
import { createSpeechService, type Synthesis } from '../../src/engines/speech/index.ts';
import { buildCues } from '../../src/engines/speech/srt.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import { avatarFiles, MOUTH_BOX } from '../helpers/avatar.ts';
import { envTools } from '../helpers/media-fixtures.ts';

const speech = createSpeechService({ poolSize: 1 });
after(() => speech.close());
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-render-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const TEXT = '<speak>Hello there. <break time="1000ms"/>Papa made a map of the old town.</speak>';
// Avatar canvas 400×400 at (440, 320), scale 1: the mouth sprite sits at (580, 580) in the video.
const PLACE = { x: 440, y: 320, scale: 1 };

let avatar: AvatarPackage;
let synthesis: Synthesis;

before(async () => {
  const pkgDir = path.join(dir, 'avatar');
  for (const [name, bytes] of avatarFiles()) {
    fs.mkdirSync(path.dirname(path.join(pkgDir, name)), { recursive: true });
    fs.writeFileSync(path.join(pkgDir, name), bytes);
  }
  avatar = await loadAvatarPackage(pkgDir);
  const script = parseSpeechInput(TEXT, { maxChars: 1000 });
  synthesis = await speech.synthesizeAll({
    script,
    voice: { engine: 'espeak', language: 'en', params: { voice: 'en-us' } },
    prosody: { speed: 100, pitch: 100, volume: 140 },
  });
});

/** rgb24 bytes of the mouth region at time t. */
async function mouthAt(tools: MediaTools, file: string, t: number): Promise<Buffer> {
  const crop = `crop=${MOUTH_BOX.w}:${MOUTH_BOX.h}:${PLACE.x + MOUTH_BOX.x}:${PLACE.y + MOUTH_BOX.y}`;
  const r = await runToolBinary(tools.ffmpeg.path, [
    '-hide_banner',
    '-v',
    'error',
    '-ss',
    t.toFixed(3),
    '-i',
    file,
    '-frames:v',
    '1',
    '-vf',
    crop,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const meanDiff = (a: Buffer, b: Buffer): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
};

async function renderAndCheck(tools: MediaTools, name: string) {
  const out = path.join(dir, `${name}.mp4`);
  const notices: string[] = [];
  const progress: number[] = [];
  const cues = buildCues(synthesis.words, TEXT);
  const r = await renderVideo(tools, {
    avatar,
    speech: { synthesis },
    width: 1280,
    height: 720,
    background: { color: '#203040' },
    placement: PLACE,
    subtitles: { cues, style: { fontSize: 40 } },
    outputPath: out,
    workDir: dir,
    seed: 5,
    onProgress: (f) => progress.push(f),
    onNotice: (m) => notices.push(m),
  });
  assert.equal(r.subtitlesBurned, true, notices.join('; '));
  assert.equal(progress[progress.length - 1], 1);
  assert.ok(
    progress.every((p, i) => i === 0 || p >= progress[i - 1]),
    'progress only grows',
  );

  const info = await probeMedia(envTools(), out);
  assert.equal(info.video?.codec, 'h264');
  assert.equal(info.audio?.codec, 'aac');
  assert.deepEqual([info.video?.width, info.video?.height], [1280, 720]);
  assert.equal(info.video?.fps, 25);
  const speechSec = synthesis.durationMs / 1000;
  assert.ok(speechSec >= 2.5, `about 3 s of speech (${speechSec} s)`);
  assert.ok(
    Math.abs((info.durationSec ?? 0) - speechSec) <= speechSec * 0.05,
    `${info.durationSec} vs ${speechSec}`,
  );

  // A silent moment (the break: mouth sil) against an open-mouth moment of the plan.
  const plan = planFrames(avatar, synthesis.phonemes, synthesis.durationMs, 5);
  let at = 0;
  let open: number | undefined;
  let quiet: number | undefined;
  for (const run of plan.runs) {
    if (open === undefined && ['aa', 'oh', 'E'].includes(run.mouth) && run.frames >= 3) open = at + 1;
    if (quiet === undefined && at > 0 && run.mouth === 'sil' && run.frames >= 8) quiet = at + run.frames / 2;
    at += run.frames;
  }
  assert.ok(open !== undefined, 'the speech opens the mouth');
  assert.ok(quiet !== undefined, 'the break closes it');
  const silent = await mouthAt(tools, out, (Math.floor(quiet) + 0.5) / 25);
  const speaking = await mouthAt(tools, out, (open + 0.5) / 25);
  assert.equal(silent.length, MOUTH_BOX.w * MOUTH_BOX.h * 3);
  assert.ok(meanDiff(silent, speaking) > 10, `mouth regions differ (${meanDiff(silent, speaking)})`);
  // No leftovers in the work directory's parent besides what the test made.
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('doppel-render-')),
    [],
  );
}

describe('render engine', () => {
  test('3 s of 1280×720 with subtitles, system ffmpeg', async () => {
    await renderAndCheck(envTools(), 'system');
  });

  test('the same with the npm static ffmpeg (2018 build)', async (t) => {
    const npm = systemProbes.npmFfmpeg();
    if (!npm) return t.skip('no npm ffmpeg for this platform');
    await renderAndCheck({ ...envTools(), ffmpeg: { path: npm, source: 'npm' } }, 'npm');
  });

  test('an abort kills the render and cleans up', async () => {
    const ac = new AbortController();
    const p = renderVideo(envTools(), {
      avatar,
      speech: { synthesis },
      width: 1280,
      height: 720,
      background: { color: '#000000' },
      outputPath: path.join(dir, 'aborted.mp4'),
      workDir: dir,
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, (e: Error & { code?: string }) => e.code === 'ABORTED');
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.startsWith('doppel-render-')),
      [],
    );
  });
});
