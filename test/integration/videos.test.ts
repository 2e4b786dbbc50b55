// Video production over HTTP on both database legs: Create2DDigitalHumanVideo (inline and from
// a script, text- and audio-driven scenes), Show2DDigitalHumanVideo while and after rendering,
// Cancel2DDigitalHumanVideo, ListDigitalHumanVideo with its filters and one-month window, the
// callback, the output VIDEO asset (MAIN MP4 + COVER), the 400s for what cannot be rendered,
// and the subtitle-file jobs (CreateSubtitleFile, ShowSubtitleFile).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { verifyMssSecret } from '../../src/core/net/mss-auth.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { insertAsset, insertFileRow, waitFor } from '../helpers/assets.ts';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callbacks.ts';
import { describeEachDb } from '../helpers/db.ts';
import { envTools, pngBytes } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { download, EN_VOICE, probeBytes, ZH_VOICE } from '../helpers/tts.ts';
import { createAsset, upload, waitForAsset } from '../helpers/uploads.ts';

const VIDEOS = '/v1/{project_id}/2d-digital-human-videos';
const SCRIPTS = '/v1/{project_id}/digital-human-video-scripts';
const MEI = SYSTEM_AVATARS[0].assetId;

/** A voiced-sounding WAV: a 150 Hz buzz whose loudness rises and falls like syllables, with a pause. */
function syllablesWav(seconds: number, sampleRate = 16_000): Buffer {
  const n = Math.round(seconds * sampleRate);
  const s = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const pause = t > seconds * 0.45 && t < seconds * 0.6;
    const env = pause ? 0 : Math.max(0, Math.sin(2 * Math.PI * 3 * t));
    s[i] = Math.round(
      12_000 * env * Math.sin(2 * Math.PI * 150 * t) * (0.7 + 0.3 * Math.sin(2 * Math.PI * 900 * t)),
    );
  }
  return encodeWavPcm16(s, sampleRate);
}

