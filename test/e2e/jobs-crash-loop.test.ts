// Issue 16, defect 1: a job whose worker is killed on every attempt must not stay PROCESSING.
// The real CLI server runs an async TTS job (a long text, so it is still speaking when killed)
// and a 2D video job, both with callbacks; it is killed with SIGKILL while both run, three
// times (each job has 3 attempts). The fourth server's lease sweep gives both up: they end
// FAILED with the reason shown by ShowAsyncTtsJob / Show2DDigitalHumanVideo, and both
// callbacks arrive. "Running" is read from the server's own debug log ("job started" with
// the attempt number), not from timing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callbacks.ts';
import {
  type Banner,
  callServer,
  type ServerProcess,
  startServer,
  tempDataDir,
} from '../helpers/server-process.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const SENTENCE = 'The quick brown fox jumps over the lazy dog while the server keeps working on it. ';

describe('jobs killed on every attempt end FAILED with an error and a callback', {
  timeout: 1_800_000,
}, () => {
  const dataDir = tempDataDir();
  let server: ServerProcess | undefined;
  let receiver: CallbackReceiver | undefined;
  after(async () => {
    await server?.kill();
    await receiver?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const env = {
    DOPPEL_JOB_LEASE_MS: '3000',
    DOPPEL_JOB_POLL_MS: '200',
    DOPPEL_LOG_LEVEL: 'debug',
    DOPPEL_ALLOW_PRIVATE_FETCH: 'true',
  };

  const poll = async <T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline)
        assert.fail(`${what}: not reached in ${ms} ms\n${server?.output().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** Whether this server's log says an attempt of `task` started. */
  const started = (task: string): boolean =>
    (server as ServerProcess)
      .output()
      .split('\n')
      .some((line) => {
        if (!line.startsWith('{')) return false;
        try {
          const rec = JSON.parse(line) as { msg?: string; task?: string };
          return rec.msg === 'job started' && rec.task === task;
        } catch {
          return false;
        }
      });

  it('kills the server three times mid-job; the fourth gives both jobs up', async () => {
    receiver = await startCallbackReceiver();
    server = await startServer({ dataDir, env, timeoutMs: 240_000 });
    assert.ok(server.banner, server.output());
    const cred: Banner = server.banner;
    const api = (method: string, p: string, body?: unknown) =>
      callServer(server as ServerProcess, cred, method, p, body);

    const tts = await api('POST', '/v1/{project_id}/ttsc/async-jobs', {
      text: SENTENCE.repeat(600),
      voice_asset_id: EN_VOICE,
      callback_config: { callback_url: `${receiver.base}/tts` },
    });
    assert.equal(tts.status, 200, JSON.stringify(tts.body));
    const video = await api('POST', '/v1/{project_id}/2d-digital-human-videos', {
      model_asset_id: SYSTEM_AVATARS[0].assetId,
      voice_config: { voice_asset_id: EN_VOICE },
      video_config: { codec: 'H264', width: 1280, height: 720, bitrate: 2000 },
      shoot_scripts: [
        {
          sequence_no: 0,
          shoot_script: {
            script_type: 'TEXT',
            text_config: { text: SENTENCE.repeat(20) },
            background_config: [{ background_type: 'COLOR', background_color_config: '#204060' }],
          },
        },
      ],
      output_asset_config: { asset_name: 'crash loop video' },
      callback_config: { callback_url: `${receiver.base}/video` },
    });
    assert.equal(video.status, 200, JSON.stringify(video.body));

    const ttsPath = `/v1/{project_id}/ttsc/async-jobs/${tts.body.job_id}`;
    const videoPath = `/v1/{project_id}/2d-digital-human-videos/${video.body.job_id}`;
    const ended = async (p: string) => !['WAITING', 'PROCESSING'].includes((await api('GET', p)).body.state);
    // Each round: both jobs run in this server (or one already ended: on a loaded machine a
    // lost heartbeat can burn an attempt too), then SIGKILL. Neither may have SUCCEEDed.
    for (let round = 1; round <= 3; round++) {
      await poll(`round ${round}: both jobs running`, 180_000, async () =>
        (started('tts.synthesize') || (await ended(ttsPath))) &&
        (started('video.render') || (await ended(videoPath)))
          ? true
          : undefined,
      );
      await server.kill();
      server = await startServer({ dataDir, env, timeoutMs: 240_000 });
    }

    const ttsDone = await poll('the TTS job to end', 120_000, async () => {
      const s = await api('GET', ttsPath);
      return s.body.state === 'PROCESSING' || s.body.state === 'WAITING' ? undefined : s.body;
    });
    assert.equal(ttsDone.state, 'FAILED', JSON.stringify(ttsDone));
    assert.match(ttsDone.code, /^MSS\.\d{8}$/);
    assert.match(ttsDone.message, /given up.*stopped responding/);

    const videoDone = await poll('the video job to end', 120_000, async () => {
      const s = await api('GET', videoPath);
      return s.body.state === 'PROCESSING' || s.body.state === 'WAITING' ? undefined : s.body;
    });
    assert.equal(videoDone.state, 'FAILED', JSON.stringify(videoDone));
    assert.match(videoDone.error_info.error_code, /^MSS\.\d{8}$/);
    assert.match(videoDone.error_info.error_msg, /given up.*stopped responding/);

    const r = receiver;
    const ttsCb = await poll('the TTS callback', 60_000, async () =>
      r.received.find((c) => c.url === '/tts'),
    );
    assert.equal(ttsCb.body.status, 'ERROR');
    assert.equal(ttsCb.body.job_id, tts.body.job_id);
    assert.match(ttsCb.body.error_msg, /given up/);
    const videoCb = await poll('the video callback', 60_000, async () =>
      r.received.find((c) => c.url === '/video'),
    );
    assert.deepEqual(videoCb.body, { result: 'FAILED', asset_id: '', job_id: video.body.job_id });
  });
});
