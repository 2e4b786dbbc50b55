// Live jobs' outbound event callbacks on both database legs, with the real stream engine pushing
// RTMP to a receiver on 127.0.0.1 and a local HTTP receiver for the callbacks: the room's
// config (MSS_A_HEAD, every type) gets CONNECTING / CONNECTED, SHOOT_SCRIPT_SWITCH, a
// REPLY_COMMAND_FINISH for a PLAY_NOW insert and for a rule's reply, and END on stop, each one
// a logged, replayable webhook delivery; a job's own config with callback_event_type gets only
// those types; a receiver that never answers does not stall the stream or the job's end.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { verifyMssSecret } from '../../src/core/net/mss-auth.ts';
import { replayDelivery, WebhookLog } from '../../src/core/webhooks/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { waitFor } from '../helpers/assets.ts';
import { type CallbackReceiver, type ReceivedCallback, startCallbackReceiver } from '../helpers/callbacks.ts';
import { describeEachDb } from '../helpers/db.ts';
import { freePort, type RtmpReceiver, rtmpReceiver } from '../helpers/live-media.ts';
import { envTools } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const HOST = SYSTEM_AVATARS[0].assetId;
const KEY = 'live-callback-key-0001';
const TEXT =
  'Welcome back everyone. Today we look at a vacuum flask that keeps tea hot for twelve hours and fits in any bag. '.repeat(
    3,
  );
const tools = envTools();

// biome-ignore lint/suspicious/noExplicitAny: callback messages are read as JSON.
type Msg = Record<string, any>;
const events = (got: ReceivedCallback[], type?: string): Msg[] =>
  got
    .filter((c) => type === undefined || c.body.event_type === type)
    .map((c) => ({ event_type: c.body.event_type, ...JSON.parse(c.body.message) }));
const states = (got: ReceivedCallback[]) =>
  events(got, 'RTMP_STREAM_STATE_CHANGE').map((m) => m.state as string);