await describeEachDb(
  'Video jobs (Create2DDigitalHumanVideo, Show2DDigitalHumanVideo, Cancel2DDigitalHumanVideo, ListDigitalHumanVideo, CreateSubtitleFile, ShowSubtitleFile)',
  (leg) => {
    let p: TestPlatform;
    let cb: CallbackReceiver;
    let base = '';
    let received: CallbackReceiver['received'] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-videos-test-'));
    before(async () => {
      cb = await startCallbackReceiver();
      ({ base, received } = cb);
      p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
    });
    after(async () => {
      await p?.close();
      await cb?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const job = (over: Record<string, unknown> = {}) => ({
      model_asset_id: MEI,
      voice_config: { voice_asset_id: EN_VOICE },
      video_config: { codec: 'H264', width: 1280, height: 720, bitrate: 2000 },
      shoot_scripts: [
        {
          sequence_no: 0,
          shoot_script: {
            script_type: 'TEXT',
            text_config: { text: 'Hello, this is a short test video.' },
            background_config: [{ background_type: 'COLOR', background_color_config: '#204060' }],
          },
        },
      ],
      output_asset_config: { asset_name: 'short test video' },
      ...over,
    });
    const create = (body: Record<string, unknown>) => p.call('POST', VIDEOS, { body });
    const show = (jobId: string) => p.call('GET', `${VIDEOS}/${jobId}`);
    const finished = (jobId: string, ms = 120_000) =>
      waitFor(`video job ${jobId}`, ms, async () => {
        const r = await show(jobId);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return ['SUCCEED', 'FAILED'].includes(r.body.state) ? r.body : undefined;
      });
    const jobCount = async () =>
      Number(
        (
          await p.deps.database.db
            .selectFrom('video_jobs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('Create2DDigitalHumanVideo renders a text scene into a VIDEO asset; Show2DDigitalHumanVideo reports it; the MSS_A callback arrives', async () => {
      const callbackUrl = `${base}/video/done`;
      const c = await create(
        job({ callback_config: { callback_url: callbackUrl, auth_type: 'MSS_A', key: 'video-key' } }),
      );
      assert.equal(c.status, 200, JSON.stringify(c.body));
      assert.match(c.body.job_id, /^[0-9a-f]{32}$/);
      const first = await show(c.body.job_id);
      assert.ok(['WAITING', 'PROCESSING', 'SUCCEED'].includes(first.body.state), first.body.state);
      assert.equal(first.body.model_asset_id, MEI);
      assert.equal(first.body.video_config.width, 1280);
      assert.equal(first.body.job_type, '2D_DIGITAL_HUMAN_VIDEO');

      const done = await finished(c.body.job_id);
      assert.equal(done.state, 'SUCCEED', JSON.stringify(done.error_info));
      assert.equal(done.progress, 100);
      assert.ok(done.duration > 1 && done.duration < 6, String(done.duration));
      assert.ok(done.start_time && done.end_time && done.end_time >= done.start_time);
      const out = done.output_asset_config;
      assert.equal(out.asset_name, 'short test video');
      assert.ok(out.cover_url, 'cover URL');
      const cover = await download(p, out.cover_url);
      assert.equal(cover.subarray(0, 2).toString('hex'), 'ffd8', 'the cover is a JPEG');

      const asset = await p.call('GET', `/v1/{project_id}/digital-assets/${out.asset_id}`);
      assert.equal(asset.status, 200, JSON.stringify(asset.body));
      assert.equal(asset.body.asset_type, 'VIDEO');
      assert.equal(asset.body.asset_state, 'ACTIVED');
      assert.ok(
        asset.body.system_properties.some((sp: { key: string }) => sp.key === 'CREATED_BY_PLATFORM'),
        JSON.stringify(asset.body.system_properties),
      );
      const meta = asset.body.asset_extra_meta.video_meta;
      assert.equal(meta.width, 1280);
      assert.equal(meta.height, 720);
      const main = asset.body.files.find(
        (f: { asset_file_category: string }) => f.asset_file_category === 'MAIN',
      );
      assert.ok(main?.download_url, JSON.stringify(asset.body.files));
      const mp4 = await download(p, main.download_url);
      const info = await probeBytes(dir, 'out.mp4', mp4);
      assert.equal(info.video?.codec, 'h264');
      assert.equal(info.audio?.codec, 'aac');
      assert.equal(info.video?.fps, 25);
      assert.ok(
        Math.abs((info.durationSec ?? 0) - done.duration) < 0.1,
        `${info.durationSec} vs ${done.duration}`,
      );

      const cb = await waitFor('the callback', 30_000, async () =>
        received.find((r) => r.body.job_id === c.body.job_id),
      );
      assert.deepEqual(cb.body, { result: 'SUCCEED', asset_id: out.asset_id, job_id: c.body.job_id });
      const q = new URL(cb.url, base).searchParams;
      assert.ok(
        verifyMssSecret('video-key', callbackUrl, {
          secret: q.get('secret') ?? '',
          timeStamp: q.get('time_stamp') ?? '',
        }),
      );

      // ListDigitalHumanVideo: found by id, state and name; not in a window that ends before it.
      const list = (query: Record<string, string | number | string[]>) =>
        p.call('GET', '/v1/{project_id}/digital-human-videos', { query: { offset: 0, limit: 10, ...query } });
      const byId = await list({ job_id: c.body.job_id });
      assert.equal(byId.status, 200, JSON.stringify(byId.body));
      assert.equal(byId.body.count, 1);
      assert.equal(byId.body.jobs[0].state, 'SUCCEED');
      assert.equal(byId.body.jobs[0].output_asset_config.asset_id, out.asset_id);
      assert.ok(
        (await list({ state: 'SUCCEED' })).body.jobs.some(
          (j: { job_id: string }) => j.job_id === c.body.job_id,
        ),
      );
      assert.equal((await list({ state: 'FAILED', job_id: c.body.job_id })).body.count, 0);
      assert.equal((await list({ asset_name: 'short test video' })).body.count >= 1, true);
      assert.equal((await list({ create_until: '2020-01-01T00:00:00Z' })).body.count, 0);
      assert.equal((await list({ state: 'DONE' })).status, 400);
      // Another project sees nothing of it.
      assert.equal((await p.call('GET', `${VIDEOS}/${c.body.job_id}`, { as: p.other })).status, 400);
    });

    it('Create2DDigitalHumanVideo refuses what cannot be rendered with a 400 and writes nothing', async () => {
      const before = await jobCount();
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [
          job({ video_config: { codec: 'H264', width: 1000, height: 1000, bitrate: 2000 } }),
          /must be one of 1920×1080/,
        ],
        [
          job({ video_config: { codec: 'H264', width: 3840, height: 2160, bitrate: 2000 } }),
          /4K avatar model/,
        ],
        [
          job({ video_config: { codec: 'H264', width: 1280, height: 720, bitrate: 2000, frame_rate: '30' } }),
          /25 fps/,
        ],
        [job({ video_config: { codec: 'VP9', width: 1280, height: 720, bitrate: 2000 } }), /VP9/],
        [job({ model_asset_id: undefined }), /model_asset_id is required/],
        [job({ voice_config: undefined }), /voice_asset_id is required/],
        [job({ script_id: '0123456789abcdef0123456789abcdef' }), /Video script not found/],
        [
          job({
            shoot_scripts: [
              {
                shoot_script: {
                  text_config: { text: 'x' },
                  background_config: [
                    { background_type: 'IMAGE', background_config: 'https://example.com/a.png' },
                  ],
                },
              },
            ],
          }),
          /external URLs are for live rooms only/,
        ],
        [job({ shoot_scripts: [{ shoot_script: { script_type: 'AUDIO' } }] }), /needs script_id/],
        [job({ shoot_scripts: [{ shoot_script: { text_config: { text: '<speak><b>' } } }] }), /Invalid text/],
      ];
      for (const [body, msg] of cases) {
        const r = await create(body);
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.match(r.body.error_msg, msg);
      }
      const unknownModel = await create(job({ model_asset_id: '0123456789abcdef0123456789abcdef' }));
      assert.equal(unknownModel.status, 400);
      assert.equal(unknownModel.body.error_code, 'MSS.10001001');
      const wrongType = await create(job({ model_asset_id: EN_VOICE }));
      assert.equal(wrongType.status, 400);
      assert.match(wrongType.body.error_msg, /expected HUMAN_MODEL_2D/);
      assert.equal(await jobCount(), before);
    });

    it("a project's own avatar package renders; a broken one fails the job with error_info and a FAILED callback", async () => {
      const own = await insertAsset(p, {
        name: 'my avatar',
        type: 'HUMAN_MODEL_2D',
        projectId: p.tenant.projectId,
      });
      await insertFileRow(p, p.tenant.projectId, own, {
        name: 'mine.zip',
        bytes: fs.readFileSync(new URL('../../assets/avatars/priya.zip', import.meta.url)),
      });
      const good = await create(
        job({ model_asset_id: own, output_asset_config: { asset_name: 'own avatar' } }),
      );
      assert.equal(good.status, 200, JSON.stringify(good.body));
      assert.equal((await finished(good.body.job_id)).state, 'SUCCEED');

      const broken = await insertAsset(p, {
        name: 'broken avatar',
        type: 'HUMAN_MODEL_2D',
        projectId: p.tenant.projectId,
      });
      await insertFileRow(p, p.tenant.projectId, broken, {
        name: 'broken.zip',
        bytes: Buffer.from('not a zip at all'),
      });
      const c = await create(
        job({ model_asset_id: broken, callback_config: { callback_url: `${base}/video/failed` } }),
      );
      assert.equal(c.status, 200, JSON.stringify(c.body));
      const done = await finished(c.body.job_id);
      assert.equal(done.state, 'FAILED');
      assert.equal(done.error_info.error_code, 'MSS.10001006');
      assert.match(done.error_info.error_msg, /not a usable 2D avatar package/);
      assert.equal(done.output_asset_config, undefined);
      const cb = await waitFor('the callback', 30_000, async () =>
        received.find((r) => r.body.job_id === c.body.job_id),
      );
      assert.deepEqual(cb.body, { result: 'FAILED', asset_id: '', job_id: c.body.job_id });
    });

    it('Cancel2DDigitalHumanVideo cancels only a WAITING job; the worker then leaves it alone', async () => {
      // Park the job: a row written as WAITING with no queue entry behaves like one not yet claimed.
      const c = await create(job());
      assert.equal(c.status, 200);
      const done = await finished(c.body.job_id);
      const late = await p.call('POST', `${VIDEOS}/${c.body.job_id}/cancel`);
      assert.equal(late.status, 400);
      assert.match(late.body.error_msg, new RegExp(`is ${done.state}; only a WAITING job`));

      await p.deps.database.db
        .updateTable('video_jobs')
        .set({ state: 'WAITING', asset_id: null, end_time: null, start_time: null })
        .where('job_id', '=', c.body.job_id)
        .execute();
      const ok = await p.call('POST', `${VIDEOS}/${c.body.job_id}/cancel`);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal((await show(c.body.job_id)).body.state, 'CANCELED');
      const again = await p.call('POST', `${VIDEOS}/${c.body.job_id}/cancel`);
      assert.equal(again.status, 400);
      assert.match(again.body.error_msg, /is CANCELED/);
      const unknown = await p.call('POST', `${VIDEOS}/0123456789abcdef0123456789abcdef/cancel`);
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.error_msg, /not found/);
    });

    it('a script with an IMAGE background, an image layer, a text layer and an AUDIO scene renders in scene order; the lips follow the audio', async () => {
      const png = pngBytes(160, 90, [30, 120, 60]);
      const image = await createAsset(p, { asset_name: `bg ${Date.now()}`, asset_type: 'IMAGE' });
      await upload(p, { assetId: image, name: 'bg.png', bytes: png, contentType: 'image/png' });
      assert.equal((await waitForAsset(p, image)).asset_state, 'ACTIVED');
      const s = await p.call('POST', SCRIPTS, {
        body: {
          script_name: 'layers and audio',
          model_asset_id: MEI,
          voice_config: { voice_asset_id: ZH_VOICE },
          video_config: { codec: 'H264', width: 720, height: 1280, bitrate: 2000, is_subtitle_enable: true },
          shoot_scripts: [
            {
              sequence_no: 2,
              shoot_script: { script_type: 'AUDIO' },
            },
            {
              sequence_no: 1,
              shoot_script: {
                script_type: 'TEXT',
                text_config: { text: '你好，欢迎。' },
                background_config: [{ background_type: 'IMAGE', background_asset_id: image }],
                layer_config: [
                  {
                    layer_type: 'IMAGE',
                    asset_id: image,
                    position: { dx: 20, dy: 20, layer_index: 2 },
                    size: { width: 160 },
                  },
                  {
                    layer_type: 'TEXT',
                    position: { dx: 200, dy: 40, layer_index: 3 },
                    text_config: { text_context: '第一幕', font_size: 48, font_color: '#FFFF00' },
                  },
                ],
              },
            },
          ],
        },
      });
      assert.equal(s.status, 200, JSON.stringify(s.body));
      const put = s.body.audio_files.audio_file_url[0];
      assert.equal(put.sequence_no, 2);
      const wav = syllablesWav(2);
      assert.equal((await p.fetchUrl('PUT', put.audio_file_upload_url, { body: wav })).status, 200);

      const c = await create({ script_id: s.body.script_id });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      const done = await finished(c.body.job_id);
      assert.equal(done.state, 'SUCCEED', JSON.stringify(done.error_info));
      assert.equal(done.script_id, s.body.script_id);
      assert.deepEqual(
        done.shoot_scripts.map((x: { sequence_no: number }) => x.sequence_no),
        [1, 2],
        'scenes in sequence order',
      );
      const asset = await p.call(
        'GET',
        `/v1/{project_id}/digital-assets/${done.output_asset_config.asset_id}`,
      );
      assert.equal(asset.body.asset_name, 'layers and audio');
      const main = asset.body.files.find(
        (f: { asset_file_category: string }) => f.asset_file_category === 'MAIN',
      );
      const mp4 = await download(p, main.download_url);
      const info = await probeBytes(dir, 'layers.mp4', mp4);
      assert.deepEqual([info.video?.width, info.video?.height], [720, 1280]);
      // The second scene is the 2 s recording, after about a second of speech.
      assert.ok((info.durationSec ?? 0) > 2.5 && (info.durationSec ?? 0) < 5, String(info.durationSec));

      // Scene 1 shows the image layer (green) at (20, 20); the background image is green too,
      // but the text layer's yellow is drawn over it.
      const file = path.join(dir, 'layers.mp4');
      const pixel = async (t: number, x: number, y: number, w = 4, h = 4) => {
        const { runToolBinary } = await import('../../src/core/media/run.ts');
        const r = await runToolBinary(envTools().ffmpeg.path, [
          '-v',
          'error',
          '-ss',
          String(t),
          '-i',
          file,
          '-frames:v',
          '1',
          '-vf',
          `crop=${w}:${h}:${x}:${y}`,
          '-f',
          'rawvideo',
          '-pix_fmt',
          'rgb24',
          'pipe:1',
        ]);
        return r.stdout;
      };
      const layer = await pixel(0.3, 60, 40);
      assert.ok(layer[1] > 90 && layer[0] < 70, `image layer pixel ${[...layer.subarray(0, 3)]}`);
      // The lips move with the recording: frames in the recording's loud and silent parts differ
      // in the mouth region. Mei's mouth is at the centre of her canvas, 57 % down.
      const sceneStart = (info.durationSec ?? 0) - 2;
      const mouth = (t: number) => pixel(sceneStart + t, 330, 870, 60, 40);
      const loud = await mouth(0.1);
      const quiet = await mouth(1.05);
      let diff = 0;
      for (let i = 0; i < loud.length; i++) diff += Math.abs(loud[i] - quiet[i]);
      assert.ok(
        diff / loud.length > 2,
        `mouth differs between loud and silent audio (${diff / loud.length})`,
      );
    });

    it('CreateSubtitleFile writes an SRT per scene; ShowSubtitleFile lists them; one scene by sequence_no', async () => {
      const s = await p.call('POST', SCRIPTS, {
        body: {
          script_name: 'subtitles',
          model_asset_id: MEI,
          voice_config: { voice_asset_id: EN_VOICE },
          video_config: { codec: 'H264', width: 1280, height: 720, bitrate: 2000 },
          shoot_scripts: [
            { sequence_no: 1, shoot_script: { text_config: { text: 'First scene. It has two sentences.' } } },
            { sequence_no: 2, shoot_script: { text_config: { text: 'Second scene here.' } } },
            { sequence_no: 3, shoot_script: { script_type: 'AUDIO' } },
          ],
        },
      });
      assert.equal(s.status, 200, JSON.stringify(s.body));
      const c = await p.call('POST', '/v1/{project_id}/subtitle-files', {
        body: { script_id: s.body.script_id },
      });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      const res = await waitFor('subtitle files', 60_000, async () => {
        const r = await p.call('GET', `/v1/{project_id}/subtitle-files/${c.body.job_id}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.job_state === 'GENERATED' ? r.body : undefined;
      });
      const [one, two, three] = res.subtitle_file_info;
      assert.deepEqual(
        [one.subtitle_file_state, two.subtitle_file_state, three.subtitle_file_state],
        ['GENERATE_SUCCEED', 'GENERATE_SUCCEED', 'GENERATE_FAILED'],
      );
      assert.match(three.error_info.error_msg, /no text/);
      const srt = (await download(p, one.subtitle_file_download_url)).toString();
      assert.match(srt, /^1\r?\n00:00:00,\d{3} --> 00:00:0\d,\d{3}\r?\nFirst scene\./);
      assert.match(srt, /It has two sentences\./);
      assert.ok(one.generate_time);

      const only = await p.call('POST', '/v1/{project_id}/subtitle-files', {
        body: { script_id: s.body.script_id, sequence_no: 2 },
      });
      const r2 = await waitFor('one subtitle file', 60_000, async () => {
        const r = await p.call('GET', `/v1/{project_id}/subtitle-files/${only.body.job_id}`);
        return r.body.job_state === 'GENERATED' ? r.body : undefined;
      });
      assert.deepEqual(
        r2.subtitle_file_info.map((x: { sequence_no: number }) => x.sequence_no),
        [2],
      );
      const bad = await p.call('POST', '/v1/{project_id}/subtitle-files', {
        body: { script_id: s.body.script_id, sequence_no: 9 },
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error_msg, /no scene 9/);
      assert.equal(
        (await p.call('GET', '/v1/{project_id}/subtitle-files/0123456789abcdef0123456789abcdef')).status,
        400,
      );
    });
  },
);
