// Live commands and event reports across processes (cluster mode, PostgreSQL only): instance A
// runs the worker and streams the job to a real RTMP receiver; instance B, on the same database
// with the same tenants, serves only the API. Through B: GET_CURRENT_PLAYING_SCRIPTS answers A's
// true position, INSERT_PLAY_SCRIPT plays on A, a reported comment (signed, and unsigned with the
// report URL's key) fires a rule reply on A; with A's worker gone B answers 503 MSS.10004107.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { waitFor } from '../helpers/assets.ts';
import { dbLegs, postgresUnavailable } from '../helpers/db.ts';
import { freePort, type RtmpReceiver, rtmpReceiver } from '../helpers/live-media.ts';
import { envTools } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const HOST = SYSTEM_AVATARS[0].assetId;
const TEXT =
  'Good evening and welcome to the shop. This kettle boils a litre of water in three minutes and switches itself off. '.repeat(
    4,
  );
const TITLE = 'Live commands reach the worker that streams the job (two instances, one PostgreSQL)';

const skip = await postgresUnavailable();
if (skip) console.log(`# SKIP ${TITLE}: ${skip} (cluster mode needs PostgreSQL)`);

describe(TITLE, { skip }, () => {
  let a: TestPlatform;
  let b: TestPlatform;
  let receiver: RtmpReceiver;
  let roomId: string;

  before(async () => {
    const leg = (await dbLegs()).find((l) => l.name === 'postgres');
    assert.ok(leg);
    a = await startTestPlatform(leg, { runJobs: true });
    b = await startTestPlatform(leg, { runJobs: false, join: a });
    const tools = envTools();
    const port = await freePort();
    receiver = await rtmpReceiver(tools.ffmpeg.path, port, path.join(a.dataDir, 'received.flv'));
    const r = await b.call('POST', ROOMS, {
      body: {
        room_name: `Kettle live ${newId().slice(0, 6)}`,
        scene_scripts: [
          {
            script_name: 'Kettle',
            model_asset_id: HOST,
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
            trigger: { reply_texts: ['It costs twenty dollars today.'], play_type: 'PLAY_NOW' },
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
    await b?.close();
    await a?.close();
  });

  const jobs = () => `${ROOMS}/${roomId}/smart-live-jobs`;
  const command = (via: TestPlatform, jobId: string, body: Record<string, unknown>) =>
    via.call('POST', `${jobs()}/${jobId}/command`, { body });
  const current = async (via: TestPlatform, jobId: string) => {
    const r = await command(via, jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return JSON.parse(r.body.result);
  };
  const comment = (text: string) => ({
    timestamp: Date.now(),
    type: 1,
    content: JSON.stringify({ user: { userId: 'u7', name: 'Mia' }, content: text }),
  });

  it('B reaches the stream A runs; without A’s worker B answers 503', async () => {
    // Started through B: the job is queued, and A's worker takes it.
    const start = await b.call('POST', jobs(), { body: {} });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const jobId: string = start.body.job_id;
    await waitFor('the script playing on A', 120_000, async () => {
      const r = await command(a, jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' });
      return r.status === 200 && JSON.parse(r.body.result).playing ? true : undefined;
    });

    // The true position: B's answer lies between two of A's own taken around it, on the same
    // paragraph (a triple that straddles a paragraph change is taken again).
    await waitFor('frames moving', 60_000, async () =>
      (await current(a, jobId)).frame > 0 ? true : undefined,
    );
    const same = (x: Record<string, unknown>, y: Record<string, unknown>) =>
      x.kind === 'SCRIPT' &&
      y.kind === 'SCRIPT' &&
      x.round === y.round &&
      x.shoot_script_sequence_no === y.shoot_script_sequence_no;
    const triple = await waitFor('a position read through B between two of A', 60_000, async () => {
      const first = await current(a, jobId);
      const viaB = await current(b, jobId);
      const last = await current(a, jobId);
      return same(first, last) && same(first, viaB) ? { first, viaB, last } : undefined;
    });
    const { first, viaB, last } = triple;
    assert.equal(viaB.playing, true, JSON.stringify(viaB));
    assert.equal(viaB.scene_script_name, 'Kettle');
    assert.equal(viaB.shoot_script_title, 'Intro');
    const at = (x: { sentence: number; frame: number }) => [x.sentence, x.frame];
    const le = (x: number[], y: number[]) => x[0] < y[0] || (x[0] === y[0] && x[1] <= y[1]);
    assert.ok(le(at(first), at(viaB)) && le(at(viaB), at(last)), JSON.stringify(triple));
    // And it moves: a later read through B is further on.
    await waitFor('B sees the stream move on', 60_000, async () => {
      const later = await current(b, jobId);
      return !same(later, viaB) || (le(at(viaB), at(later)) && at(later).join() !== at(viaB).join())
        ? true
        : undefined;
    });

    // INSERT_PLAY_SCRIPT through B plays on A.
    const ins = await command(b, jobId, {
      command: 'INSERT_PLAY_SCRIPT',
      params: {
        text_config: { text: 'A quick word from our sponsor before we go on.' },
        play_type: 'PLAY_NOW',
      },
    });
    assert.equal(ins.status, 200, JSON.stringify(ins.body));
    assert.equal(JSON.parse(ins.body.result).play_type, 'PLAY_NOW');
    await waitFor('the inserted script playing on A', 60_000, async () =>
      (await current(a, jobId)).command_id === ins.body.command_id ? true : undefined,
    );

    // Errors the worker raises come back as they would in-process.
    const bad = await command(b, jobId, { command: 'INSERT_PLAY_SCRIPT', params: { text_config: {} } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.error_code, 'MSS.00000003');

    // A comment reported through B fires A's rule; its reply plays there.
    const rep = await b.call('POST', `${jobs()}/${jobId}/live-event-report`, {
      body: { total: 1, events: [comment('what is the price?')] },
    });
    assert.equal(rep.status, 200, JSON.stringify(rep.body));
    await waitFor('the rule reply playing on A', 60_000, async () =>
      (await current(a, jobId)).rule_index === 'price-rule' ? true : undefined,
    );
    // Unsigned, with the report URL's own key, through B too.
    const url: string = start.body.live_event_report_url;
    const unsigned = await b.fetchUrl('POST', url, {
      body: Buffer.from(JSON.stringify({ total: 1, events: [comment('price again?')] })),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(unsigned.status, 200, JSON.stringify(unsigned.body));

    // The command log is the job's, whichever instance took the command.
    const log = await b.deps.database.db
      .selectFrom('live_jobs')
      .select('command_log')
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    assert.ok(JSON.stringify(log.command_log).includes(ins.body.command_id));

    // A's worker stops (its queue shuts down and gives the job back); nobody streams the job.
    await a.deps.queue.stop({ graceMs: 0 });
    const gone = await command(b, jobId, { command: 'GET_CURRENT_PLAYING_SCRIPTS' });
    assert.equal(gone.status, 503, JSON.stringify(gone.body));
    assert.equal(gone.body.error_code, 'MSS.10004107');
    assert.match(gone.body.error_msg, /no worker process took it/);
    const goneReport = await b.call('POST', `${jobs()}/${jobId}/live-event-report`, {
      body: { total: 1, events: [comment('price?')] },
    });
    assert.equal(goneReport.status, 503, JSON.stringify(goneReport.body));
    assert.equal(goneReport.body.error_code, 'MSS.10004107');
  });
});
