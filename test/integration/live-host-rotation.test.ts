// Host rotation (backup_model_asset_ids, ERRATA 86) on both database legs: a room with one
// backup host plays two rounds pushed over RTMP to a receiver on 127.0.0.1; round 0 shows the
// first scene's host and round 1 the backup, and across the switch (the encoder restarts behind
// the relay) the received stream keeps its 25 fps, rising timestamps and sound. Also: an
// unknown backup host is refused when the room is made, and a backup that is no usable avatar
// package fails the job at its start with the unusable-input code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { runToolBinary } from '../../src/core/media/index.ts';
import { FlvSplitter } from '../../src/engines/stream/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { insertAsset, insertFileRow, waitFor } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { freePort, meanDiff, type RtmpReceiver, rtmpReceiver, soundLevel } from '../helpers/live-media.ts';
import { envTools } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const MAIN = SYSTEM_AVATARS[0].assetId;
const BACKUP = SYSTEM_AVATARS[1].assetId;
// A live scene needs over 200 characters: about fifteen seconds a round, time enough for the
// backup's pictures to be made during round 0.
const TEXT =
  'Good evening. This flask keeps tea hot for twelve hours, and it fits in any bag you own. The lid seals tight, the steel does not rust, and it comes in four colours. Ask me anything about it in the comments.';
const tools = envTools();

