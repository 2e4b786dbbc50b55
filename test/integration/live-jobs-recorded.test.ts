// Recorded-audio script paragraphs on both database legs, with the real stream engine pushing
// RTMP to a receiver on 127.0.0.1: a scene whose second paragraph plays a WAV tone served by a
// local HTTP server. The position (GET_CURRENT_PLAYING_SCRIPTS) and SHOOT_SCRIPT_SWITCH name
// that paragraph, the received stream carries the tone once per round, and the second round
// plays it from the job's cache (one download). A recording that cannot be fetched ends the
// job FAILED with the unusable-input code. An AUDIO asset of the project plays the same way.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { waitFor } from '../helpers/assets.ts';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callbacks.ts';
import { describeEachDb } from '../helpers/db.ts';
import { freePort, type RtmpReceiver, rtmpReceiver, toneRuns } from '../helpers/live-media.ts';
import { envTools, wavBytes } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE } from '../helpers/tts.ts';
import { createAsset, upload, waitForAsset } from '../helpers/uploads.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const HOST = SYSTEM_AVATARS[0].assetId;
const TONE_HZ = 440;
const TONE_SEC = 4;
const tools = envTools();

await describeEachDb(
  'Live jobs: recorded-audio script paragraphs (audio_config: audio_url, AUDIO asset)',
  (leg) => {
    let p: TestPlatform;
    let audioServer: http.Server;
    let audioBase: string;
    let cb: CallbackReceiver;
    const fetched: string[] = [];
    before(async () => {
      // Recordings are fetched from a server on 127.0.0.1.
      p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
      audioServer = http.createServer((req, res) => {
        fetched.push(req.url ?? '');
        if (req.url !== '/tone.wav') {
          res.writeHead(404);
          res.end('no such file');
          return;
        }
        res.writeHead(200, { 'content-type': 'audio/wav' });
        res.end(wavBytes({ seconds: TONE_SEC, freq: TONE_HZ }));
      });
      await new Promise<void>((r) => audioServer.listen(0, '127.0.0.1', r));
      audioBase = `http://127.0.0.1:${(audioServer.address() as AddressInfo).port}`;
      cb = await startCallbackReceiver();
    });
    after(async () => {
      await new Promise((r) => audioServer?.close(r));
      await cb?.close();
      await p?.close();
    });

    const room = async (audio: string | { asset_id: string }, extra: Record<string, unknown>) => {
      const r = await p.call('POST', ROOMS, {
        body: {
          room_name: `Recorded ${newId().slice(0, 6)}`,
          scene_scripts: [
            {
              script_name: 'Tone',
              model_asset_id: HOST,
              voice_config: { voice_asset_id: EN_VOICE },
              background_config: [{ background_type: 'COLOR', background_color_config: '#203040' }],
              shoot_scripts: [
                { sequence_no: 0, title: 'Spoken', text_config: { text: 'Here is a short tone.' } },
                {
                  sequence_no: 1,
                  title: 'Recorded',
                  audio_config: typeof audio === 'string' ? { audio_url: audio } : audio,
                },
              ],
            },
          ],
          video_config: { width: 1920, height: 1080, bitrate: 1000 },
          ...extra,
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.room_id as string;
    };
    const show = (roomId: string, jobId: string) =>
      p.call('GET', `${ROOMS}/${roomId}/smart-live-jobs/${jobId}`);

    it('plays the recording as its paragraph in every round, fetched once', async () => {
      const port = await freePort();
      const receiver: RtmpReceiver = await rtmpReceiver(
        tools.ffmpeg.path,
        port,
        path.join(p.dataDir, `recorded-${leg.name}.flv`),
      );
      try {
        const roomId = await room(`${audioBase}/tone.wav`, {
          output_urls: [`rtmp://127.0.0.1:${port}/live`],
          stream_keys: ['key'],
          // Two rounds, so the second plays the recording from the cache.
          play_policy: { repeat_count: 1 },
          live_event_callback_config: {
            live_event_type_callback_url: `${cb.base}/events`,
            callback_event_type: ['SHOOT_SCRIPT_SWITCH'],
          },
        });
        const start = await p.call('POST', `${ROOMS}/${roomId}/smart-live-jobs`, { body: {} });
        assert.equal(start.status, 202, JSON.stringify(start.body));
        const jobId = start.body.job_id as string;
        const current = async () => {
          const r = await p.call('POST', `${ROOMS}/${roomId}/smart-live-jobs/${jobId}/command`, {
            body: { command: 'GET_CURRENT_PLAYING_SCRIPTS' },
          });
          return r.status === 200 ? JSON.parse(r.body.result) : {};
        };
        const playing = await waitFor('the recorded paragraph playing', 120_000, async () => {
          const c = await current();
          return c.shoot_script_sequence_no === 1 ? c : undefined;
        });
        assert.equal(playing.kind, 'SCRIPT');
        assert.equal(playing.scene_script_name, 'Tone');
        assert.equal(playing.shoot_script_title, 'Recorded');

        // The last round played: the job ends by itself.
        const done = await waitFor('SUCCEED', 180_000, async () => {
          const s = await show(roomId, jobId);
          return s.body.state === 'SUCCEED' || s.body.state === 'FAILED' ? s.body : undefined;
        });
        assert.equal(done.state, 'SUCCEED', JSON.stringify(done));
        assert.deepEqual(
          fetched.filter((u) => u === '/tone.wav'),
          ['/tone.wav'],
          'the recording is downloaded once for both rounds',
        );

        const switches = await waitFor('both rounds reported', 30_000, async () => {
          const got = cb.received
            .filter((c) => c.url === '/events' && c.body.event_type === 'SHOOT_SCRIPT_SWITCH')
            .map((c) => JSON.parse(c.body.message))
            .filter((m) => m.job_id === jobId && m.shoot_script_sequence_no === 1);
          return got.length >= 2 ? got : undefined;
        });
        assert.deepEqual(
          switches.map((m) => [m.round, m.shoot_script_title]),
          [
            [0, 'Recorded'],
            [1, 'Recorded'],
          ],
        );

        await receiver.close();
        // The tone (TONE_SEC long) is in the pushed sound once per round.
        const runs = (await toneRuns(tools.ffmpeg.path, receiver.file, TONE_HZ)).filter((s) => s >= 2.5);
        assert.equal(runs.length, 2, `tone runs in the output: ${JSON.stringify(runs)}`);
      } finally {
        await receiver.close();
      }
    });

    it('plays an AUDIO asset of the project as a paragraph', async () => {
      const assetId = await createAsset(p, {
        asset_name: `tone-${newId().slice(0, 6)}`,
        asset_type: 'AUDIO',
      });
      await upload(p, {
        assetId,
        name: 'tone.wav',
        bytes: wavBytes({ seconds: 3, freq: 660 }),
        contentType: 'audio/wav',
      });
      assert.equal((await waitForAsset(p, assetId)).asset_state, 'ACTIVED');
      const port = await freePort();
      const receiver = await rtmpReceiver(
        tools.ffmpeg.path,
        port,
        path.join(p.dataDir, `asset-${leg.name}.flv`),
      );
      try {
        const roomId = await room(
          { asset_id: assetId },
          {
            output_urls: [`rtmp://127.0.0.1:${port}/live`],
            stream_keys: ['key'],
            play_policy: { repeat_count: 0 },
          },
        );
        const before = fetched.length;
        const start = await p.call('POST', `${ROOMS}/${roomId}/smart-live-jobs`, { body: {} });
        assert.equal(start.status, 202, JSON.stringify(start.body));
        const done = await waitFor('the job ending', 120_000, async () => {
          const s = await show(roomId, start.body.job_id);
          return s.body.state === 'SUCCEED' || s.body.state === 'FAILED' ? s.body : undefined;
        });
        assert.equal(done.state, 'SUCCEED', JSON.stringify(done));
        assert.equal(fetched.length, before, 'nothing fetched by URL');
        await receiver.close();
        const runs = (await toneRuns(tools.ffmpeg.path, receiver.file, 660)).filter((x) => x >= 2);
        assert.equal(runs.length, 1, `660 Hz runs in the output: ${JSON.stringify(runs)}`);
      } finally {
        await receiver.close();
      }
    });

    it('ends the job FAILED with MSS.10004111 when the recording cannot be fetched', async () => {
      const roomId = await room(`${audioBase}/missing.wav`, {});
      const start = await p.call('POST', `${ROOMS}/${roomId}/smart-live-jobs`, { body: {} });
      assert.equal(start.status, 202, JSON.stringify(start.body));
      const done = await waitFor('FAILED', 120_000, async () => {
        const s = await show(roomId, start.body.job_id);
        return s.body.state === 'FAILED' || s.body.state === 'SUCCEED' ? s.body : undefined;
      });
      assert.equal(done.state, 'FAILED', JSON.stringify(done));
      assert.equal(done.error_info?.error_code, 'MSS.10004111', JSON.stringify(done));
      assert.match(
        done.error_info.error_msg,
        /shoot_scripts\[1\]\.audio_config\.audio_url answered HTTP 404/,
      );
    });
  },
);
