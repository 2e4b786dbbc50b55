// Live job commands that change a running stream, on both database legs with the real stream
// engine: REWRITE_PLAY_SCRIPT, REWRITE_INTERACTION_RULES (then a reported gift fires the new
// rule), INSERT_PLAY_AUDIO (fetched from a local server), REFRESH_OUTPUT_URL (a second
// receiver gets the push). The rest of the live job operations are in live-jobs.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { waitFor } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { freePort, type RtmpReceiver, rtmpReceiver } from '../helpers/live-media.ts';
import { envTools, wavBytes } from '../helpers/media-fixtures.ts';
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
  'Live job commands (ExecuteSmartLiveCommand REWRITE_PLAY_SCRIPT, REWRITE_INTERACTION_RULES, INSERT_PLAY_AUDIO, REFRESH_OUTPUT_URL; LiveEventReport)',
  (leg) => {
    let p: TestPlatform;
    let receiver: RtmpReceiver;
    let roomId: string;
    let audioServer: http.Server;
    const roomName = `Flask live ${newId().slice(0, 6)}`;
    before(async () => {
      // Inserted audio is fetched from a server on 127.0.0.1.
      p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
      audioServer = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'audio/wav' });
        res.end(wavBytes({ seconds: 2, freq: 220 }));
      });
      await new Promise<void>((r) => audioServer.listen(0, '127.0.0.1', r));
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
      await new Promise((r) => audioServer?.close(r));
      await p?.close();
    });

    const jobs = () => `${ROOMS}/${roomId}/smart-live-jobs`;
    const show = (jobId: string) => p.call('GET', `${jobs()}/${jobId}`);
    const command = (jobId: string, body: Record<string, unknown>) =>
      p.call('POST', `${jobs()}/${jobId}/command`, { body });
    const expect400 = (r: { status: number; body: { error_code: string } }, code: string) => {
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error_code, code, JSON.stringify(r.body));
    };

    it('rewrites the script and the rules, plays inserted audio and moves the push to a new URL', async () => {
      const start = await p.call('POST', jobs(), { body: {} });
      assert.equal(start.status, 202, JSON.stringify(start.body));
      const jobId = start.body.job_id;
      const current = async () => {
        const r = await command(jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' });
        return r.status === 200 ? JSON.parse(r.body.result) : {};
      };
      await waitFor('the script playing', 120_000, async () =>
        (await current()).playing ? true : undefined,
      );

      const rewrite = await command(jobId, {
        command: 'REWRITE_PLAY_SCRIPT',
        params: {
          scene_scripts: [
            {
              script_name: 'Second',
              model_asset_id: HOST,
              voice_config: { voice_asset_id: EN_VOICE },
              shoot_scripts: [{ title: 'New', text_config: { text: TEXT } }],
            },
          ],
        },
      });
      assert.equal(rewrite.status, 200, JSON.stringify(rewrite.body));
      await waitFor('the new script playing', 60_000, async () =>
        (await current()).scene_script_name === 'Second' ? true : undefined,
      );
      expect400(
        await command(jobId, { command: 'REWRITE_PLAY_SCRIPT', params: { scene_scripts: [] } }),
        'MSS.00000003',
      );

      const rules = await command(jobId, {
        command: 'REWRITE_INTERACTION_RULES',
        params: {
          interaction_rules: [
            {
              rule_name: 'gift',
              event_type: 4,
              hit_condition: { tags: [{ tag: 'giftNum', match: 'MATH_GE', value: '1' }] },
              trigger: { reply_texts: ['Thank you {name} for the gift.'], play_type: 'PLAY_NOW' },
            },
          ],
        },
      });
      assert.equal(rules.status, 200, JSON.stringify(rules.body));
      const gift = {
        timestamp: Date.now(),
        type: 4,
        content: JSON.stringify({
          user: { name: 'Ann' },
          gift: { giftName: 'rose', giftNum: 2, totalValue: 20 },
        }),
      };
      const rep = await p.call('POST', `${jobs()}/${jobId}/live-event-report`, {
        body: { total: 1, events: [gift] },
      });
      assert.equal(rep.status, 200, JSON.stringify(rep.body));
      await waitFor('the gift reply playing', 60_000, async () =>
        (await current()).rule_index !== undefined ? true : undefined,
      );

      const { port } = audioServer.address() as AddressInfo;
      const audio = await command(jobId, {
        command: 'INSERT_PLAY_AUDIO',
        params: { audio_url: `http://127.0.0.1:${port}/hello.wav`, play_type: 'PLAY_NOW' },
      });
      assert.equal(audio.status, 200, JSON.stringify(audio.body));
      await waitFor('the inserted audio playing', 60_000, async () =>
        (await current()).command_id === audio.body.command_id ? true : undefined,
      );

      const port2 = await freePort();
      const second = await rtmpReceiver(tools.ffmpeg.path, port2, path.join(p.dataDir, 'second.flv'));
      try {
        const refresh = await command(jobId, {
          command: 'REFRESH_OUTPUT_URL',
          params: { output_urls: [`rtmp://127.0.0.1:${port2}/live`], stream_keys: ['k2'] },
        });
        assert.equal(refresh.status, 200, JSON.stringify(refresh.body));
        await waitFor('the new ingest receiving', 60_000, async () =>
          fs.existsSync(second.file) && fs.statSync(second.file).size > 0 ? true : undefined,
        );
        const info = JSON.parse((await command(jobId, { command: 'GET_LIVE_JOB_CONFIG_INFO' })).body.result);
        assert.deepEqual(info.output_urls, [`rtmp://127.0.0.1:${port2}/live`]);
      } finally {
        await p.call('POST', `${jobs()}/${jobId}/stop`);
        await waitFor('SUCCEED', 60_000, async () =>
          (await show(jobId)).body.state === 'SUCCEED' ? true : undefined,
        );
        await second.close();
      }
    });
  },
);
