// Fault injection end to end (DOPPEL_FAULTS, DOPPEL_FAULT_HEADER): an operation answers the
// injected throttle or 5xx in the catalog format with its request id and then recovers, the
// header injects per request and a bad one is a 400, and a job made to fail ends its resource
// FAILED with its error, through the queue's give-up path.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { insertAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { waitForAsyncJob } from '../helpers/tts.ts';

await describeEachDb('Fault injection', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg, {
      env: {
        DOPPEL_FAULTS: 'ShowAsset=throttle#1; ListAssets=error:503#1; job:tts.synthesize=fail',
        DOPPEL_FAULT_HEADER: 'on',
      },
    });
  });
  after(async () => {
    await p?.close();
  });

  it('operations answer the injected fault once, in the catalog format, then as usual', async () => {
    const show = await p.call('GET', `/v1/{project_id}/digital-assets/${newId()}`);
    assert.equal(show.status, 429);
    assert.equal(show.body.error_code, 'APIGW.0308');
    assert.equal(show.headers['retry-after'], '1');
    assert.ok(show.headers['x-request-id']);
    const again = await p.call('GET', `/v1/{project_id}/digital-assets/${newId()}`);
    assert.equal(again.status, 400, 'the rule is spent: the real answer (asset not found)');
    const list = await p.call('GET', '/v1/{project_id}/digital-assets');
    assert.equal(list.status, 503);
    assert.equal(list.body.error_code, 'DOPPEL.0503');
    assert.equal((await p.call('GET', '/v1/{project_id}/digital-assets')).status, 200);
  });

  it('the header injects per request; a malformed one is a 400 naming it', async () => {
    const r = await p.call('GET', '/v1/{project_id}/digital-assets', {
      headers: { 'x-doppel-fault': 'error:502' },
    });
    assert.equal(r.status, 502);
    assert.equal(r.body.error_code, 'DOPPEL.0502');
    const t0 = Date.now();
    const slow = await p.call('GET', '/v1/{project_id}/digital-assets', {
      headers: { 'x-doppel-fault': 'latency:300' },
    });
    assert.equal(slow.status, 200);
    assert.ok(Date.now() - t0 >= 290);
    const bad = await p.call('GET', '/v1/{project_id}/digital-assets', {
      headers: { 'x-doppel-fault': 'explode' },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error_msg, /X-Doppel-Fault/);
  });

  it('a job made to fail ends FAILED with its error', async () => {
    const voice = await insertAsset(p, {
      name: `voice ${newId()}`,
      type: 'VOICE_MODEL',
      state: 'ACTIVED',
      extraMeta: { doppel_voice: { engine: 'espeak', language: 'en', params: { voice: 'en-us' } } },
    });
    const c = await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
      body: { text: 'Hello.', voice_asset_id: voice },
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const job = await waitForAsyncJob(p, c.body.job_id);
    assert.equal(job.state, 'FAILED');
    assert.ok(job.message, JSON.stringify(job));
  });
});
