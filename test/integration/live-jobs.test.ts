// Livestreaming task management over HTTP on both database legs, with the real stream engine
// (eSpeak, ffmpeg) pushing RTMP to a receiver on 127.0.0.1: StartSmartLive → PROCESSING →
// ShowSmartLive → ExecuteSmartLiveCommand (inserts, the playing script, the job config, exit
// config, clean-up) → LiveEventReport (a comment fires a rule's reply) → StopSmartLive → SUCCEED; ListSmartLive and ListSmartLiveJobs with their
// filters; refused inputs (unknown room or job, single_job_in_room, commands on an ended job).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { waitFor } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { type LlmStandIn, llmStandIn } from '../helpers/dialog.ts';
import { freePort, type RtmpReceiver, rtmpReceiver } from '../helpers/live-media.ts';
import { envTools } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const HOST = SYSTEM_AVATARS[0].assetId;
const TEXT =
  'Welcome back everyone. Today we look at a vacuum flask that keeps tea hot for twelve hours and fits in any bag. '.repeat(
    3,
  );
const tools = envTools();

await describeEachDb(
  'Live jobs (StartSmartLive, ShowSmartLive, ListSmartLive, ListSmartLiveJobs, ExecuteSmartLiveCommand, LiveEventReport, StopSmartLive)',
  (leg) => {
    let p: TestPlatform;
    let receiver: RtmpReceiver;
    let roomId: string;
    const roomName = `Flask live ${newId().slice(0, 6)}`;
    let llm: LlmStandIn;
    before(async () => {
      llm = await llmStandIn();
      llm.reply = (body) => ({
        pieces: [`The robot says: ${body.messages.at(-1).content} is covered for two years.`],
      });
      p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
      const robot = await p.call('POST', '/v1/{project_id}/digital-human-chat/robot', {
        body: {
          name: 'live helper',
          app_type: 6,
          language: 'en_US',
          third_party_model_config: { llm_url: llm.url },
        },
      });
      assert.equal(robot.status, 200, JSON.stringify(robot.body));
      const port = await freePort();
      receiver = await rtmpReceiver(tools.ffmpeg.path, port, path.join(p.dataDir, 'received.flv'));
      const r = await p.call('POST', ROOMS, {
        body: {
          room_name: roomName,
          scene_scripts: [
            {
              script_name: 'Opening',
              model_asset_id: HOST,
              voice_config: { voice_asset_id: EN_VOICE },
              background_config: [{ background_type: 'COLOR', background_color_config: '#203040' }],
              shoot_scripts: [{ title: 'Hello', text_config: { text: TEXT } }],
            },
          ],
          interaction_rules: [
            {
              rule_name: 'price',
              event_type: 1,
              hit_condition: { tags: [{ tag: 'content', match: 'REGEX', value: 'price' }] },
              trigger: { reply_texts: ['It is nine dollars.'] },
            },
            {
              rule_name: 'ask the robot',
              rule_index: 'robot-rule',
              event_type: 1,
              hit_condition: { tags: [{ tag: 'content', match: 'REGEX', value: 'warranty' }] },
              trigger: { reply_mode: 'INTELLIGENT_REPLY', robot_id: robot.body.robot_id },
            },
          ],
          video_config: { width: 1920, height: 1080, bitrate: 1000 },
          output_urls: [`rtmp://127.0.0.1:${port}/live`],
          stream_keys: ['key'],
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      roomId = r.body.room_id;
    });
    after(async () => {
      await receiver?.close();
      await p?.close();
      await llm?.close();
    });

    const jobs = () => `${ROOMS}/${roomId}/smart-live-jobs`;
    const show = (jobId: string) => p.call('GET', `${jobs()}/${jobId}`);
    const command = (jobId: string, body: Record<string, unknown>) =>
      p.call('POST', `${jobs()}/${jobId}/command`, { body });
    const expect400 = (r: { status: number; body: { error_code: string } }, code: string) => {
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error_code, code, JSON.stringify(r.body));
    };

    it('a job streams the room to RTMP, takes commands, and ends SUCCEED when stopped', async () => {
      const start = await p.call('POST', jobs(), { body: {} });
      assert.equal(start.status, 202, JSON.stringify(start.body));
      const jobId = start.body.job_id;
      assert.match(jobId, /^[0-9a-f]{32}$/);
      const warnings = start.body.live_warning_info.map((w: { warning_type: string }) => w.warning_type);
      assert.deepEqual(warnings, [
        'TOO_LESSS_SCRIPT_ITEMS',
        'TOO_SHORT_SCRIPT_TIME',
        'TOO_LESS_DANMAKU_RULES',
        'RANDOM_PLAY_CLOSED',
        'ROTATION_MODEL_CLOSED',
      ]);

      // A second job with single_job_in_room is refused while this one runs.
      expect400(
        await p.call('POST', jobs(), { body: { job_run_config: { single_job_in_room: true } } }),
        'MSS.10004102',
      );

      const running = await waitFor('PROCESSING and streamed', 120_000, async () => {
        const s = await show(jobId);
        return s.body.state === 'PROCESSING' && s.body.stream_duration >= 1 ? s.body : undefined;
      });
      assert.equal(running.room_id, roomId);
      assert.equal(running.room_name, roomName);
      assert.ok(running.start_time);

      // The script plays: the current script is the room's first paragraph.
      const playing = await waitFor('the script playing', 60_000, async () => {
        const r = await command(jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const res = JSON.parse(r.body.result);
        return res.playing ? res : undefined;
      });
      assert.equal(playing.kind, 'SCRIPT');
      assert.equal(playing.scene_script_name, 'Opening');
      assert.equal(playing.shoot_script_title, 'Hello');

      // A PLAY_NOW insert cuts in: it becomes what is playing.
      const ins = await command(jobId, {
        command: 'INSERT_PLAY_SCRIPT',
        params: {
          text_config: { text: 'Thank you Alice, the price is nine dollars.' },
          play_type: 'PLAY_NOW',
        },
      });
      assert.equal(ins.status, 200, JSON.stringify(ins.body));
      assert.equal(ins.body.command, 'INSERT_PLAY_SCRIPT');
      assert.match(ins.body.command_id, /^[0-9a-f]{32}$/);
      await waitFor('the insert playing', 60_000, async () => {
        const r = await command(jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' });
        const res = JSON.parse(r.body.result);
        return res.kind === 'INSERT' && res.command_id === ins.body.command_id ? res : undefined;
      });

      // Two queued inserts are removed by CLEAN_UP_INSERT_COMMAND before they play.
      for (const play_type of ['APPEND', 'APPEND'])
        await command(jobId, {
          command: 'INSERT_PLAY_SCRIPT',
          params: { text_config: { text: 'Later.' }, play_type },
        });
      const clean = await command(jobId, { command: 'CLEAN_UP_INSERT_COMMAND' });
      assert.equal(clean.status, 200, JSON.stringify(clean.body));
      assert.equal(JSON.parse(clean.body.result).removed.length, 2);

      // A reported comment that hits the room's rule puts its reply into the play queue.
      const report = (events: unknown[]) =>
        p.call('POST', `${jobs()}/${jobId}/live-event-report`, { body: { total: events.length, events } });
      const comment = (text: string) => ({
        timestamp: Date.now(),
        type: 1,
        content: JSON.stringify({ user: { userId: 'u1', name: 'Bob' }, content: text }),
      });
      expect400(await report([{ timestamp: Date.now(), type: 1, content: 'not json' }]), 'MSS.00000003');
      const missed = await report([comment('hello there')]);
      assert.equal(missed.status, 200, JSON.stringify(missed.body));
      const hit = await report([comment('what is the price?')]);
      assert.equal(hit.status, 200, JSON.stringify(hit.body));
      await waitFor('the rule reply playing', 60_000, async () => {
        const r = await command(jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' });
        const res = JSON.parse(r.body.result);
        return res.kind === 'INSERT' && res.rule_index !== undefined ? res : undefined;
      });

      // An INTELLIGENT_REPLY rule: the robot (the LLM stand-in) answers the comment, and its answer plays.
      const asked = await report([comment('what about the warranty?')]);
      assert.equal(asked.status, 200, JSON.stringify(asked.body));
      await waitFor('the robot reply playing', 60_000, async () => {
        const r = await command(jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' });
        const res = JSON.parse(r.body.result);
        return res.rule_index === 'robot-rule' ? res : undefined;
      });
      assert.equal(llm.requests.at(-1)?.body.messages.at(-1).content, 'what about the warranty?');

      // The report URL carries its own key: a platform posts to it without signing.
      const url: string = start.body.live_event_report_url;
      assert.match(url, /\/live-event-report\?auth_key=[0-9a-f]{64}&expires_time=\d{13}$/);
      assert.match((await show(jobId)).body.live_event_report_url, /auth_key=/);
      const unsigned = (to: string, events: unknown[]) =>
        p.fetchUrl('POST', to, {
          body: Buffer.from(JSON.stringify({ total: events.length, events })),
          headers: { 'content-type': 'application/json' },
        });
      const viaUrl = await unsigned(`${url}&refresh_url=true`, [comment('price again?')]);
      assert.equal(viaUrl.status, 200, JSON.stringify(viaUrl.body));
      assert.match(viaUrl.body.live_event_report_url, /auth_key=[0-9a-f]{64}/);
      const forged = url.replace(/auth_key=([0-9a-f])/, (_m, c) => `auth_key=${c === '0' ? '1' : '0'}`);
      const refused = await unsigned(forged, [comment('price?')]);
      assert.equal(refused.status, 401, JSON.stringify(refused.body));
      // Another job's key does not open this one.
      const otherJob = url.replace(`/smart-live-jobs/${jobId}/`, `/smart-live-jobs/${newId()}/`);
      assert.equal((await unsigned(otherJob, [comment('price?')])).status, 401);

      const cfg = await command(jobId, { command: 'GET_LIVE_JOB_CONFIG_INFO' });
      const info = JSON.parse(cfg.body.result);
      assert.deepEqual(info.video_config, { width: 1920, height: 1080, bitrate: 1000 });
      assert.deepEqual(info.stream_keys, ['******']);
      const reset = await command(jobId, {
        command: 'RESET_EXIT_CONFIG',
        params: { live_exit_config: { max_live_duration: 2, auto_stop_mode: 'SCRIPT_END' } },
      });
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.equal(JSON.parse(reset.body.result).live_exit_config.max_live_duration, 2);

      // Commands the job cannot honour are 400s.
      expect400(
        await command(jobId, {
          command: 'INSERT_PLAY_SCRIPT',
          params: { text_config: { text: 'hi' }, play_role: 'CO_STREAMER' },
        }),
        'MSS.10004104',
      );
      expect400(
        await command(jobId, { command: 'INSERT_PLAY_SCRIPT', params: { text_config: {} } }),
        'MSS.00000003',
      );
      expect400(
        await command(jobId, {
          command: 'RESET_EXIT_CONFIG',
          params: { live_exit_config: { max_live_duration: 169 } },
        }),
        'MSS.00000003',
      );

      const stop = await p.call('POST', `${jobs()}/${jobId}/stop`);
      assert.ok(stop.status >= 200 && stop.status < 300, JSON.stringify(stop.body));
      const done = await waitFor('SUCCEED', 60_000, async () => {
        const s = await show(jobId);
        return s.body.state === 'SUCCEED' ? s.body : undefined;
      });
      assert.ok(done.end_time);
      assert.ok(done.stream_duration >= 1);
      assert.ok(done.duration >= done.stream_duration);
      assert.equal(done.error_info, undefined);

      // What the receiver got is an FLV with data in it.
      await receiver.close();
      assert.ok(fs.statSync(receiver.file).size > 0);

      // Ended: no commands, no second stop.
      expect400(await command(jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' }), 'MSS.10004103');
      expect400(await p.call('POST', `${jobs()}/${jobId}/stop`), 'MSS.10004103');

      // The room shows the job as its last one.
      const room = await p.call('GET', `${ROOMS}/${roomId}`);
      assert.equal(room.status, 200);

      // Lists: the room's jobs and the tenant's, with filters.
      const list = await p.call('GET', jobs(), { query: { state: 'SUCCEED' } });
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.equal(list.body.count, 1);
      assert.equal(list.body.smart_live_jobs[0].job_id, jobId);
      const none = await p.call('GET', jobs(), { query: { state: 'FAILED' } });
      assert.equal(none.body.count, 0);
      const all = await p.call('GET', '/v1/{project_id}/smart-live-jobs', {
        query: { room_name: roomName.slice(0, 8), limit: 1, offset: 0 },
      });
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.equal(all.body.count, 1);
      assert.equal(all.body.smart_live_jobs[0].room_id, roomId);
      const other = await p.call('GET', '/v1/{project_id}/smart-live-jobs', { as: p.other });
      assert.equal(other.body.count, 0);
      expect400(await p.call('GET', jobs(), { query: { state: 'DONE' } }), 'MSS.00000003');
      expect400(await p.call('GET', jobs(), { query: { sort_key: 'room_id' } }), 'MSS.00000003');
    });

    it('a job whose script has played its rounds (repeat_count 0) ends SUCCEED by itself', async () => {
      const start = await p.call('POST', jobs(), {
        body: {
          output_urls: [],
          play_policy: { repeat_count: 0, live_exit_config: { max_live_duration: 1 } },
        },
      });
      assert.equal(start.status, 202, JSON.stringify(start.body));
      assert.equal(start.body.limit_duration, 60);
      const done = await waitFor('SUCCEED', 180_000, async () => {
        const s = await show(start.body.job_id);
        return s.body.state === 'SUCCEED' || s.body.state === 'FAILED' ? s.body : undefined;
      });
      assert.equal(done.state, 'SUCCEED', JSON.stringify(done));
      // HLS only: nothing was pushed.
      assert.equal(done.stream_duration, 0);
      assert.equal(done.live_event_report_url, undefined);
    });

    it('refuses an unknown room, an unknown job, another tenant and a bad override', async () => {
      expect400(await p.call('POST', `${ROOMS}/${newId()}/smart-live-jobs`, { body: {} }), 'MSS.10004001');
      expect400(await show(newId()), 'MSS.10004101');
      expect400(await p.call('POST', jobs(), { body: {}, as: p.other }), 'MSS.10004001');
      expect400(
        await p.call('POST', jobs(), { body: { video_config: { width: 1280, height: 720, bitrate: 2000 } } }),
        'MSS.00000003',
      );
      expect400(
        await p.call('POST', jobs(), {
          body: { play_policy: { live_exit_config: { max_live_duration: 200 } } },
        }),
        'MSS.00000003',
      );
      expect400(await p.call('GET', `${ROOMS}/${newId()}/smart-live-jobs`), 'MSS.10004001');
    });

    it('a job stopped while WAITING ends SUCCEED at once and never streams', async () => {
      const p2 = await startTestPlatform(leg, { runJobs: false });
      try {
        // The same room does not exist in this platform's database; make one there.
        const port = await freePort();
        const r = await p2.call('POST', ROOMS, {
          body: {
            room_name: 'waiting',
            scene_scripts: [
              {
                script_name: 'A',
                model_asset_id: HOST,
                shoot_scripts: [{ text_config: { text: TEXT } }],
              },
            ],
            output_urls: [`rtmp://127.0.0.1:${port}/live`],
          },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const base = `${ROOMS}/${r.body.room_id}/smart-live-jobs`;
        const s = await p2.call('POST', base, { body: {} });
        assert.equal(s.status, 202, JSON.stringify(s.body));
        assert.equal((await p2.call('GET', `${base}/${s.body.job_id}`)).body.state, 'WAITING');
        expect400(
          await p2.call('POST', `${base}/${s.body.job_id}/command`, {
            body: { command: 'GET_LIVE_JOB_CONFIG_INFO' },
          }),
          'MSS.10004103',
        );
        const stop = await p2.call('POST', `${base}/${s.body.job_id}/stop`);
        assert.ok(stop.status < 300, JSON.stringify(stop.body));
        const done = (await p2.call('GET', `${base}/${s.body.job_id}`)).body;
        assert.equal(done.state, 'SUCCEED');
        assert.equal(done.duration, 0);
        assert.equal(done.stream_duration, 0);
      } finally {
        await p2.close();
      }
    });
  },
);
