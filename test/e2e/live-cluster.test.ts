// Cluster mode with real processes: `doppel serve --role worker` and `doppel serve --role api`
// on one PostgreSQL database (one master key). The job is started, commanded and reported to
// through the API process only, which runs no jobs: what it answers comes from the worker's
// stream. Then the worker is killed with SIGKILL, and the API process answers 503
// MSS.10004107 instead of hanging. Skipped (visibly) without PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { createPostgresDatabase, postgresUnavailable } from '../helpers/db.ts';
import { freePort, type RtmpReceiver, rtmpReceiver } from '../helpers/live-media.ts';
import { envTools } from '../helpers/media-fixtures.ts';
import { callServer, type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const TEXT =
  'Welcome to the evening show. This lamp folds flat, charges over USB and lights a desk for ten hours on one charge. '.repeat(
    4,
  );
const TITLE = 'cluster mode: live commands sent to the API process reach the worker process';

const skip = await postgresUnavailable();
if (skip) console.log(`# SKIP ${TITLE}: ${skip} (cluster mode needs PostgreSQL)`);

describe(TITLE, { skip, timeout: 600_000 }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-e2e-cluster-'));
  const dirs = [tempDataDir(), tempDataDir()];
  let worker: ServerProcess | undefined;
  let api: ServerProcess | undefined;
  let ingest: RtmpReceiver | undefined;
  let db: { url: string; drop(): Promise<void> } | undefined;
  after(async () => {
    await api?.kill();
    await worker?.kill();
    await ingest?.close().catch(() => {});
    await db?.drop();
    for (const d of [...dirs, work]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('the API process answers from the worker’s stream, and 503 once the worker is gone', async () => {
    db = await createPostgresDatabase();
    const env = {
      DATABASE_URL: db.url,
      DOPPEL_MASTER_KEY: randomBytes(32).toString('hex'),
      DOPPEL_JOB_LEASE_MS: '3000',
      DOPPEL_JOB_POLL_MS: '200',
      DOPPEL_ALLOW_PRIVATE_FETCH: 'true',
      DOPPEL_THROTTLE: 'false',
    };
    // The worker first: it migrates the empty database and prints the first credential.
    worker = await startServer({ dataDir: dirs[0], env, args: ['--role', 'worker'], timeoutMs: 240_000 });
    assert.ok(worker.banner, worker.output());
    const cred = worker.banner;
    api = await startServer({ dataDir: dirs[1], env, args: ['--role', 'api'], timeoutMs: 240_000 });
    const call = (method: string, p: string, body?: unknown) =>
      callServer(api as ServerProcess, cred, method, p, body);
    const poll = async <T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = await probe().catch(() => undefined);
        if (v !== undefined) return v;
        if (Date.now() > deadline)
          assert.fail(
            `${what}: not reached in ${ms} ms\n${worker?.output().slice(-2000)}\n${api?.output().slice(-2000)}`,
          );
        await new Promise((r) => setTimeout(r, 400));
      }
    };

    const port = await freePort();
    ingest = await rtmpReceiver(envTools().ffmpeg.path, port, path.join(work, 'in.flv'));
    const room = await call('POST', ROOMS, {
      room_name: 'e2e cluster lamp',
      scene_scripts: [
        {
          script_name: 'Lamp',
          model_asset_id: SYSTEM_AVATARS[0].assetId,
          voice_config: { voice_asset_id: EN_VOICE },
          background_config: [{ background_type: 'COLOR', background_color_config: '#203040' }],
          shoot_scripts: [{ title: 'Intro', text_config: { text: TEXT } }],
        },
      ],
      interaction_rules: [
        {
          rule_name: 'price',
          rule_index: 'price-rule',
          event_type: 1,
          hit_condition: { tags: [{ tag: 'content', match: 'REGEX', value: 'price' }] },
          trigger: { reply_texts: ['Fifteen dollars tonight.'], play_type: 'PLAY_NOW' },
        },
      ],
      video_config: { width: 1920, height: 1080, bitrate: 1000 },
      output_urls: [`rtmp://127.0.0.1:${port}/live`],
      stream_keys: ['key'],
    });
    assert.equal(room.status, 200, JSON.stringify(room.body));
    const jobs = `${ROOMS}/${room.body.room_id}/smart-live-jobs`;
    const start = await call('POST', jobs, {});
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const job = `${jobs}/${start.body.job_id}`;
    const command = (body: Record<string, unknown>) => call('POST', `${job}/command`, body);
    const playing = async () => {
      const r = await command({ command: 'GET_CURRENT_PLAYING_SCRIPTS' });
      return r.status === 200 ? JSON.parse(r.body.result) : undefined;
    };

    const first = await poll('the script playing, read through the API process', 180_000, async () => {
      const p = await playing();
      return p?.playing && p.kind === 'SCRIPT' ? p : undefined;
    });
    assert.equal(first.scene_script_name, 'Lamp');

    const ins = await command({
      command: 'INSERT_PLAY_SCRIPT',
      params: { text_config: { text: 'One quick note before we go on.' }, play_type: 'PLAY_NOW' },
    });
    assert.equal(ins.status, 200, JSON.stringify(ins.body));
    await poll('the insert playing', 60_000, async () =>
      (await playing())?.command_id === ins.body.command_id ? true : undefined,
    );

    const rep = await call('POST', `${job}/live-event-report`, {
      total: 1,
      events: [
        {
          timestamp: Date.now(),
          type: 1,
          content: JSON.stringify({ user: { userId: 'u1', name: 'Lea' }, content: 'what is the price?' }),
        },
      ],
    });
    assert.equal(rep.status, 200, JSON.stringify(rep.body));
    await poll('the rule reply playing', 60_000, async () =>
      (await playing())?.rule_index === 'price-rule' ? true : undefined,
    );

    // The worker dies; the job stays PROCESSING with nobody streaming it.
    await worker.kill();
    const gone = await command({ command: 'GET_CURRENT_PLAYING_SCRIPTS' });
    assert.equal(gone.status, 503, JSON.stringify(gone.body));
    assert.equal(gone.body.error_code, 'MSS.10004107');
  });
});
