// CALLBACK interaction rules on both database legs, with the real stream engine (HLS only) and a
// local HTTP receiver: a comment that hits a CALLBACK rule is POSTed to the job's
// interaction_callback_url (ERRATA 100), signed as the job's event callbacks are and logged in
// the webhook log; a SYSTEM_REPLY_AND_CALLBACK hit also speaks, and its callback names the
// reply whose REPLY_COMMAND_FINISH follows. A job with CALLBACK rules and no URL is refused,
// at start and by REWRITE_INTERACTION_RULES.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { verifyMssSecret } from '../../src/core/net/mss-auth.ts';
import { WebhookLog } from '../../src/core/webhooks/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { waitFor } from '../helpers/assets.ts';
import { type CallbackReceiver, type ReceivedCallback, startCallbackReceiver } from '../helpers/callbacks.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const HOST = SYSTEM_AVATARS[0].assetId;
const KEY = 'live-rule-callback-key-01';
const TEXT =
  'Welcome back everyone. Today we look at a vacuum flask that keeps tea hot for twelve hours and fits in any bag. '.repeat(
    3,
  );

// biome-ignore lint/suspicious/noExplicitAny: callback messages are read as JSON.
type Msg = Record<string, any>;
const messages = (got: ReceivedCallback[], path: string, type: string): Msg[] =>
  got
    .filter((c) => c.url.startsWith(path) && c.body.event_type === type)
    .map((c) => JSON.parse(c.body.message));

