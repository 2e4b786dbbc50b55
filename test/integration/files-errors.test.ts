// File Management's refusals and side paths: what the presigned URL rejects, what
// ConfirmFileUpload verifies, the one-MAIN/one-COVER rule, the per-type limits of SEMANTICS
// §5, files that are not what their asset needs, CANCELLED/FAILED, DeleteFile, and tenants.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { describeEachDb } from '../helpers/db.ts';
import { mkTmp, mp4File, pngBytes, wavBytes } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import {
  confirm,
  createAsset,
  createFile,
  filesOf,
  jobsSettled,
  md5b64,
  putBytes,
  upload,
  waitForAsset,
} from '../helpers/uploads.ts';

const MB = 1024 ** 2;

await describeEachDb('File Management: errors and side paths', (leg) => {
  let p: TestPlatform;
  let tmp: string;
  let png: Buffer;
  before(async () => {
    p = await startTestPlatform(leg);
    tmp = mkTmp('files-errors');
    png = pngBytes(32, 32, [10, 200, 30]);
  });
  after(async () => {
    await jobsSettled(p).catch(() => {});
    await p?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const expectError = (r: { status: number; body: unknown }, code: string, msg?: RegExp) => {
    const body = r.body as { error_code: string; error_msg: string };
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(body.error_code, code, JSON.stringify(body));
    if (msg) assert.match(body.error_msg, msg);
  };

  describe('CreateFile validation', () => {
    let imageId: string;
    before(async () => {
      imageId = await createAsset(p, { asset_name: 'validation', asset_type: 'IMAGE' });
    });

    it('CreateFile: an unknown asset id → MSS.10001001', async () => {
      const r = await createFile(p, { assetId: 'f'.repeat(32), name: 'a.png', bytes: png });
      expectError(r, 'MSS.10001001');
    });

    it('CreateFile: no file_type and no extension → MSS.10001003', async () => {
      expectError(await createFile(p, { assetId: imageId, name: 'noext', bytes: png }), 'MSS.10001003');
    });

    it('CreateFile: file_type overrides the extension; the MAIN format is checked against it', async () => {
      const r = await createFile(p, { assetId: imageId, name: 'blob', bytes: png, fileType: 'PNG' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await p.call('DELETE', `/v1/{project_id}/files/${r.body.file_id}`);
    });

    it('CreateFile: an unknown asset_file_category → MSS.00000003', async () => {
      const r = await createFile(p, { assetId: imageId, name: 'a.png', bytes: png, category: 'POSTER' });
      expectError(r, 'MSS.00000003', /asset_file_category/);
    });

    it('CreateFile: file_md5 that is not base64 of 16 bytes → MSS.00000003', async () => {
      const r = await p.call('POST', '/v1/{project_id}/files', {
        body: {
          file_name: 'a.png',
          file_md5: 'not-a-base64-md5-value!!',
          file_size: 10,
          asset_id: imageId,
          asset_file_category: 'MAIN',
        },
      });
      expectError(r, 'MSS.00000003', /file_md5/);
    });

    it('CreateFile: a format the asset type does not take → MSS.00000003 naming the formats', async () => {
      const videoId = await createAsset(p, { asset_name: 'fmt-video', asset_type: 'VIDEO' });
      expectError(
        await createFile(p, { assetId: videoId, name: 'still.png', bytes: png }),
        'MSS.00000003',
        /mp4\/m4v\/mkv.*file_type is png/,
      );
      const audioId = await createAsset(p, { asset_name: 'fmt-audio', asset_type: 'AUDIO' });
      expectError(
        await createFile(p, { assetId: audioId, name: 'song.flac', bytes: png }),
        'MSS.00000003',
        /wav\/mp3\/m4a/,
      );
      // A COVER is a picture whatever the asset is.
      expectError(
        await createFile(p, { assetId: videoId, name: 'cover.mp4', bytes: png, category: 'COVER' }),
        'MSS.00000003',
        /COVER/,
      );
      // Categories other than MAIN/COVER take anything.
      const other = await createFile(p, {
        assetId: videoId,
        name: 'notes.txt',
        bytes: png,
        category: 'OTHER',
      });
      assert.equal(other.status, 200, JSON.stringify(other.body));
    });

    it('CreateFile: a MAIN over the type limit → MSS.10001007 (IMAGE 50 MB, AUDIO 100 MB); the contract caps 5 GB', async () => {
      const big = (assetId: string, name: string, size: number) =>
        p.call('POST', '/v1/{project_id}/files', {
          body: {
            file_name: name,
            file_md5: md5b64(png),
            file_size: size,
            asset_id: assetId,
            asset_file_category: 'MAIN',
          },
        });
      expectError(await big(imageId, 'huge.png', 50 * MB + 1), 'MSS.10001007', /52428800 bytes/);
      const musicId = await createAsset(p, { asset_name: 'big-music', asset_type: 'MUSIC' });
      expectError(await big(musicId, 'huge.wav', 100 * MB + 1), 'MSS.10001007');
      const ok = await big(musicId, 'fine.wav', 100 * MB);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const commonId = await createAsset(p, { asset_name: 'too-big', asset_type: 'COMMON_FILE' });
      const r = await big(commonId, 'x.bin', 5 * 1024 ** 3 + 1);
      assert.equal(r.status, 400); // schema maximum
    });

    it('CreateLargeFile: a MAIN over the type limit → MSS.10001007; file_multipart_count over 100 → 400', async () => {
      const r = await p.call('POST', '/v1/{project_id}/large-files', {
        body: { file_name: 'x.png', file_size: 60 * MB, asset_id: imageId, asset_file_category: 'MAIN' },
      });
      expectError(r, 'MSS.10001007');
      const many = await p.call('POST', '/v1/{project_id}/large-files', {
        body: {
          file_name: 'x.png',
          asset_id: imageId,
          asset_file_category: 'MAIN',
          file_multipart_count: 101,
        },
      });
      assert.equal(many.status, 400);
    });

    it('CreateLargeFile takes a VIDEO up to 500 GB in parts; CreateFile keeps the 5 GB cap (ERRATA 101)', async () => {
      const videoId = await createAsset(p, { asset_name: 'long-shoot', asset_type: 'VIDEO' });
      const large = (name: string, size: number, parts = 100) =>
        p.call('POST', '/v1/{project_id}/large-files', {
          body: {
            file_name: name,
            file_size: size,
            asset_id: videoId,
            asset_file_category: 'MAIN',
            file_multipart_count: parts,
          },
        });
      const single = await p.call('POST', '/v1/{project_id}/files', {
        body: {
          file_name: 'six.mp4',
          file_md5: md5b64(png),
          file_size: 5 * 1024 ** 3,
          asset_id: videoId,
          asset_file_category: 'MAIN',
        },
      });
      assert.equal(single.status, 200, JSON.stringify(single.body));
      assert.equal((await confirm(p, single.body.file_id, 'CANCELLED')).status, 200);
      const six = await large('six.mp4', 6 * 1024 ** 3, 2);
      assert.equal(six.status, 200, JSON.stringify(six.body));
      assert.equal(six.body.upload_urls.length, 2);
      assert.equal((await confirm(p, six.body.file_id, 'CANCELLED')).status, 200);
      const max = await large('max.mp4', 500 * 1024 ** 3);
      assert.equal(max.status, 200, JSON.stringify(max.body));
      assert.equal(max.body.upload_urls.length, 100);
      assert.equal((await confirm(p, max.body.file_id, 'CANCELLED')).status, 200);
      assert.equal((await large('over.mp4', 500 * 1024 ** 3 + 1)).status, 400);
      // Pictures keep their own limit however they arrive.
      const picture = await createAsset(p, { asset_name: 'big-picture', asset_type: 'IMAGE' });
      const r = await p.call('POST', '/v1/{project_id}/large-files', {
        body: {
          file_name: 'x.png',
          file_size: 6 * 1024 ** 3,
          asset_id: picture,
          asset_file_category: 'MAIN',
        },
      });
      expectError(r, 'MSS.10001007');
    });
  });

  describe('one MAIN and one COVER per asset', () => {
    it('CreateFile: a second live MAIN → MSS.10001008, a second COVER → MSS.10001009', async () => {
      const assetId = await createAsset(p, { asset_name: 'slots', asset_type: 'IMAGE' });
      const main = await createFile(p, { assetId, name: 'a.png', bytes: png });
      assert.equal(main.status, 200);
      expectError(await createFile(p, { assetId, name: 'b.png', bytes: png }), 'MSS.10001008');
      const large = await p.call('POST', '/v1/{project_id}/large-files', {
        body: { file_name: 'c.png', asset_id: assetId, asset_file_category: 'MAIN' },
      });
      expectError(large, 'MSS.10001008');
      const cover = await createFile(p, { assetId, name: 'c.png', bytes: png, category: 'COVER' });
      assert.equal(cover.status, 200);
      expectError(
        await createFile(p, { assetId, name: 'd.jpg', bytes: png, category: 'COVER' }),
        'MSS.10001009',
      );
      // A cancelled MAIN frees the slot.
      assert.equal((await confirm(p, main.body.file_id, 'CANCELLED')).status, 200);
      assert.equal((await createFile(p, { assetId, name: 'b.png', bytes: png })).status, 200);
    });

    it('CreateFile: concurrent MAINs race on the partial unique index; exactly one wins', async () => {
      const assetId = await createAsset(p, { asset_name: 'race', asset_type: 'IMAGE' });
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => createFile(p, { assetId, name: `r${i}.png`, bytes: png })),
      );
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      for (const r of results.filter((x) => x.status !== 200)) expectError(r, 'MSS.10001008');
    });
  });

  describe('the presigned PUT and ConfirmFileUpload verification', () => {
    it('PUT with a wrong Content-MD5 or wrong bytes is rejected; confirm then says nothing was uploaded', async () => {
      const assetId = await createAsset(p, { asset_name: 'bad-md5', asset_type: 'IMAGE' });
      const c = await createFile(p, { assetId, name: 'a.png', bytes: png });
      const other = pngBytes(32, 32, [0, 0, 0]);
      const wrongHeader = await p.fetchUrl('PUT', c.body.upload_url, {
        body: png,
        headers: { 'content-md5': md5b64(other), 'content-type': 'image/png' },
      });
      assert.equal(wrongHeader.status, 400, wrongHeader.raw.toString());
      // Same length, different bytes, the declared MD5 in the header: the body fails the digest.
      const tampered = Buffer.from(png);
      tampered[tampered.length - 20] ^= 0xff;
      const wrongBody = await p.fetchUrl('PUT', c.body.upload_url, {
        body: tampered,
        headers: { 'content-md5': md5b64(png) },
      });
      assert.equal(wrongBody.status, 400, wrongBody.raw.toString());
      assert.match(String(wrongBody.body.error_code), /DOPPEL\.100[45]/);
      const short = await p.fetchUrl('PUT', c.body.upload_url, { body: png.subarray(1) });
      assert.equal(short.status, 400);

      expectError(await confirm(p, c.body.file_id), 'MSS.45000001', /upload_url/);
      assert.equal((await filesOf(p, assetId))[0].state, 'CREATING');
      // The client can still upload and confirm.
      assert.equal((await putBytes(p, c.body.upload_url, png)).status, 200);
      assert.equal((await confirm(p, c.body.file_id)).status, 200);
      assert.equal((await waitForAsset(p, assetId)).asset_state, 'ACTIVED');
    });

    it('ConfirmFileUpload: an object whose size or MD5 differs from CreateFile → 400; the file stays CREATING', async () => {
      // Stores that do not enforce the signed length/MD5 are caught at confirm: write the
      // object behind the URL's back.
      const assetId = await createAsset(p, { asset_name: 'mismatch', asset_type: 'IMAGE' });
      const c = await createFile(p, { assetId, name: 'a.png', bytes: png });
      const [row] = await filesOf(p, assetId);
      await p.deps.objects.put(row.object_key, Buffer.concat([png, Buffer.from('tail')]));
      expectError(await confirm(p, c.body.file_id), 'MSS.00000003', /bytes but file_size is/);
      const same = Buffer.from(png);
      same[same.length - 20] ^= 0xff;
      await p.deps.objects.put(row.object_key, same);
      expectError(await confirm(p, c.body.file_id), 'MSS.00000003', /MD5/);
      assert.equal((await filesOf(p, assetId))[0].state, 'CREATING');
    });

    it('ConfirmFileUpload: an unknown file id → MSS.10001004', async () => {
      expectError(await confirm(p, '00000000-0000-4000-8000-000000000000'), 'MSS.10001004');
    });
  });

  describe('files that are not what their asset needs', () => {
    it('ConfirmFileUpload: a text file named .mp4 into a VIDEO asset → asset FAILED with a reason', async () => {
      const assetId = await createAsset(p, { asset_name: 'fake-video', asset_type: 'VIDEO' });
      await upload(p, { assetId, name: 'movie.mp4', bytes: Buffer.from('this is not a video\n'.repeat(50)) });
      const asset = await waitForAsset(p, assetId);
      assert.equal(asset.asset_state, 'FAILED');
      assert.ok(asset.reason && asset.reason.length <= 256);
      assert.match(asset.reason, /text|not a media/i);
      assert.equal(asset.fail_type, null);
      const [file] = await filesOf(p, assetId);
      assert.equal(file.state, 'FAILED');
      assert.equal(file.reason, asset.reason);
      // The bytes go right after the state change commits (a re-run keeps the first reason).
      for (const until = Date.now() + 5000; Date.now() < until; ) {
        if ((await p.deps.objects.head(file.object_key)) === null) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await p.deps.objects.head(file.object_key), null);

      // The slot is free again: a real video makes the asset ACTIVED.
      const tmpMp4 = fs.readFileSync(await mp4File(tmp, { seconds: 1, name: 'real.mp4' }));
      await upload(p, { assetId, name: 'movie.mp4', bytes: tmpMp4 });
      const fixed = await waitForAsset(p, assetId, { states: ['ACTIVED'] });
      assert.equal(fixed.reason, null);
    });

    it('ConfirmFileUpload: a PNG named .mp4 into a VIDEO asset → FAILED naming what it is', async () => {
      const assetId = await createAsset(p, { asset_name: 'png-as-video', asset_type: 'VIDEO' });
      await upload(p, { assetId, name: 'clip.mp4', bytes: png });
      const asset = await waitForAsset(p, assetId);
      assert.equal(asset.asset_state, 'FAILED');
      assert.match(asset.reason ?? '', /PNG|image/);
    });

    it('ConfirmFileUpload: a WAV named .png into an IMAGE asset → FAILED', async () => {
      const assetId = await createAsset(p, { asset_name: 'wav-as-png', asset_type: 'IMAGE' });
      await upload(p, { assetId, name: 'pic.png', bytes: wavBytes({ seconds: 0.2 }) });
      const asset = await waitForAsset(p, assetId);
      assert.equal(asset.asset_state, 'FAILED');
      assert.match(asset.reason ?? '', /png|WAV|audio/i);
    });

    it('ConfirmFileUpload: a PPT asset whose .pdf is not a PDF → FAILED; a real-looking PDF → ACTIVED', async () => {
      const bad = await createAsset(p, { asset_name: 'slides-bad', asset_type: 'PPT' });
      await upload(p, { assetId: bad, name: 'deck.pdf', bytes: Buffer.from('hello, not a pdf') });
      assert.equal((await waitForAsset(p, bad)).asset_state, 'FAILED');
      const good = await createAsset(p, { asset_name: 'slides-good', asset_type: 'PPT' });
      await upload(p, {
        assetId: good,
        name: 'deck.pdf',
        bytes: Buffer.from('%PDF-1.4\n%fake but sniffable\n'),
      });
      assert.equal((await waitForAsset(p, good)).asset_state, 'ACTIVED');
    });
  });

  describe('CANCELLED, FAILED, re-confirming', () => {
    it('ConfirmFileUpload CANCELLED: file CANCELLED, bytes dropped, asset unchanged; a repeat is 200', async () => {
      const assetId = await createAsset(p, { asset_name: 'cancel', asset_type: 'IMAGE' });
      const c = await createFile(p, { assetId, name: 'a.png', bytes: png });
      await putBytes(p, c.body.upload_url, png);
      assert.equal((await confirm(p, c.body.file_id, 'CANCELLED')).status, 200);
      const [file] = await filesOf(p, assetId);
      assert.equal(file.state, 'CANCELLED');
      assert.equal(await p.deps.objects.head(file.object_key), null);
      assert.equal((await waitForAsset(p, assetId, { states: ['CREATING'] })).asset_state, 'CREATING');
      assert.equal((await confirm(p, c.body.file_id, 'CANCELLED')).status, 200);
      // Not back to CREATED.
      expectError(await confirm(p, c.body.file_id, 'CREATED'), 'MSS.00000003', /CANCELLED/);
    });

    it('ConfirmFileUpload FAILED on a MAIN: the asset goes FAILED; a new MAIN can follow', async () => {
      const assetId = await createAsset(p, { asset_name: 'client-failed', asset_type: 'IMAGE' });
      const c = await createFile(p, { assetId, name: 'a.png', bytes: png });
      assert.equal((await confirm(p, c.body.file_id, 'FAILED')).status, 200);
      const asset = await waitForAsset(p, assetId, { states: ['FAILED'] });
      assert.match(asset.reason ?? '', /FAILED/);
      await upload(p, { assetId, name: 'b.png', bytes: png });
      assert.equal((await waitForAsset(p, assetId, { states: ['ACTIVED'] })).asset_state, 'ACTIVED');
    });

    it('ConfirmFileUpload CREATED twice: the second is 200 and enqueues nothing new', async () => {
      const assetId = await createAsset(p, { asset_name: 'twice', asset_type: 'IMAGE' });
      const fileId = await upload(p, { assetId, name: 'a.png', bytes: png });
      assert.equal((await confirm(p, fileId)).status, 200);
      await waitForAsset(p, assetId);
      const jobs = await p.deps.database.db
        .selectFrom('jobs')
        .select('id')
        .where('job_key', '=', `assets.inspect:${p.tenant.projectId}:${fileId}`)
        .execute();
      assert.equal(jobs.length, 1);
      // CREATED → CANCELLED is refused.
      expectError(await confirm(p, fileId, 'CANCELLED'), 'MSS.00000003', /CREATED/);
    });
  });

  describe('DeleteFile', () => {
    it('DeleteFile: the MAIN of an ACTIVED asset → row and bytes gone, asset back to CREATING; again → MSS.10001004', async () => {
      const assetId = await createAsset(p, { asset_name: 'delete-main', asset_type: 'IMAGE' });
      const fileId = await upload(p, { assetId, name: 'a.png', bytes: png });
      assert.equal((await waitForAsset(p, assetId)).asset_state, 'ACTIVED');
      const [row] = await filesOf(p, assetId);
      const r = await p.call('DELETE', `/v1/{project_id}/files/${fileId}`);
      assert.equal(r.status, 200, r.raw.toString());
      assert.equal((await filesOf(p, assetId)).length, 0);
      assert.equal(await p.deps.objects.head(row.object_key), null);
      assert.equal((await waitForAsset(p, assetId, { states: ['CREATING'] })).asset_state, 'CREATING');
      expectError(await p.call('DELETE', `/v1/{project_id}/files/${fileId}`), 'MSS.10001004');
      // A new MAIN can be uploaded.
      await upload(p, { assetId, name: 'b.png', bytes: png });
      assert.equal((await waitForAsset(p, assetId, { states: ['ACTIVED'] })).asset_state, 'ACTIVED');
    });

    it('DeleteFile: a CREATING large file aborts its multipart upload; a non-MAIN leaves the asset alone', async () => {
      const assetId = await createAsset(p, { asset_name: 'delete-large', asset_type: 'IMAGE' });
      await upload(p, { assetId, name: 'a.png', bytes: png });
      await waitForAsset(p, assetId);
      const c = await p.call('POST', '/v1/{project_id}/large-files', {
        body: {
          file_name: 'extra.bin',
          asset_id: assetId,
          asset_file_category: 'OTHER',
          file_multipart_count: 2,
        },
      });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      assert.equal((await putBytes(p, c.body.upload_urls[0], png)).status, 200);
      assert.equal((await p.call('DELETE', `/v1/{project_id}/files/${c.body.file_id}`)).status, 200);
      // The part URL now points at nothing.
      const late = await putBytes(p, c.body.upload_urls[1], png);
      assert.equal(late.status, 404, late.raw.toString());
      assert.equal((await waitForAsset(p, assetId)).asset_state, 'ACTIVED');
    });
  });

  describe('tenants', () => {
    it("CreateFile: another tenant's asset id → MSS.10001001; ConfirmFileUpload/DeleteFile of its file → MSS.10001004", async () => {
      const assetId = await createAsset(p, { asset_name: 'mine', asset_type: 'IMAGE' });
      const c = await createFile(p, { assetId, name: 'a.png', bytes: png });
      assert.equal(c.status, 200);
      expectError(await createFile(p, { assetId, name: 'a.png', bytes: png }, p.other), 'MSS.10001001');
      expectError(await confirm(p, c.body.file_id, 'CREATED', p.other), 'MSS.10001004');
      expectError(
        await p.call('DELETE', `/v1/{project_id}/files/${c.body.file_id}`, { as: p.other }),
        'MSS.10001004',
      );
      assert.equal((await filesOf(p, assetId))[0].state, 'CREATING');
    });

    it('CreateFile: a system asset is read-only to every tenant → 403 MSS.00000004', async () => {
      const r = await createFile(p, {
        assetId: '5d0c1f0a7e3b4c62a1f09d2e8b7c4a01',
        name: 'a.png',
        bytes: png,
      });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.error_code, 'MSS.00000004');
    });
  });
});
