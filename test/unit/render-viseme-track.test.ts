// Mouth track: frame quantisation, release, coarticulation, minimum hold, anti-flicker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../src/engines/render/blink.ts';
import {
  frameCount,
  type MouthRun,
  mouthTrack,
  mouthTrackFromPhonemes,
} from '../../src/engines/render/viseme-track.ts';
import type { Viseme, VisemeTimeline } from '../../src/engines/speech/visemes.ts';

const timeline = (cues: [Viseme, number, number][]): VisemeTimeline => ({
  format: 'doppel.visemes',
  version: 1,
  viseme_set: 'oculus-15',
  duration_ms: cues[cues.length - 1][2],
  cues: cues.map(([viseme, start_ms, end_ms]) => ({ viseme, start_ms, end_ms, weight: 1 })),
});
const total = (runs: MouthRun[]) => runs.reduce((n, r) => n + r.frames, 0);
const flat = (runs: MouthRun[]) => runs.flatMap((r) => Array<string>(r.frames).fill(r.shape));

test('frameCount is ceil(duration × 25)', () => {
  assert.equal(frameCount(1000), 25);
  assert.equal(frameCount(1001), 26);
  assert.equal(frameCount(40), 1);
  assert.equal(frameCount(0), 0);
});

test('cues quantise to 40 ms frames and the frames sum to the requested total', () => {
  const runs = mouthTrack(
    timeline([
      ['sil', 0, 400],
      ['aa', 400, 800],
      ['sil', 800, 1600],
    ]),
    40,
    { release: 0 },
  );
  assert.deepEqual(runs, [
    { shape: 'sil', frames: 10 },
    { shape: 'aa', frames: 10 },
    { shape: 'sil', frames: 20 },
  ]);
  assert.equal(total(mouthTrack(timeline([['aa', 0, 500]]), 30)), 30);
});

test('release: the last shape is held 2 frames before sil', () => {
  const runs = mouthTrack(
    timeline([
      ['sil', 0, 400],
      ['aa', 400, 800],
      ['sil', 800, 1600],
    ]),
    40,
  );
  assert.deepEqual(runs, [
    { shape: 'sil', frames: 10 },
    { shape: 'aa', frames: 12 },
    { shape: 'sil', frames: 18 },
  ]);
});

test('a one-frame shape blends into the next; closing visemes are kept at the minimum hold', () => {
  // E for one frame between aa and oh: look-ahead makes it oh.
  const a = mouthTrack(
    timeline([
      ['aa', 0, 200],
      ['E', 200, 240],
      ['oh', 240, 480],
    ]),
    12,
  );
  assert.deepEqual(a, [
    { shape: 'aa', frames: 5 },
    { shape: 'oh', frames: 7 },
  ]);
  // PP for one frame: kept, lengthened to 2 from the longer neighbour.
  const p = mouthTrack(
    timeline([
      ['aa', 0, 200],
      ['PP', 200, 240],
      ['oh', 240, 480],
    ]),
    12,
  );
  assert.deepEqual(p, [
    { shape: 'aa', frames: 5 },
    { shape: 'PP', frames: 2 },
    { shape: 'oh', frames: 5 },
  ]);
});

test('no A-B-A flicker within 3 frames, and every shape lasts at least 2 frames', () => {
  const flick = mouthTrack(
    timeline([
      ['aa', 0, 200],
      ['E', 200, 280],
      ['aa', 280, 480],
    ]),
    12,
  );
  assert.deepEqual(flick, [{ shape: 'aa', frames: 12 }]);
  // A busy random track: check the invariants rather than exact runs.
  const rand = seededRandom(7);
  const shapes: Viseme[] = ['aa', 'E', 'ih', 'oh', 'ou', 'PP', 'FF', 'nn', 'sil'];
  const cues: [Viseme, number, number][] = [];
  let t = 0;
  for (let i = 0; i < 300; i++) {
    const d = 20 + Math.floor(rand() * 120);
    cues.push([shapes[Math.floor(rand() * shapes.length)], t, t + d]);
    t += d;
  }
  const runs = mouthTrack(timeline(cues), frameCount(t));
  assert.equal(total(runs), frameCount(t));
  for (const [i, r] of runs.entries()) {
    if (i > 0) assert.notEqual(r.shape, runs[i - 1].shape, 'neighbours differ');
    if (runs.length > 1) assert.ok(r.frames >= 2, `run ${i} (${r.shape}) lasts ${r.frames} frames`);
    if (
      i > 0 &&
      i + 1 < runs.length &&
      runs[i - 1].shape === runs[i + 1].shape &&
      !['PP', 'FF'].includes(r.shape)
    )
      assert.ok(r.frames >= 3, `A-B-A flicker at run ${i}`);
  }
  assert.ok(flat(runs).length === frameCount(t));
});

test('from phonemes: leading silence stays sil, speech opens the mouth', () => {
  const runs = mouthTrackFromPhonemes(
    [
      { phoneme: 'h', startMs: 500, endMs: 560 },
      { phoneme: 'ə', startMs: 560, endMs: 640 },
      { phoneme: 'l', startMs: 640, endMs: 700 },
      { phoneme: 'ˈəʊ', startMs: 700, endMs: 900 },
    ],
    1500,
  );
  assert.equal(total(runs), 38);
  assert.deepEqual(runs[0], { shape: 'sil', frames: 13 });
  assert.equal(runs[runs.length - 1].shape, 'sil');
  assert.ok(runs.some((r) => r.shape === 'oh'));
});