/** Grey 96×54 pictures of the whole frame, `fps` a second. */
async function smallFrames(file: string, fps: number): Promise<Buffer[]> {
  const r = await runToolBinary(
    tools.ffmpeg.path,
    [
      '-hide_banner',
      '-v',
      'error',
      '-i',
      file,
      '-an',
      '-vf',
      `fps=${fps},scale=96:54,format=gray`,
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { maxStdoutBytes: 64 * 1024 * 1024, timeoutMs: 120_000 },
  );
  const size = 96 * 54;
  const out: Buffer[] = [];
  for (let at = 0; at + size <= r.stdout.length; at += size) out.push(r.stdout.subarray(at, at + size));
  return out;
}

await describeEachDb('Live jobs: host rotation (backup_model_asset_ids)', (leg) => {
  let p: TestPlatform;
  let receiver: RtmpReceiver;
  let port: number;
  before(async () => {
    p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
    port = await freePort();
    receiver = await rtmpReceiver(tools.ffmpeg.path, port, path.join(p.dataDir, 'received.flv'));
  });
  after(async () => {
    await receiver?.close();
    await p?.close();
  });

  const room = async (backups: string[]) => {
    const r = await p.call('POST', ROOMS, {
      body: {
        room_name: 'Rotation',
        scene_scripts: [
          {
            script_name: 'Flask',
            model_asset_id: MAIN,
            voice_config: { voice_asset_id: EN_VOICE },
            background_config: [{ background_type: 'COLOR', background_color_config: '#203040' }],
            shoot_scripts: [{ title: 'Pitch', text_config: { text: TEXT } }],
          },
        ],
        backup_model_asset_ids: backups,
        play_policy: { repeat_count: 1 },
        video_config: { width: 1920, height: 1080, bitrate: 1000 },
        output_urls: [`rtmp://127.0.0.1:${port}/live`],
        stream_keys: ['key'],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.room_id as string;
  };

  it('round 0 shows the host, round 1 the backup; the stream stays continuous across the switch', async () => {
    const roomId = await room([BACKUP]);
    const jobs = `${ROOMS}/${roomId}/smart-live-jobs`;
    const start = await p.call('POST', jobs, { body: {} });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const warnings = start.body.live_warning_info.map((w: { warning_type: string }) => w.warning_type);
    assert.ok(!warnings.includes('ROTATION_MODEL_CLOSED'), JSON.stringify(warnings));
    const jobId = start.body.job_id;
    const command = (body: Record<string, unknown>) => p.call('POST', `${jobs}/${jobId}/command`, { body });

    // The playing position names the host on screen: the main one in round 0, the backup in round 1.
    const seen = new Map<number, string>();
    let discontinuity = false;
    const done = await waitFor('the two rounds played', 240_000, async () => {
      const r = await command({ command: 'GET_CURRENT_PLAYING_SCRIPTS' });
      if (r.status === 200) {
        const res = JSON.parse(r.body.result);
        if (res.playing && res.round !== undefined) seen.set(res.round, res.model_asset_id);
        // The HLS playlist goes on across the switch, marking it.
        if (res.round === 1 && !discontinuity) {
          const list = path.join(p.deps.moduleDeps.tmpDir, `live-${jobId}`, 'stream', 'hls', 'index.m3u8');
          discontinuity =
            fs.existsSync(list) && fs.readFileSync(list, 'utf8').includes('#EXT-X-DISCONTINUITY');
        }
      }
      const s = await p.call('GET', `${jobs}/${jobId}`);
      return s.body.state === 'SUCCEED' || s.body.state === 'FAILED' ? s.body : undefined;
    });
    assert.equal(done.state, 'SUCCEED', JSON.stringify(done));
    if (seen.has(0)) assert.equal(seen.get(0), MAIN);
    assert.equal(seen.get(1), BACKUP, JSON.stringify([...seen]));
    assert.ok(discontinuity, 'the HLS playlist marks the switch with #EXT-X-DISCONTINUITY');
    await receiver.close();

    // Timestamps as received: video every 40 ms (25 fps, no gap or repeat at the switch), audio rising.
    const tags = new FlvSplitter().push(fs.readFileSync(receiver.file));
    // Pictures only: not the sequence headers, nor the end-of-sequence tag the receiver writes last.
    const video = tags.flatMap((u) =>
      u.kind === 'video' && !u.sequenceHeader && u.bytes[12] !== 2 ? [u.ms] : [],
    );
    const audio = tags.flatMap((u) => (u.kind === 'audio' && !u.sequenceHeader ? [u.ms] : []));
    assert.ok(video.length > 25 * 10, `only ${video.length} frames received`);
    const steps = video.slice(1).map((ms, i) => ms - (video[i] as number));
    const odd = steps.flatMap((d, i) =>
      d < 39 || d > 41 ? [`${d} ms after frame ${i} of ${video.length}`] : [],
    );
    if (process.env.KEEP_FLV) fs.copyFileSync(receiver.file, process.env.KEEP_FLV);
    assert.deepEqual(odd, [], `video steps other than 40 ms: ${odd.slice(0, 10).join(', ')}`);
    const back = audio.slice(1).filter((ms, i) => ms <= (audio[i] as number));
    assert.deepEqual(back, [], 'audio timestamps rise');
    const audioGaps = audio.slice(1).filter((ms, i) => ms - (audio[i] as number) > 100);
    assert.deepEqual(audioGaps, [], 'no hole in the sound');
    assert.ok(
      (audio.at(-1) as number) - (video.at(-1) as number) > -500,
      'the sound lasts as long as the picture',
    );

    // The picture: the first and the last second show different hosts; two moments of the same
    // round (the host talking, blinking, swaying) differ far less.
    const frames = await smallFrames(receiver.file, 2);
    assert.ok(frames.length >= 20, `${frames.length} pictures`);
    const first = frames[1] as Buffer;
    const early = frames[3] as Buffer;
    const last = frames.at(-2) as Buffer;
    const sameHost = meanDiff(first, early);
    const otherHost = meanDiff(first, last);
    assert.ok(otherHost > 4 && otherHost > sameHost * 3, `same host ${sameHost}, other host ${otherHost}`);

    // Both rounds are heard.
    const seconds = video.length / 25;
    assert.ok((await soundLevel(tools.ffmpeg.path, receiver.file, 0, seconds / 2)) > 200, 'round 0 is heard');
    assert.ok((await soundLevel(tools.ffmpeg.path, receiver.file, seconds / 2)) > 200, 'round 1 is heard');
  });

  it('a backup host that is no asset of the project is refused with the room', async () => {
    const r = await p.call('POST', ROOMS, {
      body: {
        room_name: 'Bad backup',
        scene_scripts: [
          { script_name: 'Flask', model_asset_id: MAIN, shoot_scripts: [{ text_config: { text: TEXT } }] },
        ],
        backup_model_asset_ids: ['0'.repeat(32)],
      },
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error_msg, /backup_model_asset_ids\[0\]/, JSON.stringify(r.body));
  });

  it('a backup host that is no usable avatar package fails the job at its start', async () => {
    const broken = await insertAsset(p, {
      name: 'broken host',
      type: 'HUMAN_MODEL_2D',
      projectId: p.tenant.projectId,
    });
    await insertFileRow(p, p.tenant.projectId, broken, {
      name: 'broken.zip',
      bytes: Buffer.from('not a zip'),
    });
    const roomId = await room([broken]);
    const jobs = `${ROOMS}/${roomId}/smart-live-jobs`;
    const start = await p.call('POST', jobs, { body: { output_urls: [] } });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const done = await waitFor('the job ended', 60_000, async () => {
      const s = await p.call('GET', `${jobs}/${start.body.job_id}`);
      return s.body.state === 'SUCCEED' || s.body.state === 'FAILED' ? s.body : undefined;
    });
    assert.equal(done.state, 'FAILED', JSON.stringify(done));
    assert.equal(done.error_info.error_code, 'MSS.10004111');
    assert.match(done.error_info.error_msg, /backup_model_asset_ids\[0\].*not a usable 2D avatar package/);
  });
});