/** A receiver that reads the request and never answers (until it is closed). */
async function hangingReceiver() {
  let requests = 0;
  const server = http.createServer((req) => {
    requests++;
    req.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

await describeEachDb(
  'Live event callbacks (RTMP_STREAM_STATE_CHANGE, SHOOT_SCRIPT_SWITCH, REPLY_COMMAND_FINISH)',
  (leg) => {
    let p: TestPlatform;
    let cb: CallbackReceiver;
    let roomId: string;
    const receivers: RtmpReceiver[] = [];
    const cbUrl = () => `${cb.base}/live/events?tenant=t1`;

    before(async () => {
      cb = await startCallbackReceiver();
      p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
      const r = await p.call('POST', ROOMS, {
        body: {
          room_name: 'Callbacks',
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
              rule_name: 'price',
              event_type: 1,
              hit_condition: { tags: [{ tag: 'content', match: 'REGEX', value: 'price' }] },
              trigger: { reply_texts: ['Nine dollars.'], play_type: 'PLAY_NOW' },
            },
          ],
          video_config: { width: 1920, height: 1080, bitrate: 1000 },
          live_event_callback_config: {
            live_event_type_callback_url: cbUrl(),
            auth_type: 'MSS_A_HEAD',
            key: KEY,
            callback_event_type: [],
          },
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      roomId = r.body.room_id;
    });
    after(async () => {
      for (const r of receivers) await r.close();
      await p?.close();
      await cb?.close();
    });

    const jobs = () => `${ROOMS}/${roomId}/smart-live-jobs`;
    const show = (jobId: string) => p.call('GET', `${jobs()}/${jobId}`);
    const command = (jobId: string, body: Record<string, unknown>) =>
      p.call('POST', `${jobs()}/${jobId}/command`, { body });
    /** A job pushing to a fresh RTMP receiver (ffmpeg's takes one publisher). */
    const startJob = async (extra: Record<string, unknown> = {}) => {
      const port = await freePort();
      receivers.push(await rtmpReceiver(tools.ffmpeg.path, port, path.join(p.dataDir, `rx-${port}.flv`)));
      const s = await p.call('POST', jobs(), {
        body: { output_urls: [`rtmp://127.0.0.1:${port}/live`], stream_keys: ['key'], ...extra },
      });
      assert.equal(s.status, 202, JSON.stringify(s.body));
      return s.body.job_id as string;
    };
    const stopJob = async (jobId: string) => {
      const stop = await p.call('POST', `${jobs()}/${jobId}/stop`);
      assert.ok(stop.status < 300, JSON.stringify(stop.body));
      return waitFor('SUCCEED', 60_000, async () => {
        const s = await show(jobId);
        return s.body.state === 'SUCCEED' ? s.body : undefined;
      });
    };
    const mine = (jobId: string) => cb.received.filter((c) => JSON.parse(c.body.message).job_id === jobId);

    it('sends the RTMP states, paragraph switches and finished replies, signed and logged', async () => {
      const jobId = await startJob();
      await waitFor('CONNECTED', 120_000, async () =>
        states(mine(jobId)).includes('CONNECTED') ? true : undefined,
      );
      assert.deepEqual(states(mine(jobId)).slice(0, 2), ['CONNECTING', 'CONNECTED']);
      const first = events(mine(jobId), 'RTMP_STREAM_STATE_CHANGE')[0];
      assert.equal(first.room_id, roomId);

      await waitFor('SHOOT_SCRIPT_SWITCH', 60_000, async () =>
        events(mine(jobId), 'SHOOT_SCRIPT_SWITCH')[0] ? true : undefined,
      );
      const sw = events(mine(jobId), 'SHOOT_SCRIPT_SWITCH')[0];
      assert.equal(sw.scene_script_name, 'Opening');
      assert.equal(sw.shoot_script_title, 'Hello');
      // Unnumbered paragraphs are numbered from 0 (the room's rule).
      assert.equal(sw.shoot_script_sequence_no, 0);

      const ins = await command(jobId, {
        command: 'INSERT_PLAY_SCRIPT',
        params: { text_config: { text: 'Thank you Alice.' }, play_type: 'PLAY_NOW' },
      });
      assert.equal(ins.status, 200, JSON.stringify(ins.body));
      const replyId = JSON.parse(ins.body.result).reply_id;
      const done = await waitFor('REPLY_COMMAND_FINISH of the insert', 90_000, async () =>
        events(mine(jobId), 'REPLY_COMMAND_FINISH').find((m) => m.reply_id === replyId),
      );
      assert.equal(done.command_id, ins.body.command_id);

      // A comment that hits the rule: its reply finishes too, named by the rule.
      const hit = await p.call('POST', `${jobs()}/${jobId}/live-event-report`, {
        body: {
          total: 1,
          events: [
            {
              timestamp: Date.now(),
              type: 1,
              content: JSON.stringify({ user: { userId: 'u1', name: 'Bob' }, content: 'the price?' }),
            },
          ],
        },
      });
      assert.equal(hit.status, 200, JSON.stringify(hit.body));
      const ruled = await waitFor('REPLY_COMMAND_FINISH of the rule', 90_000, async () =>
        events(mine(jobId), 'REPLY_COMMAND_FINISH').find((m) => m.rule_index !== undefined),
      );
      assert.notEqual(ruled.reply_id, replyId);

      const ended = await stopJob(jobId);
      assert.equal(ended.state, 'SUCCEED');
      await waitFor('END', 30_000, async () => (states(mine(jobId)).includes('END') ? true : undefined));
      assert.equal(states(mine(jobId)).at(-1), 'END');

      // MSS_A_HEAD: the signature is in the headers and covers the configured URL.
      for (const c of mine(jobId)) {
        assert.equal(c.url, '/live/events?tenant=t1');
        const secret = String(c.headers['x-hw-mss-secret']);
        const timeStamp = String(c.headers['x-hw-mss-time']);
        assert.ok(verifyMssSecret(KEY, cbUrl(), { secret, timeStamp }), 'signed');
      }

      // Each event is a delivery in the webhook log, and can be sent again.
      const log = new WebhookLog(p.deps.database.db);
      // The receiver may hold the last event (END) before its sender has recorded the answer.
      const logged = await waitFor('every delivery recorded as delivered', 30_000, async () => {
        const rows = (await log.list({ projectId: p.tenant.projectId, source: 'live', limit: 1000 })).filter(
          (d) => d.resource_id === jobId,
        );
        return rows.length === mine(jobId).length &&
          rows.every((d) => d.state === 'DELIVERED' && d.last_status === 200)
          ? rows
          : undefined;
      });
      assert.equal(logged.length, mine(jobId).length);
      const before = cb.received.length;
      const again = await replayDelivery(p.deps.database.db, logged[0].delivery_id, {
        now: new Date(),
        allowPrivate: true,
      });
      assert.equal(again.state, 'DELIVERED');
      assert.equal(cb.received.length, before + 1);
    });

    it("a job's own callback_event_type sends only those types", async () => {
      const jobId = await startJob({
        live_event_callback_config: {
          live_event_type_callback_url: `${cb.base}/job-only`,
          auth_type: 'NONE',
          callback_event_type: ['REPLY_COMMAND_FINISH'],
        },
      });
      await waitFor('PROCESSING and streamed', 120_000, async () => {
        const s = await show(jobId);
        return s.body.state === 'PROCESSING' && s.body.stream_duration >= 1 ? true : undefined;
      });
      const ins = await command(jobId, {
        command: 'INSERT_PLAY_SCRIPT',
        params: { text_config: { text: 'Only this.' }, play_type: 'PLAY_NOW' },
      });
      assert.equal(ins.status, 200, JSON.stringify(ins.body));
      await waitFor('REPLY_COMMAND_FINISH', 90_000, async () =>
        events(mine(jobId), 'REPLY_COMMAND_FINISH')[0] ? true : undefined,
      );
      await stopJob(jobId);
      const got = mine(jobId);
      assert.ok(got.every((c) => c.url === '/job-only' && c.headers['x-hw-mss-secret'] === undefined));
      // The stream did connect and end, and switched paragraphs: none of it was sent.
      assert.deepEqual([...new Set(events(got).map((m) => m.event_type))], ['REPLY_COMMAND_FINISH']);
    });

    it('a receiver that never answers does not stall the stream or the stop', async () => {
      const hang = await hangingReceiver();
      try {
        const jobId = await startJob({
          live_event_callback_config: { live_event_type_callback_url: `${hang.base}/hang` },
        });
        await waitFor('the receiver hanging on a request', 120_000, async () =>
          hang.requests() > 0 ? true : undefined,
        );
        const streamed = await waitFor('streamed', 120_000, async () => {
          const s = await show(jobId);
          return s.body.stream_duration >= 1 ? s.body.stream_duration : undefined;
        });
        // The push goes on while the first callback is still unanswered.
        await waitFor('more streamed', 120_000, async () => {
          const s = await show(jobId);
          return s.body.stream_duration >= streamed + 2 ? true : undefined;
        });
        const ins = await command(jobId, {
          command: 'INSERT_PLAY_SCRIPT',
          params: { text_config: { text: 'Still here.' }, play_type: 'PLAY_NOW' },
        });
        assert.equal(ins.status, 200, JSON.stringify(ins.body));
        await waitFor('the insert playing', 60_000, async () => {
          const r = await command(jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' });
          const res = JSON.parse(r.body.result);
          return res.kind === 'INSERT' && res.command_id === ins.body.command_id ? true : undefined;
        });
        assert.equal((await stopJob(jobId)).state, 'SUCCEED');
        // What went unanswered is in the log as FAILED, ready for a replay.
        const log = new WebhookLog(p.deps.database.db);
        const failed = await waitFor('a FAILED delivery', 30_000, async () => {
          const list = await log.list({ projectId: p.tenant.projectId, source: 'live', limit: 1000 });
          return list.find((d) => d.resource_id === jobId && d.state === 'FAILED');
        });
        assert.ok(failed.last_error);
      } finally {
        await hang.close();
      }
    });

    it("a room that inherits its platform's callback reports there, signed with the platform's key", async () => {
      const PKEY = 'platform-key-42';
      const pl = await p.call('POST', '/v1/{project_id}/live-platforms/platforms', {
        body: {
          name: 'Shop',
          auth_config: { key: PKEY },
          callback_config: [{ api_type: 'LIVE_EVENT_CALLBACK', url: `${cb.base}/platform-events` }],
        },
      });
      assert.equal(pl.status, 200, JSON.stringify(pl.body));
      const port = await freePort();
      receivers.push(await rtmpReceiver(tools.ffmpeg.path, port, path.join(p.dataDir, `rx-${port}.flv`)));
      const r = await p.call('POST', ROOMS, {
        body: {
          room_name: 'Inherits',
          scene_scripts: [
            {
              script_name: 'Opening',
              model_asset_id: HOST,
              shoot_scripts: [{ title: 'Hello', text_config: { text: TEXT } }],
            },
          ],
          video_config: { width: 1920, height: 1080, bitrate: 1000 },
          output_urls: [`rtmp://127.0.0.1:${port}/live`],
          stream_keys: ['key'],
          relation_live_platform_info: { platform_id: pl.body.platform_id, live_id: 'live_1' },
          live_event_callback_config: {
            is_inheritance_platform_callback: true,
            callback_event_type: ['RTMP_STREAM_STATE_CHANGE'],
          },
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const base = `${ROOMS}/${r.body.room_id}/smart-live-jobs`;
      const s = await p.call('POST', base, { body: {} });
      assert.equal(s.status, 202, JSON.stringify(s.body));
      const jobId = s.body.job_id as string;
      await waitFor('CONNECTED at the platform', 120_000, async () =>
        states(mine(jobId)).includes('CONNECTED') ? true : undefined,
      );
      const stop = await p.call('POST', `${base}/${jobId}/stop`);
      assert.ok(stop.status < 300, JSON.stringify(stop.body));
      await waitFor('END at the platform', 60_000, async () =>
        states(mine(jobId)).includes('END') ? true : undefined,
      );
      for (const c of mine(jobId)) {
        assert.equal(c.url, '/platform-events');
        assert.equal(c.body.event_type, 'RTMP_STREAM_STATE_CHANGE');
        const given = {
          secret: String(c.headers['x-hw-mss-secret']),
          timeStamp: String(c.headers['x-hw-mss-time']),
        };
        assert.ok(verifyMssSecret(PKEY, `${cb.base}/platform-events`, given), 'signed with the platform key');
      }
    });

    it("refuses a job's callback config the server cannot honour", async () => {
      for (const cfg of [
        { live_event_type_callback_url: `${cb.base}/x`, auth_type: 'MEITUAN_DEFAULT' },
        { live_event_type_callback_url: `${cb.base}/x`, auth_type: 'MSS_A' },
        { live_event_type_callback_url: `${cb.base}/x`, callback_event_type: ['JOB_STATE'] },
        { live_event_type_callback_url: 'ftp://example.com/x' },
      ]) {
        const r = await p.call('POST', jobs(), {
          body: { output_urls: [], live_event_callback_config: cfg },
        });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error_code, 'MSS.00000003', JSON.stringify(r.body));
      }
    });
  },
);
