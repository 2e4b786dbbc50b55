// The S3 backend end to end: the real CLI server with S3_ENDPOINT pointing at an S3-compatible
// service (CI: an s3rver started here, TEST_S3=s3rver; or TEST_S3_ENDPOINT: test/helpers/s3.ts).
// A background picture is uploaded to a URL presigned for the service (a corrupt first PUT is
// refused, by the service or at ConfirmFileUpload), confirmed, used by a
// short Create2DDigitalHumanVideo job, and the finished MP4 is downloaded through Doppel's
// redirect from the service: its bytes match the MD5 Doppel reports, ffprobe reads an H.264 +
// AAC video of the asked size, and the picture's colour is on screen. Nothing lands in the data
// directory's local object store.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { probeMedia, runToolBinary } from '../../src/core/media/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { envTools, mkTmp, pngBytes } from '../helpers/media-fixtures.ts';
import { openS3Service, type S3Service, s3SkipReason } from '../helpers/s3.ts';
import {
  type Banner,
  callServer,
  type ServerProcess,
  startServer,
  tempDataDir,
} from '../helpers/server-process.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
// A colour no avatar pixel has, so a corner of the frame shows whether the upload was used.
const BACKDROP: [number, number, number] = [200, 40, 160];

describe('S3 backend: presigned upload → render → download', { timeout: 600_000 }, () => {
  const skip = s3SkipReason();
  if (skip) {
    it('upload → render → download', (t) => t.skip(`S3 e2e skipped: ${skip}`));
    return;
  }
  const dataDir = tempDataDir();
  const tmp = mkTmp('s3-video-e2e');
  let s3: S3Service | undefined;
  let server: ServerProcess | undefined;
  let cred: Banner;
  after(async () => {
    await server?.kill();
    await s3?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const api = (method: string, p: string, body?: unknown) =>
    callServer(server as ServerProcess, cred, method, p, body);
  const poll = async <T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline)
        assert.fail(`${what}: not reached in ${ms} ms\n${server?.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const mainFile = async (assetId: string) => {
    const a = await api('GET', `/v1/{project_id}/digital-assets/${assetId}`);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    return a.body.files.find((f: { asset_file_category: string }) => f.asset_file_category === 'MAIN');
  };

  it('uploads a picture to the service, renders a video with it and downloads the MP4 from the service', async () => {
    s3 = await openS3Service();
    const { target } = s3;
    const s3Host = new URL(target.endpoint).host;
    server = await startServer({
      dataDir,
      env: {
        S3_ENDPOINT: target.endpoint,
        S3_REGION: target.region,
        S3_BUCKET: target.bucket,
        S3_ACCESS_KEY_ID: target.accessKeyId,
        S3_SECRET_ACCESS_KEY: target.secretAccessKey,
        S3_FORCE_PATH_STYLE: String(target.forcePathStyle),
        DOPPEL_JOB_POLL_MS: '200',
      },
    });
    assert.ok(server.banner, server.output());
    cred = server.banner;

    // CreateDigitalAsset + CreateFile: the upload URL is the service's, presigned by Doppel.
    const picture = pngBytes(1280, 720, BACKDROP);
    const a = await api('POST', '/v1/{project_id}/digital-assets', {
      asset_name: 'backdrop',
      asset_type: 'IMAGE',
    });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const f = await api('POST', '/v1/{project_id}/files', {
      file_name: 'backdrop.png',
      file_md5: md5(picture),
      file_size: picture.length,
      asset_id: a.body.asset_id,
      asset_file_category: 'MAIN',
    });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    const uploadUrl = new URL(f.body.upload_url);
    assert.equal(uploadUrl.host, s3Host, 'the upload goes to the S3 service, not to Doppel');
    assert.ok(uploadUrl.searchParams.get('X-Amz-Signature'), f.body.upload_url);
    // Bytes that are not the declared ones, sent with the declared MD5: S3 refuses the PUT
    // (BadDigest); s3rver stores it, and then ConfirmFileUpload must refuse the object.
    const wrong = Buffer.from(picture).fill(0, 100, 200);
    const bad = await fetch(uploadUrl, {
      method: 'PUT',
      body: new Uint8Array(wrong),
      headers: { 'Content-MD5': md5(picture), 'Content-Type': 'image/png' },
    });
    await bad.arrayBuffer();
    if (bad.status === 200) {
      const refused = await api('POST', `/v1/{project_id}/files/${f.body.file_id}/complete`, {
        state: 'CREATED',
      });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.match(refused.body.error_msg, /MD5/, JSON.stringify(refused.body));
    } else assert.equal(bad.status, 400, 'the service refuses a body that does not match its Content-MD5');
    if (s3.kind === 's3rver')
      assert.equal(bad.status, 200, 's3rver does not check Content-MD5 (see helpers/s3.ts)');

    const put = await fetch(uploadUrl, {
      method: 'PUT',
      body: new Uint8Array(picture),
      headers: { 'Content-MD5': md5(picture), 'Content-Type': 'image/png' },
    });
    assert.equal(put.status, 200, await put.text());
    const c = await api('POST', `/v1/{project_id}/files/${f.body.file_id}/complete`, { state: 'CREATED' });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    await poll('the picture asset', 60_000, async () => {
      const s = await api('GET', `/v1/{project_id}/digital-assets/${a.body.asset_id}`);
      assert.notEqual(s.body.asset_state, 'FAILED', JSON.stringify(s.body));
      return s.body.asset_state === 'ACTIVED' ? true : undefined;
    });

    // A short one-scene video on that picture.
    const job = await api('POST', '/v1/{project_id}/2d-digital-human-videos', {
      model_asset_id: SYSTEM_AVATARS[0].assetId,
      voice_config: { voice_asset_id: EN_VOICE },
      video_config: { codec: 'H264', width: 1280, height: 720, bitrate: 2000 },
      shoot_scripts: [
        {
          sequence_no: 0,
          shoot_script: {
            script_type: 'TEXT',
            text_config: { text: 'Stored in a bucket.' },
            background_config: [{ background_type: 'IMAGE', background_asset_id: a.body.asset_id }],
          },
        },
      ],
      output_asset_config: { asset_name: 'bucket video' },
    });
    assert.equal(job.status, 200, JSON.stringify(job.body));
    const done = await poll('the video job', 300_000, async () => {
      const s = await api('GET', `/v1/{project_id}/2d-digital-human-videos/${job.body.job_id}`);
      return ['SUCCEED', 'FAILED'].includes(s.body.state) ? s.body : undefined;
    });
    assert.equal(done.state, 'SUCCEED', JSON.stringify(done.error_info));

    // The download URL is Doppel's; redeeming it redirects to a URL presigned for the service.
    const video = await mainFile(done.output_asset_config.asset_id);
    assert.ok(video?.download_url, JSON.stringify(video));
    const redirect = await fetch(video.download_url, { redirect: 'manual' });
    assert.equal(redirect.status, 302, await redirect.text());
    const location = redirect.headers.get('location') ?? '';
    assert.equal(new URL(location).host, s3Host, location);
    const got = await fetch(location);
    assert.equal(got.status, 200, location);
    const bytes = Buffer.from(await got.arrayBuffer());
    assert.ok(bytes.length > 10_000, `${bytes.length} bytes`);
    assert.equal(md5(bytes), video.file_md5, 'the bytes are the ones Doppel recorded');

    const file = path.join(tmp, 'video.mp4');
    fs.writeFileSync(file, bytes);
    const info = await probeMedia(envTools(), file);
    assert.equal(info.video?.codec, 'h264');
    assert.equal(info.audio?.codec, 'aac');
    assert.deepEqual([info.video?.width, info.video?.height], [1280, 720]);
    assert.ok((info.durationSec ?? 0) > 0.5, `duration ${info.durationSec}`);

    // The top-left corner, far from the avatar, is the uploaded picture's colour.
    const frame = await runToolBinary(envTools().ffmpeg.path, [
      '-v', 'error', '-ss', '0.2', '-i', file, '-frames:v', '1',
      '-vf', 'crop=32:32:8:8', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ]); // biome-ignore format: argv pairs
    assert.equal(frame.code, 0, frame.stderr);
    const mean = [0, 1, 2].map((ch) => {
      let s = 0;
      for (let i = ch; i < frame.stdout.length; i += 3) s += frame.stdout[i]!;
      return s / (frame.stdout.length / 3);
    });
    mean.forEach((v, ch) => {
      assert.ok(
        Math.abs(v - BACKDROP[ch]!) < 24,
        `corner colour ${mean.map((m) => m.toFixed(0))} vs ${BACKDROP}`,
      );
    });

    // Nothing went to the local object store.
    const local = path.join(dataDir, 'objects');
    assert.deepEqual(fs.existsSync(local) ? fs.readdirSync(local) : [], []);
  });
});
