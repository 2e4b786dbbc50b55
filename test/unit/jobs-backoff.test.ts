// Retry delays and error text are pure; the queue's SQL is exercised in test/integration/jobs*.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeError } from '../../src/core/jobs/errors.ts';
import {
  DEFAULT_MAX_ATTEMPTS,
  exponentialBackoff,
  JobAbortedError,
  PermanentJobError,
} from '../../src/core/jobs/index.ts';

test('backoff doubles per attempt, between half and all of the nominal delay', () => {
  const low = exponentialBackoff({ baseMs: 1_000, random: () => 0 });
  const high = exponentialBackoff({ baseMs: 1_000, random: () => 0.999_999 });
  assert.deepEqual([1, 2, 3, 4].map(low), [500, 1_000, 2_000, 4_000]);
  assert.deepEqual([1, 2, 3, 4].map(high), [1_000, 2_000, 4_000, 8_000]);
});

test('backoff is capped, and jitter spreads jobs that failed together', () => {
  const capped = exponentialBackoff({ baseMs: 1_000, capMs: 5_000, random: () => 0.999_999 });
  assert.equal(capped(30), 5_000);
  const spread = new Set(Array.from({ length: 50 }, () => exponentialBackoff({ baseMs: 1_000 })(3)));
  assert.ok(spread.size > 1);
  for (const d of spread) assert.ok(d >= 2_000 && d <= 4_000, String(d));
});

test('a default of several attempts', () => {
  assert.ok(DEFAULT_MAX_ATTEMPTS > 1);
});

test('last_error is the name and message, bounded', () => {
  assert.equal(describeError(new PermanentJobError('bad asset')), 'PermanentJobError: bad asset');
  assert.equal(describeError('plain'), 'thrown: plain');
  assert.equal(describeError(new Error('x'.repeat(5_000))).length, 2_001);
  assert.equal(new JobAbortedError('shutdown').kind, 'shutdown');
});
