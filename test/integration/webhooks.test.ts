// The webhook log on both database legs: a TTS callback whose receiver fails once is logged
// as one delivery with two attempts (500, then 200) and their latencies; `replayDelivery`
// sends the same body again with a fresh MSS_A signature as a delivery of its own; the
// operator's views never show the signing key or a secret in the URL; a refused address
// ends FAILED after one attempt. The CLI's `webhooks` commands go through the same AdminOps.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { verifyMssSecret } from '../../src/core/net/mss-auth.ts';
import { replayDelivery, WebhookLog } from '../../src/core/webhooks/index.ts';
import { waitFor } from '../helpers/assets.ts';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callbacks.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE, waitForAsyncJob } from '../helpers/tts.ts';

const KEY = 'webhook-signing-key-1234';

await describeEachDb('webhook log and replay', (leg) => {
  let p: TestPlatform;
  let cb: CallbackReceiver;
  let log: WebhookLog;
  before(async () => {
    cb = await startCallbackReceiver({ failFirst: 1 });
    p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
    log = new WebhookLog(p.deps.database.db);
  });
  after(async () => {
    await p?.close();
    await cb?.close();
  });

  let deliveryId = '';

  it('logs every attempt of a callback: the failure, the retry, status and latency', async () => {
    const url = `${cb.base}/tts/done?token=plain-url-token`;
    const c = await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
      body: {
        text: 'Log my callback.',
        voice_asset_id: EN_VOICE,
        callback_config: { callback_url: url, auth_type: 'MSS_A', key: KEY },
      },
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const jobId = c.body.job_id as string;
    assert.equal((await waitForAsyncJob(p, jobId)).state, 'SUCCEED');
    const [delivery] = await waitFor('delivered', 30_000, async () => {
      const list = await log.list({ projectId: p.tenant.projectId, source: 'tts' });
      return list[0]?.state === 'DELIVERED' ? list : undefined;
    });
    assert.ok(delivery);
    deliveryId = delivery.delivery_id;
    assert.equal(delivery.resource_id, jobId);
    assert.equal(delivery.attempts, 2);
    assert.equal(delivery.last_status, 200);
    assert.equal(delivery.auth_type, 'MSS_A');
    assert.equal(delivery.replay_of, null);
    // The operator's view hides the URL's credential and never carries the key.
    assert.match(delivery.url, /token=\*\*\*/);
    assert.doesNotMatch(JSON.stringify(delivery), new RegExp(KEY));

    const found = await log.find(deliveryId);
    assert.ok(found);
    assert.deepEqual(
      found.attempts.map((a) => [a.attempt, a.status]),
      [
        [1, 500],
        [2, 200],
      ],
    );
    assert.match(found.attempts[0]?.error ?? '', /HTTP 500/);
    for (const a of found.attempts)
      assert.ok(a.latency_ms >= 0 && a.latency_ms < 10_000, String(a.latency_ms));
    assert.equal((found.body as { job_id: string }).job_id, jobId);
    // What the receiver got is what the log says was sent.
    const sent = cb.received.filter((r) => r.body.job_id === jobId);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1]?.body, found.body);
  });

  it('replays a delivery: same body, fresh signature, a new delivery linked to the old', async () => {
    const before = cb.received.length;
    const replay = await replayDelivery(p.deps.database.db, deliveryId, {
      now: new Date(),
      allowPrivate: true,
    });
    assert.equal(replay.state, 'DELIVERED');
    assert.equal(replay.replay_of, deliveryId);
    assert.notEqual(replay.delivery_id, deliveryId);
    assert.equal(replay.attempts, 1);
    assert.equal(cb.received.length, before + 1);
    const got = cb.received.at(-1);
    assert.ok(got);
    const original = await log.find(deliveryId);
    assert.deepEqual(got.body, original?.body);
    const q = new URL(got.url, cb.base).searchParams;
    assert.ok(
      verifyMssSecret(KEY, `${cb.base}/tts/done?token=plain-url-token`, {
        secret: q.get('secret') ?? '',
        timeStamp: q.get('time_stamp') ?? '',
      }),
      'the replay is signed afresh with the job key',
    );
    // The original is unchanged; both are listed.
    assert.equal(original?.view.attempts, 2);
    const all = await log.list({ projectId: p.tenant.projectId });
    assert.ok(all.some((d) => d.delivery_id === replay.delivery_id));
    await assert.rejects(
      replayDelivery(p.deps.database.db, 'f'.repeat(32), { now: new Date(), allowPrivate: true }),
      /no webhook delivery/,
    );
  });

  it('a refused address ends FAILED at once, with the reason', async () => {
    const ref = { projectId: p.tenant.projectId, source: 'test', resourceId: 'r1' };
    // Replays obey the SSRF guard like first sends: private addresses need the switch.
    const id = await log.open(ref, { url: `${cb.base}/x`, auth_type: 'NONE' }, { a: 1 }, new Date());
    const replay = await replayDelivery(p.deps.database.db, id, { now: new Date(), allowPrivate: false });
    assert.equal(replay.state, 'FAILED');
    assert.equal(replay.last_status, null);
    assert.ok(replay.last_error);
    const listed = await log.list({ projectId: p.tenant.projectId, state: 'FAILED' });
    assert.ok(listed.some((d) => d.delivery_id === replay.delivery_id));
    // Another project sees none of these.
    assert.deepEqual(await log.list({ projectId: 'e'.repeat(32) }), []);
  });
});
