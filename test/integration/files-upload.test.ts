// File Management round trips with real bytes (SEMANTICS §4.1): CreateFile → PUT to the
// presigned upload_url with Content-MD5 → ConfirmFileUpload → the media job probes the file,
// fills asset_extra_meta, makes a cover when asked, and the asset becomes ACTIVED. Also the
// large-file path: CreateLargeFile → PUT each part → ConfirmFileUpload completes it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { describeEachDb } from '../helpers/db.ts';
import { mkTmp, mp4File, pngBytes, wavBytes } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { confirm, createAsset, filesOf, md5b64, putBytes, upload, waitForAsset } from '../helpers/uploads.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

await describeEachDb('File Management: upload round trips', (leg) => {
  let p: TestPlatform;
  let tmp: string;
  let mp4: Buffer;
  before(async () => {
    p = await startTestPlatform(leg);
    tmp = mkTmp('files-upload');
    mp4 = fs.readFileSync(await mp4File(tmp, { seconds: 3, width: 320, height: 240 }));
  });
  after(async () => {
    await p?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Reads an object back and asks the real media adapter what it is. */
  async function inspectObject(key: string) {
    const got = await p.deps.objects.get(key);
    assert.ok(got, `object ${key} is missing`);
    const file = path.join(tmp, `probe-${Date.now()}`);
    const chunks: Buffer[] = [];
    for await (const c of got.body) chunks.push(Buffer.from(c as Buffer));
    fs.writeFileSync(file, Buffer.concat(chunks));
    return p.deps.moduleDeps.media.inspect(file, {});
  }

  it('CreateFile + ConfirmFileUpload: a PNG into an IMAGE asset → ACTIVED with image_meta and a generated COVER', async () => {
    const png = pngBytes(640, 360, [40, 90, 160]);
    const assetId = await createAsset(
      p,
      { asset_name: 'png-bg', asset_type: 'IMAGE', is_need_generate_cover: true },
      { headers: { 'X-App-UserId': 'end-user-7' } },
    );
    const c = await p.call('POST', '/v1/{project_id}/files', {
      headers: { 'X-App-UserId': 'end-user-7' },
      body: {
        file_name: 'bg.png',
        file_md5: md5b64(png),
        file_size: png.length,
        asset_id: assetId,
        asset_file_category: 'MAIN',
      },
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.match(c.body.file_id, UUID);
    assert.match(c.body.upload_url, /\/objects\/assets\//);

    // Before the PUT the file is CREATING and carries the extension as its type (ERRATA 3).
    const [creating] = await filesOf(p, assetId);
    assert.equal(creating.state, 'CREATING');
    assert.equal(creating.file_type, 'png');
    assert.equal(creating.object_key, `assets/${p.tenant.projectId}/${assetId}/${c.body.file_id}/bg.png`);

    const put = await putBytes(p, c.body.upload_url, png, 'image/png');
    assert.equal(put.status, 200, put.raw.toString());
    const done = await confirm(p, c.body.file_id);
    assert.equal(done.status, 200, JSON.stringify(done.body));

    const asset = await waitForAsset(p, assetId);
    assert.equal(asset.asset_state, 'ACTIVED', asset.reason ?? '');
    assert.equal(asset.app_user_id, 'end-user-7');
    const meta = asset.asset_extra_meta as { image_meta: Record<string, unknown> };
    assert.equal(meta.image_meta.width, 640);
    assert.equal(meta.image_meta.height, 360);
    assert.equal(meta.image_meta.codec, 'PNG');
    assert.equal(meta.image_meta.mode, 'Horizontal');

    const files = await filesOf(p, assetId);
    const main = files.find((f) => f.asset_file_category === 'MAIN')!;
    assert.equal(main.state, 'CREATED');
    assert.equal(main.file_md5, md5b64(png));
    const cover = files.find((f) => f.asset_file_category === 'COVER');
    assert.ok(cover, 'is_need_generate_cover made no COVER file');
    assert.equal(cover.state, 'CREATED');
    assert.match(cover.file_id, UUID);
    const coverInfo = await inspectObject(cover.object_key);
    assert.equal(coverInfo.kind, 'image');
    assert.equal(coverInfo.format, 'jpeg');
    assert.equal(coverInfo.width, 640);
  });

  it('CreateFile + ConfirmFileUpload: a WAV into an AUDIO asset → ACTIVED with duration and sample rate', async () => {
    const wav = wavBytes({ seconds: 2, sampleRate: 16_000 });
    const assetId = await createAsset(p, { asset_name: 'voice-line', asset_type: 'AUDIO' });
    await upload(p, { assetId, name: 'line.wav', bytes: wav, contentType: 'audio/wav' });
    const asset = await waitForAsset(p, assetId);
    assert.equal(asset.asset_state, 'ACTIVED', asset.reason ?? '');
    const audio = (asset.asset_extra_meta as { audio_meta: Record<string, unknown> }).audio_meta;
    assert.equal(audio.duration, 2);
    assert.equal(audio.sample, 16_000);
    assert.equal(audio.audio_channels, 1);
    // No cover for audio, even if one were asked for.
    assert.equal((await filesOf(p, assetId)).length, 1);
  });

  it('CreateFile + ConfirmFileUpload: an MP4 into a VIDEO asset → ACTIVED with video_meta and a cover frame', async () => {
    const assetId = await createAsset(p, {
      asset_name: 'clip',
      asset_type: 'VIDEO',
      is_need_generate_cover: true,
      system_properties: [{ key: 'MATERIAL_VIDEO', value: 'Yes' }],
    });
    const fileId = await upload(p, { assetId, name: 'clip.mp4', bytes: mp4, contentType: 'video/mp4' });
    const asset = await waitForAsset(p, assetId);
    assert.equal(asset.asset_state, 'ACTIVED', asset.reason ?? '');
    const video = (asset.asset_extra_meta as { video_meta: Record<string, unknown> }).video_meta;
    assert.equal(video.width, 320);
    assert.equal(video.height, 240);
    assert.equal(video.duration, 3);
    assert.equal(video.frame_rate, '25');
    assert.equal(video.audio_codec, 'AAC');
    assert.equal(video.sample, 44_100);
    assert.equal(video.video_transcoding_status, 'SUCCEEDED');

    const files = await filesOf(p, assetId);
    const main = files.find((f) => f.file_id === fileId)!;
    assert.deepEqual(main.file_extra_meta, { video_transcoding_status: 'SUCCEEDED' });
    const cover = files.find((f) => f.asset_file_category === 'COVER');
    assert.ok(cover);
    const info = await inspectObject(cover.object_key);
    assert.equal(info.kind, 'image');
    assert.deepEqual([info.width, info.height], [320, 240]);
  });

  it('CreateLargeFile: three parts PUT to upload_urls, ConfirmFileUpload completes them; size and MD5 filled', async () => {
    const assetId = await createAsset(p, { asset_name: 'large-clip', asset_type: 'VIDEO' });
    const c = await p.call('POST', '/v1/{project_id}/large-files', {
      body: {
        file_name: 'large.mp4',
        file_size: mp4.length,
        asset_id: assetId,
        asset_file_category: 'MAIN',
        file_multipart_count: 3,
      },
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.match(c.body.file_id, UUID);
    assert.equal(c.body.upload_urls.length, 3);

    // Confirming before every part is there is refused; the file stays CREATING.
    const third = Math.ceil(mp4.length / 3);
    const parts = [0, 1, 2].map((i) => mp4.subarray(i * third, Math.min(mp4.length, (i + 1) * third)));
    for (const i of [0, 2]) {
      const r = await putBytes(p, c.body.upload_urls[i], parts[i]);
      assert.equal(r.status, 200, r.raw.toString());
    }
    const early = await confirm(p, c.body.file_id);
    assert.equal(early.status, 400);
    assert.equal(early.body.error_code, 'MSS.45000001');
    assert.match(early.body.error_msg, /part\(s\) 2/);

    const r = await putBytes(p, c.body.upload_urls[1], parts[1]);
    assert.equal(r.status, 200, r.raw.toString());
    const done = await confirm(p, c.body.file_id);
    assert.equal(done.status, 200, JSON.stringify(done.body));

    const [file] = await filesOf(p, assetId);
    assert.equal(file.state, 'CREATED');
    assert.equal(Number(file.file_size), mp4.length);
    assert.equal(file.file_md5, md5b64(mp4));
    const head = await p.deps.objects.head(file.object_key);
    assert.equal(head?.md5, md5b64(mp4));

    const asset = await waitForAsset(p, assetId);
    assert.equal(asset.asset_state, 'ACTIVED', asset.reason ?? '');
    assert.equal((asset.asset_extra_meta as { video_meta: { width: number } }).video_meta.width, 320);

    // A retried confirm of the completed file is a no-op 200 (ERRATA 18).
    const again = await confirm(p, c.body.file_id);
    assert.equal(again.status, 200, JSON.stringify(again.body));
  });

  it('CreateLargeFile without file_size: the size comes from the assembled parts; file_multipart_count defaults to 1', async () => {
    const assetId = await createAsset(p, { asset_name: 'bundle', asset_type: 'COMMON_FILE' });
    const bytes = Buffer.from('a common file, no media inside\n'.repeat(100));
    const c = await p.call('POST', '/v1/{project_id}/large-files', {
      body: { file_name: 'notes.txt', asset_id: assetId, asset_file_category: 'MAIN' },
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.upload_urls.length, 1);
    assert.equal((await putBytes(p, c.body.upload_urls[0], bytes)).status, 200);
    assert.equal((await confirm(p, c.body.file_id)).status, 200);
    const [file] = await filesOf(p, assetId);
    assert.equal(Number(file.file_size), bytes.length);
    assert.equal(file.file_md5, md5b64(bytes));
    // Not media: no probe, the asset is usable once its MAIN file is in.
    const asset = await waitForAsset(p, assetId);
    assert.equal(asset.asset_state, 'ACTIVED', asset.reason ?? '');
  });

  it('ConfirmFileUpload of a COVER: checked to be an image; the asset keeps its state', async () => {
    const assetId = await createAsset(p, { asset_name: 'with-cover', asset_type: 'VIDEO' });
    const coverId = await upload(p, {
      assetId,
      name: 'poster.png',
      bytes: pngBytes(64, 36, [200, 100, 50]),
      category: 'COVER',
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const jobs = await p.deps.database.db
        .selectFrom('jobs')
        .select('state')
        .where('job_key', '=', `assets.inspect:${p.tenant.projectId}:${coverId}`)
        .execute();
      if (jobs.length === 1 && jobs[0].state === 'succeeded') break;
      assert.ok(Date.now() < deadline, 'the COVER inspection did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
    const files = await filesOf(p, assetId);
    assert.equal(files[0].state, 'CREATED');
    const asset = await waitForAsset(p, assetId, { states: ['CREATING'] });
    assert.equal(asset.asset_state, 'CREATING');
  });
});
