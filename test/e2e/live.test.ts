// Issue 12, "Done when": a live room really streams. The real CLI server (`doppel serve`) runs a
// two-scene room with one comment rule; its job pushes RTMP to an ffmpeg listening on
// 127.0.0.1 and reports its events to a local HTTP receiver. What arrived is checked with
// ffprobe / ffmpeg: H.264 + AAC, 1920×1080, 25 fps, sound that is not silent, a mouth that
// moves while speaking; the job's HLS, served at its signed URL, decodes. A reported comment
// that hits the rule plays its reply (GET_CURRENT_PLAYING_SCRIPTS shows it,
// REPLY_COMMAND_FINISH arrives); a PLAY_NOW insert cuts into the paragraph; the server is
// killed with SIGKILL mid-stream and started again on the same data dir, and the job streams
// again to a new ingest on the same port; stop ends it SUCCEED with a duration that fits the
// wall clock, and the events are in the webhook log the CLI lists.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { probeMedia, runTool } from '../../src/core/media/index.ts';
import { loadAvatarPackage } from '../../src/engines/render/index.ts';
import { prepareFaces } from '../../src/engines/stream/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { type CallbackReceiver, type ReceivedCallback, startCallbackReceiver } from '../helpers/callbacks.ts';
import {
  changes,
  freePort,
  type RtmpReceiver,
  regionFrames,
  rtmpReceiver,
  shiftedDiff,
} from '../helpers/live-media.ts';
import { envTools } from '../helpers/media-fixtures.ts';
import {
  type Banner,
  callServer,
  REPO,
  runCli,
  type ServerProcess,
  startServer,
  tempDataDir,
} from '../helpers/server-process.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const HOST = SYSTEM_AVATARS[0];
// Long paragraphs (tens of seconds each), so an insert lands inside one.
const OPENING =
  'Good evening and welcome to the shop. Tonight we show a vacuum flask that keeps tea hot for twelve hours, a lid that never leaks, and a steel body that survives a fall onto stone. '.repeat(
    3,
  );
const DETAILS =
  'The flask holds half a litre, weighs three hundred grams, and comes in five colours. It fits a car cup holder and a bicycle bottle cage, and the whole lid comes apart for cleaning. '.repeat(
    3,
  );
const tools = envTools();

// biome-ignore lint/suspicious/noExplicitAny: callback messages are read as JSON.
type Msg = Record<string, any>;
const messages = (got: ReceivedCallback[], type: string): Msg[] =>
  got.filter((c) => c.body.event_type === type).map((c) => JSON.parse(c.body.message));