await describeEachDb('Live jobs: CALLBACK rule replies (interaction_callback_url)', (leg) => {
  let p: TestPlatform;
  let cb: CallbackReceiver;
  let roomId: string;
  const hitUrl = () => `${cb.base}/interaction?token=abc`;

  before(async () => {
    cb = await startCallbackReceiver();
    p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
    const r = await p.call('POST', ROOMS, {
      body: {
        room_name: 'Rule callbacks',
        scene_scripts: [
          {
            script_name: 'Opening',
            model_asset_id: HOST,
            voice_config: { voice_asset_id: EN_VOICE },
            shoot_scripts: [{ title: 'Hello', text_config: { text: TEXT } }],
          },
        ],
        interaction_rules: [
          {
            rule_index: 'coupon',
            rule_name: 'coupon asked',
            event_type: 1,
            hit_condition: { tags: [{ tag: 'content', match: 'REGEX', value: 'coupon' }] },
            trigger: { reply_mode: 'CALLBACK' },
          },
          {
            rule_index: 'gift',
            event_type: 4,
            trigger: {
              reply_mode: 'SYSTEM_REPLY_AND_CALLBACK',
              reply_texts: ['Thank you {name}.'],
              play_type: 'PLAY_NOW',
            },
          },
        ],
        video_config: { width: 1920, height: 1080, bitrate: 1000 },
        live_event_callback_config: {
          live_event_type_callback_url: `${cb.base}/events`,
          auth_type: 'MSS_A_HEAD',
          key: KEY,
          callback_event_type: ['REPLY_COMMAND_FINISH'],
        },
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    roomId = r.body.room_id;
  });
  after(async () => {
    await p?.close();
    await cb?.close();
  });

  const jobs = () => `${ROOMS}/${roomId}/smart-live-jobs`;
  const show = (jobId: string) => p.call('GET', `${jobs()}/${jobId}`);
  const report = (jobId: string, type: number, content: Record<string, unknown>) =>
    p.call('POST', `${jobs()}/${jobId}/live-event-report`, {
      body: { total: 1, events: [{ timestamp: Date.now(), type, content: JSON.stringify(content) }] },
    });

  it('refuses to start without interaction_callback_url, or with a bad one', async () => {
    const none = await p.call('POST', jobs(), { body: {} });
    assert.equal(none.status, 400, JSON.stringify(none.body));
    assert.equal(none.body.error_code, 'MSS.00000003');
    assert.match(none.body.error_msg, /interaction_rules\[0\].*CALLBACK.*interaction_callback_url/);
    const bad = await p.call('POST', jobs(), { body: { interaction_callback_url: 'ftp://127.0.0.1/x' } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error_code, 'MSS.00000003');
  });

  it('POSTs each CALLBACK hit, signed and logged; SYSTEM_REPLY_AND_CALLBACK also speaks', async () => {
    const start = await p.call('POST', jobs(), { body: { interaction_callback_url: hitUrl() } });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const jobId = start.body.job_id as string;
    await waitFor('PROCESSING and streaming', 120_000, async () => {
      const s = await show(jobId);
      return s.body.state === 'PROCESSING' &&
        (
          await p.call('POST', `${jobs()}/${jobId}/command`, {
            body: { command: 'GET_CURRENT_PLAYING_SCRIPTS' },
          })
        ).status === 200
        ? true
        : undefined;
    });

    const comment = { user: { userId: 'u1', name: 'Bob' }, content: 'any coupon today?' };
    const r1 = await report(jobId, 1, comment);
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    const hit = await waitFor('the coupon hit', 60_000, async () =>
      messages(cb.received, '/interaction', 'INTERACTION_RULE_HIT').find((m) => m.rule_index === 'coupon'),
    );
    assert.equal(hit.job_id, jobId);
    assert.equal(hit.room_id, roomId);
    assert.equal(hit.rule_name, 'coupon asked');
    assert.equal(hit.reply_mode, 'CALLBACK');
    assert.equal(hit.event.type, 1);
    assert.deepEqual(hit.event.content, comment);
    assert.equal(hit.reply_id, undefined, 'a CALLBACK rule says nothing');

    const r2 = await report(jobId, 4, { user: { name: 'Ann' }, gift: { giftName: 'rose', giftNum: 1 } });
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    const gift = await waitFor('the gift hit', 60_000, async () =>
      messages(cb.received, '/interaction', 'INTERACTION_RULE_HIT').find((m) => m.rule_index === 'gift'),
    );
    assert.equal(gift.reply_mode, 'SYSTEM_REPLY_AND_CALLBACK');
    assert.ok(gift.reply_id, 'the spoken reply is named');
    // The spoken reply finishes as every reply does, under the same id.
    const finished = await waitFor('REPLY_COMMAND_FINISH of the gift reply', 90_000, async () =>
      messages(cb.received, '/events', 'REPLY_COMMAND_FINISH').find((m) => m.reply_id === gift.reply_id),
    );
    assert.equal(finished.rule_index, 'gift');

    // Signed as the job's event callbacks are (MSS_A_HEAD with the config's key, over the URL).
    const sent = cb.received.filter((c) => c.url.startsWith('/interaction'));
    assert.equal(sent.length, 2);
    for (const c of sent) {
      assert.equal(c.url, '/interaction?token=abc');
      const secret = String(c.headers['x-hw-mss-secret']);
      const timeStamp = String(c.headers['x-hw-mss-time']);
      assert.ok(verifyMssSecret(KEY, hitUrl(), { secret, timeStamp }), 'signed');
    }

    const stop = await p.call('POST', `${jobs()}/${jobId}/stop`);
    assert.ok(stop.status < 300, JSON.stringify(stop.body));
    await waitFor('SUCCEED', 60_000, async () =>
      (await show(jobId)).body.state === 'SUCCEED' ? true : undefined,
    );
    // Each hit is a delivery of the job in the webhook log.
    const log = new WebhookLog(p.deps.database.db);
    const rows = await waitFor('the hits recorded as delivered', 30_000, async () => {
      const got = (await log.list({ projectId: p.tenant.projectId, source: 'live', limit: 1000 })).filter(
        (d) => d.resource_id === jobId && d.url.startsWith(`${cb.base}/interaction`),
      );
      return got.length === 2 && got.every((d) => d.state === 'DELIVERED') ? got : undefined;
    });
    assert.equal(rows.length, 2);
  });

  it('REWRITE_INTERACTION_RULES refuses a CALLBACK rule to a job without interaction_callback_url', async () => {
    const r = await p.call('POST', ROOMS, {
      body: {
        room_name: 'No rule callbacks',
        scene_scripts: [
          {
            script_name: 'Opening',
            model_asset_id: HOST,
            voice_config: { voice_asset_id: EN_VOICE },
            shoot_scripts: [{ title: 'Hello', text_config: { text: TEXT } }],
          },
        ],
        video_config: { width: 1920, height: 1080, bitrate: 1000 },
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const base = `${ROOMS}/${r.body.room_id}/smart-live-jobs`;
    const start = await p.call('POST', base, { body: {} });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const jobId = start.body.job_id as string;
    const rewrite = (trigger: Record<string, unknown>) =>
      p.call('POST', `${base}/${jobId}/command`, {
        body: {
          command: 'REWRITE_INTERACTION_RULES',
          params: { interaction_rules: [{ event_type: 1, trigger }] },
        },
      });
    try {
      const ok = await waitFor('the job taking commands', 120_000, async () => {
        const c = await rewrite({ reply_texts: ['Hello.'] });
        return c.status === 200 ? c : undefined;
      });
      assert.equal(ok.status, 200);
      const refused = await rewrite({ reply_mode: 'CALLBACK' });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error_code, 'MSS.00000003');
      assert.match(refused.body.error_msg, /params\.interaction_rules\[0\].*interaction_callback_url/);
    } finally {
      await p.call('POST', `${base}/${jobId}/stop`);
      await waitFor('SUCCEED', 60_000, async () =>
        (await p.call('GET', `${base}/${jobId}`)).body.state === 'SUCCEED' ? true : undefined,
      );
    }
  });
});
