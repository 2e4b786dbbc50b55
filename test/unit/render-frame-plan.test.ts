// Frame plan: mouth × eyes → runs of distinct keys, exact frame totals, concat list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assChangeFrames,
  concatList,
  framePlan,
  holdList,
  runStarts,
  segments,
} from '../../src/engines/render/frame-plan.ts';
import { defaultPlacement } from '../../src/engines/render/render.ts';

test('the two tracks are combined into runs of distinct keys covering exactly totalFrames', () => {
  const plan = framePlan(
    [
      { shape: 'sil', frames: 10 },
      { shape: 'aa', frames: 6 },
      { shape: 'sil', frames: 4 },
    ],
    [
      { eyes: 'open', frames: 12 },
      { eyes: 'half', frames: 1 },
      { eyes: 'closed', frames: 2 },
      { eyes: 'half', frames: 1 },
      { eyes: 'open', frames: 4 },
    ],
    20,
  );
  assert.deepEqual(
    plan.runs.map((r) => [r.key, r.frames]),
    [
      ['sil|open', 10],
      ['aa|open', 2],
      ['aa|half', 1],
      ['aa|closed', 2],
      ['aa|half', 1],
      ['sil|open', 4],
    ],
  );
  assert.deepEqual(
    plan.keys.map((k) => k.key),
    ['sil|open', 'aa|open', 'aa|half', 'aa|closed'],
  );
  assert.equal(plan.totalFrames, 20);
});

test('short tracks are extended with their last state, long ones cut; fallbacks share keys', () => {
  const plan = framePlan(
    [
      { shape: 'nn', frames: 3 },
      { shape: 'ih', frames: 3 },
    ],
    [],
    10,
    {
      resolveMouth: (v) => (v === 'nn' ? 'ih' : v),
    },
  );
  assert.deepEqual(
    plan.runs.map((r) => [r.key, r.frames]),
    [['ih|open', 10]],
  );
  const cut = framePlan([{ shape: 'aa', frames: 50 }], [{ eyes: 'open', frames: 50 }], 7);
  assert.deepEqual(
    cut.runs.map((r) => r.frames),
    [7],
  );
  assert.deepEqual(framePlan([], [], 0).runs, []);
});

test('the concat list gives each run frames/fps seconds and repeats the last file', () => {
  const plan = framePlan(
    [
      { shape: 'sil', frames: 5 },
      { shape: 'aa', frames: 3 },
    ],
    [],
    8,
  );
  const files = new Map([
    ['sil|open', 'f000.png'],
    ['aa|open', "it's.png"],
  ]);
  assert.equal(
    concatList(plan, (k) => files.get(k)!),
    "ffconcat version 1.0\nfile 'f000.png'\nduration 0.200000\nfile 'it'\\''s.png'\nduration 0.120000\nfile 'it'\\''s.png'\n",
  );
});

test('segments: runs, idle moves and subtitle changes cut [0, total) into spans that hold one picture', () => {
  const plan = framePlan(
    [
      { shape: 'sil', frames: 5 },
      { shape: 'aa', frames: 3 },
      { shape: 'sil', frames: 4 },
    ],
    [],
    12,
  );
  assert.deepEqual(runStarts(plan), [0, 5, 8]);
  assert.deepEqual(segments([8, 5, 0, 3, 5, 12, 40, -1, 2.5], 12), [
    { start: 0, frames: 3 },
    { start: 3, frames: 2 },
    { start: 5, frames: 3 },
    { start: 8, frames: 4 },
  ]);
  assert.deepEqual(segments([], 4), [{ start: 0, frames: 4 }]);
  assert.deepEqual(segments([1], 0), []);
  assert.equal(
    holdList(
      [
        { file: 'clock.y4m', frames: 3 },
        { file: 'clock.y4m', frames: 1 },
      ],
      25,
    ),
    "ffconcat version 1.0\nfile 'clock.y4m'\nduration 0.120000\nfile 'clock.y4m'\nduration 0.040000\nfile 'clock.y4m'\n",
  );
});

test('subtitle changes: the frame at or after each event start and end, and the next one', () => {
  const ass = [
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    'Dialogue: 0,0:00:00.00,0:01:00.00,Default,,0,0,0,,{\\an7}Title',
    'Dialogue: 1,0:00:01.00,0:00:02.13,Default,,0,0,0,,Hello, there',
    'Comment: 1,0:00:05.00,0:00:06.00,Default,,0,0,0,,not shown',
  ].join('\n');
  // 1.00 s is frame 25 exactly; 2.13 s is 53.25 frames: 54; 60 s is frame 1500.
  assert.deepEqual(assChangeFrames(ass, 25), [0, 1, 25, 26, 54, 55, 1500, 1501]);
  assert.deepEqual(assChangeFrames('', 25), []);
});

test('default placement: landscape fills the height, portrait is drawn larger than the width; both stand on the bottom edge', () => {
  assert.deepEqual(defaultPlacement({ width: 400, height: 400 }, { width: 1280, height: 720 }), {
    scale: 1.8,
    x: 280,
    y: 0,
  });
  // 70 % of 1280 = 896 px square (under 1.3 × 720): 88 px of canvas cut off each side.
  assert.deepEqual(defaultPlacement({ width: 400, height: 400 }, { width: 720, height: 1280 }), {
    scale: 2.24,
    x: -88,
    y: 384,
  });
});