describe('a live room streams end to end (RTMP, HLS, rules, commands, a killed server)', {
  timeout: 600_000,
}, () => {
  const dataDir = tempDataDir();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-e2e-live-'));
  let server: ServerProcess | undefined;
  let cb: CallbackReceiver | undefined;
  const ingests: RtmpReceiver[] = [];
  after(async () => {
    await server?.kill();
    for (const r of ingests) await r.close().catch(() => {});
    await cb?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });
  const env = {
    DOPPEL_JOB_LEASE_MS: '3000',
    DOPPEL_JOB_POLL_MS: '200',
    DOPPEL_ALLOW_PRIVATE_FETCH: 'true',
  };
  const poll = async <T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > deadline)
        assert.fail(`${what}: not reached in ${ms} ms\n${server?.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 400));
    }
  };

  it('streams, reacts, survives kill -9 and ends SUCCEED', async () => {
    cb = await startCallbackReceiver();
    const port = await freePort();
    ingests.push(await rtmpReceiver(tools.ffmpeg.path, port, path.join(work, 'first.flv')));
    server = await startServer({ dataDir, env, timeoutMs: 240_000 });
    assert.ok(server.banner, server.output());
    const cred: Banner = server.banner;
    const api = (method: string, p: string, body?: unknown) =>
      callServer(server as ServerProcess, cred, method, p, body);

    const room = await api('POST', ROOMS, {
      room_name: 'e2e flask live',
      scene_scripts: [
        {
          script_name: 'Opening',
          model_asset_id: HOST.assetId,
          voice_config: { voice_asset_id: EN_VOICE },
          background_config: [{ background_type: 'COLOR', background_color_config: '#203040' }],
          shoot_scripts: [{ title: 'Welcome', text_config: { text: OPENING } }],
        },
        {
          script_name: 'Details',
          model_asset_id: HOST.assetId,
          shoot_scripts: [{ title: 'Sizes', text_config: { text: DETAILS } }],
        },
      ],
      interaction_rules: [
        {
          rule_name: 'price',
          event_type: 1,
          hit_condition: { tags: [{ tag: 'content', match: 'REGEX', value: 'price' }] },
          trigger: { reply_texts: ['It is nine dollars today.'], play_type: 'INSERT' },
        },
      ],
      play_policy: { repeat_count: -1 },
      video_config: { width: 1920, height: 1080, bitrate: 2000 },
      output_urls: [`rtmp://127.0.0.1:${port}/live`],
      stream_keys: ['key'],
      live_event_callback_config: { live_event_type_callback_url: `${cb.base}/live` },
    });
    assert.equal(room.status, 200, JSON.stringify(room.body));
    const jobs = `${ROOMS}/${room.body.room_id}/smart-live-jobs`;
    const started = Date.now();
    const start = await api('POST', jobs, {});
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const jobId: string = start.body.job_id;
    const jobPath = `${jobs}/${jobId}`;
    // Commands are throttled per tenant (4 a second); like any client of the real service the
    // test waits out a 429 instead of failing on it, so the polls below cannot starve the
    // one-off commands between them.
    const command = async (body: Record<string, unknown>) => {
      let r = await api('POST', `${jobPath}/command`, body);
      for (let tries = 0; r.status === 429 && tries < 10; tries++) {
        await new Promise((res) => setTimeout(res, 1000));
        r = await api('POST', `${jobPath}/command`, body);
      }
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return { ...r.body, result: JSON.parse(r.body.result) };
    };
    const playing = async () => (await command({ command: 'GET_CURRENT_PLAYING_SCRIPTS' })).result;
    const received = () => (cb as CallbackReceiver).received;
    const connected = () =>
      messages(received(), 'RTMP_STREAM_STATE_CHANGE').filter((m) => m.state === 'CONNECTED');

    await poll('CONNECTED callback', 180_000, async () => (connected().length >= 1 ? true : undefined));
    const script = await poll('a script paragraph playing', 120_000, async () => {
      const p = await playing();
      return p.playing && p.kind === 'SCRIPT' ? p : undefined;
    });
    assert.equal(script.scene_script_name, 'Opening');

    // HLS beside the push, served by Doppel at the signed URL the job hands out: the playlist
    // lists segments (each carrying the signature) that decode; a forged key is refused.
    const hlsUrl: string = (await command({ command: 'GET_LIVE_JOB_CONFIG_INFO' })).result.hls_url;
    assert.match(hlsUrl, /\/live-hls\/.+\/index\.m3u8\?auth_key=[0-9a-f]{64}&expires_time=\d{13}$/);
    const segs = await poll('two HLS segments', 60_000, async () => {
      const res = await fetch(hlsUrl);
      if (res.status !== 200) return undefined;
      assert.match(String(res.headers.get('content-type')), /mpegurl/);
      const s = (await res.text()).split('\n').filter((l) => /\.ts\?auth_key=/.test(l));
      return s.length >= 2 ? s : undefined;
    });
    const segRes = await fetch(new URL(segs[0] as string, hlsUrl));
    assert.equal(segRes.status, 200);
    const seg = path.join(work, 'segment.ts');
    fs.writeFileSync(seg, Buffer.from(await segRes.arrayBuffer()));
    const decoded = await runTool(tools.ffmpeg.path, [
      '-hide_banner',
      '-v',
      'error',
      '-i',
      seg,
      '-f',
      'null',
      '-',
    ]);
    assert.equal(decoded.code, 0, decoded.stderr);
    const segInfo = await probeMedia(tools, seg);
    assert.equal(segInfo.video?.codec, 'h264');
    assert.equal(segInfo.audio?.codec, 'aac');
    const forged = hlsUrl.replace(/auth_key=([0-9a-f])/, (_m, c) => `auth_key=${c === '0' ? '1' : '0'}`);
    assert.equal((await fetch(forged)).status, 401);

    // A reported comment that hits the rule: its reply plays, then REPLY_COMMAND_FINISH.
    const report = await fetch(start.body.live_event_report_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        total: 1,
        events: [
          {
            timestamp: Date.now(),
            type: 1,
            content: JSON.stringify({ user: { userId: 'u7', name: 'Bob' }, content: 'what is the price?' }),
          },
        ],
      }),
    });
    assert.equal(report.status, 200, await report.text());
    const ruleReply = await poll('the rule reply playing', 90_000, async () => {
      const p = await playing();
      return p.kind === 'INSERT' && p.rule_index !== undefined ? p : undefined;
    });
    await poll('REPLY_COMMAND_FINISH of the rule reply', 90_000, async () =>
      messages(received(), 'REPLY_COMMAND_FINISH').find((m) => m.rule_index === ruleReply.rule_index),
    );

    // PLAY_NOW cuts into the paragraph on air: the insert plays, then that paragraph goes on.
    const before = await poll('a paragraph playing', 90_000, async () => {
      const p = await playing();
      return p.kind === 'SCRIPT' ? p : undefined;
    });
    const ins = await command({
      command: 'INSERT_PLAY_SCRIPT',
      params: {
        text_config: { text: 'Breaking news: free shipping for the next hour.' },
        play_type: 'PLAY_NOW',
      },
    });
    await poll('the PLAY_NOW insert playing', 60_000, async () => {
      const p = await playing();
      return p.kind === 'INSERT' && p.command_id === ins.command_id ? p : undefined;
    });
    await poll('REPLY_COMMAND_FINISH of the insert', 90_000, async () =>
      messages(received(), 'REPLY_COMMAND_FINISH').find((m) => m.command_id === ins.command_id),
    );
    const resumed = await poll('the paragraph again', 60_000, async () => {
      const p = await playing();
      return p.kind === 'SCRIPT' ? p : undefined;
    });
    assert.equal(resumed.scene_script_name, before.scene_script_name);
    assert.equal(resumed.round, before.round);

    // kill -9 mid-stream. The relay dies with the server, so the ingest's publisher goes and
    // it exits; a new ingest listens on the same port for the job's next attempt.
    await server.kill();
    await ingests[0]?.close();
    const firstFile = path.join(work, 'first.flv');
    ingests.push(await rtmpReceiver(tools.ffmpeg.path, port, path.join(work, 'second.flv')));
    const connectedBefore = connected().length;
    server = await startServer({ dataDir, env, timeoutMs: 240_000 });
    await poll('CONNECTED again after the restart', 180_000, async () =>
      connected().length > connectedBefore ? true : undefined,
    );
    const again = await poll('the resumed job streaming', 120_000, async () => {
      const s = await api('GET', jobPath);
      return s.body.state === 'PROCESSING' && fs.statSync(path.join(work, 'second.flv')).size > 200_000
        ? s.body
        : undefined;
    });
    assert.equal(again.state, 'PROCESSING');

    const stop = await api('POST', `${jobPath}/stop`);
    assert.ok(stop.status < 300, JSON.stringify(stop.body));
    const done = await poll('SUCCEED', 120_000, async () => {
      const s = await api('GET', jobPath);
      return s.body.state === 'SUCCEED' ? s.body : undefined;
    });
    const wall = (Date.now() - started) / 1000;
    assert.ok(done.stream_duration >= 5, JSON.stringify(done));
    assert.ok(done.duration >= done.stream_duration, JSON.stringify(done));
    assert.ok(done.duration <= wall + 5, `duration ${done.duration} s within ${wall} s`);
    await poll('END', 30_000, async () =>
      messages(received(), 'RTMP_STREAM_STATE_CHANGE').some((m) => m.state === 'END') ? true : undefined,
    );
    await ingests[1]?.close();
    // The events are in the webhook log, where the operator's CLI lists them (through the
    // running server's admin socket).
    const cli = runCli(['webhooks', 'list', '--source', 'live', '--limit', '1000', '--json'], {
      DOPPEL_DATA_DIR: dataDir,
    });
    assert.equal(cli.status, 0, cli.stderr);
    const logged = (JSON.parse(cli.stdout) as Array<{ resource_id: string; state: string }>).filter(
      (d) => d.resource_id === jobId,
    );
    assert.ok(logged.length >= 4 && logged.some((d) => d.state === 'DELIVERED'), cli.stdout.slice(0, 2000));

    // What the first ingest received: H.264 + AAC, 1920×1080 at 25 fps.
    const info = await probeMedia(tools, firstFile);
    assert.equal(info.video?.codec, 'h264');
    assert.equal(info.audio?.codec, 'aac');
    assert.deepEqual([info.video?.width, info.video?.height], [1920, 1080]);
    assert.equal(info.video?.fps, 25);
    // The sound is speech, not silence: volumedetect's mean level.
    const vol = await runTool(tools.ffmpeg.path, [
      '-hide_banner',
      '-i',
      firstFile,
      '-vn',
      '-af',
      'volumedetect',
      '-f',
      'null',
      '-',
    ]);
    const mean = Number(vol.stderr.match(/mean_volume:\s*(-?[\d.]+) dB/)?.[1] ?? '-91');
    assert.ok(mean > -45, `mean volume ${mean} dB`);
    // The face moves while speaking: the face box as the stream places it for this avatar.
    const avatar = await loadAvatarPackage(
      fs.readFileSync(path.join(REPO, 'assets', 'avatars', HOST.main.path)),
    );
    const faces = await prepareFaces(
      avatar,
      { width: 1920, height: 1080 },
      fs.mkdtempSync(path.join(work, 'faces-')),
    );
    const box = {
      x: faces.layer.x + faces.layer.faceAt.x,
      y: faces.layer.y + faces.layer.faceAt.y,
      ...faces.face,
    };
    const crops = await regionFrames(tools.ffmpeg.path, firstFile, box);
    assert.ok(changes(crops) >= 4, `the face changes (${changes(crops)} of ${crops.length} samples)`);
    // The idle sway moves the whole avatar, so a changing face box alone could be a still mouth
    // that sways. Compare the mouth half of the box between samples after the best shift (the
    // sway and bob are a few pixels): what remains is the mouth's own movement.
    const M = 8;
    const around = {
      x: box.x - M,
      y: box.y + Math.floor(box.height / 2) - M,
      width: box.width + 2 * M,
      height: Math.ceil(box.height / 2) + 2 * M,
    };
    const mouths = await regionFrames(tools.ffmpeg.path, firstFile, around, 2);
    const moved = mouths
      .slice(1)
      .map((b, i) => shiftedDiff(mouths[i] as Buffer, b, around.width, around.height, M));
    const still = moved.filter((d) => d < 1).length;
    assert.ok(
      moved.filter((d) => d > 2).length >= 4,
      `the mouth moves beyond the sway: residuals ${moved.map((d) => d.toFixed(1)).join(' ')} (${still} still)`,
    );
    // The second ingest got a stream too.
    const info2 = await probeMedia(tools, path.join(work, 'second.flv'));
    assert.equal(info2.video?.codec, 'h264');
    assert.equal(info2.audio?.codec, 'aac');
  });
});
