// Blink schedule: seeded, spaced 2.5–6 s, never in the first 0.5 s, half-closed-closed-half.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blinkStarts, blinkTrack } from '../../src/engines/render/blink.ts';

test('the same seed gives the same schedule; another seed another one', () => {
  assert.deepEqual(blinkStarts(1500, { seed: 42 }), blinkStarts(1500, { seed: 42 }));
  assert.notDeepEqual(blinkStarts(1500, { seed: 42 }), blinkStarts(1500, { seed: 43 }));
});

test('blinks are 2.5–6 s apart and never in the first 0.5 s', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const starts = blinkStarts(25 * 120, { seed });
    assert.ok(starts.length >= 20, `seed ${seed}: ${starts.length} blinks in 2 min`);
    assert.ok(starts[0] >= 13, `seed ${seed}: first blink at frame ${starts[0]}`);
    for (let i = 1; i < starts.length; i++) {
      const gap = starts[i] - starts[i - 1];
      assert.ok(gap >= 62 && gap <= 150, `seed ${seed}: gap ${gap} frames`);
    }
  }
});

test('a blink is half, closed, closed, half and the track covers every frame', () => {
  const track = blinkTrack(300, { seed: 3 });
  assert.equal(
    track.reduce((n, r) => n + r.frames, 0),
    300,
  );
  const start = blinkStarts(300, { seed: 3 })[0];
  const frames = track.flatMap((r) => Array<string>(r.frames).fill(r.eyes));
  assert.deepEqual(frames.slice(start - 1, start + 5), ['open', 'half', 'closed', 'closed', 'half', 'open']);
  assert.deepEqual(blinkTrack(10), [{ eyes: 'open', frames: 10 }]);
  assert.deepEqual(blinkTrack(0), []);
});
