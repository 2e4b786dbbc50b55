// Fault plans: the rule grammar, which rule wins, `#n` and `@p`, the header, and clear errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultSpecError, parseFaults, parseOperationFault } from '../../src/core/faults/index.ts';

test('the named rule wins over *, and #n fires n times', () => {
  const plan = parseFaults('ShowAsset=throttle#2; *=latency:20; job:tts.synthesize=fail; job:*=stall:50');
  assert.deepEqual(plan.forOperation('ShowAsset'), { kind: 'throttle' });
  assert.deepEqual(plan.forOperation('ShowAsset'), { kind: 'throttle' });
  assert.equal(plan.forOperation('ShowAsset'), undefined, 'the named rule is spent; * does not stand in');
  assert.deepEqual(plan.forOperation('ListAssets'), { kind: 'latency', ms: 20 });
  assert.deepEqual(plan.forJob('tts.synthesize'), { kind: 'fail' });
  assert.deepEqual(plan.forJob('video.render'), { kind: 'stall', ms: 50 });
  assert.match(plan.summary, /ShowAsset=throttle#2/);
});

test('@p fires with that probability, drawn from the given source', () => {
  const draws = [0.1, 0.9, 0.4];
  const plan = parseFaults('ListAssets=error:503@0.5', false, () => draws.shift() ?? 0);
  assert.deepEqual(plan.forOperation('ListAssets'), { kind: 'error', status: 503 });
  assert.equal(plan.forOperation('ListAssets'), undefined);
  assert.deepEqual(plan.forOperation('ListAssets'), { kind: 'error', status: 503 });
});

test('the header counts only when enabled', () => {
  assert.equal(parseFaults('', false).forOperation('ShowAsset', 'error:500'), undefined);
  assert.deepEqual(parseFaults('', true).forOperation('ShowAsset', 'timeout:10'), {
    kind: 'timeout',
    ms: 10,
  });
  assert.throws(() => parseFaults('', true).forOperation('ShowAsset', 'explode'), FaultSpecError);
});

test('malformed plans say what is wrong', () => {
  for (const [spec, why] of [
    ['ShowAsset', /<target>=<action>/],
    ['ShowAsset=error:404', /500, 502, 503 or 504/],
    ['ShowAsset=latency', /needs a duration/],
    ['ShowAsset=throttle@2', /probability/],
    ['ShowAsset=throttle#0', /at least 1/],
    ['job:=fail', /name a task/],
    ['job:x=explode', /unknown job fault/],
    ['Show-Asset=throttle', /not an operation id/],
    ['ShowAsset=timeout:99999999', /ms/],
  ] as const)
    assert.throws(
      () => parseFaults(spec),
      (e: Error) => e instanceof FaultSpecError && why.test(e.message),
      spec,
    );
  assert.deepEqual(parseOperationFault('error'), { kind: 'error', status: 500 });
});
