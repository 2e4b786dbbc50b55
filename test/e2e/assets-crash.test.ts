// A crash between ConfirmFileUpload and the probe loses nothing. The real CLI runs
// `serve --role api` (no workers) on a fresh data dir; the client creates a VIDEO asset,
// CreateFile, PUTs an MP4 to the presigned URL and confirms, which commits the inspection
// job with the file. The server is SIGKILLed, then `serve` (role all) starts on the same data
// dir: the job is still there, runs, and the asset reaches ACTIVED with its probed meta.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { mkTmp, mp4File } from '../helpers/media-fixtures.ts';
import { callServer, type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.ts';

describe('ConfirmFileUpload → SIGKILL → restart: the media job survives', { timeout: 180_000 }, () => {
  const dataDir = tempDataDir();
  const tmp = mkTmp('assets-crash');
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const api = callServer;

  it('CreateDigitalAsset, CreateFile, PUT, ConfirmFileUpload on an API-only server; the asset becomes ACTIVED after a crash and restart', async () => {
    const mp4 = fs.readFileSync(await mp4File(tmp, { seconds: 2, width: 176, height: 144 }));
    const md5 = createHash('md5').update(mp4).digest('base64');

    server = await startServer({ dataDir, args: ['--role', 'api'] });
    const cred = server.banner;
    assert.ok(cred, server.output());

    const asset = await api(server, cred, 'POST', '/v1/{project_id}/digital-assets', {
      asset_name: 'crash-clip',
      asset_type: 'VIDEO',
    });
    assert.equal(asset.status, 200, JSON.stringify(asset.body));
    const assetId = asset.body.asset_id as string;

    const file = await api(server, cred, 'POST', '/v1/{project_id}/files', {
      file_name: 'clip.mp4',
      file_md5: md5,
      file_size: mp4.length,
      asset_id: assetId,
      asset_file_category: 'MAIN',
    });
    assert.equal(file.status, 200, JSON.stringify(file.body));
    const put = await fetch(file.body.upload_url, {
      method: 'PUT',
      body: mp4,
      headers: { 'Content-MD5': md5, 'Content-Type': 'video/mp4' },
    });
    assert.equal(put.status, 200, await put.text());
    const done = await api(server, cred, 'POST', `/v1/{project_id}/files/${file.body.file_id}/complete`, {
      state: 'CREATED',
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));

    // No worker in this process: the asset waits in CREATING.
    await new Promise((r) => setTimeout(r, 500));
    const waiting = await api(server, cred, 'GET', `/v1/{project_id}/digital-assets/${assetId}`);
    assert.equal(waiting.status, 200, JSON.stringify(waiting.body));
    assert.equal(waiting.body.asset_state, 'CREATING');

    await server.kill();
    server = await startServer({ dataDir });

    const deadline = Date.now() + 60_000;
    let shown: { status: number; body: Record<string, unknown> };
    for (;;) {
      shown = await api(server, cred, 'GET', `/v1/{project_id}/digital-assets/${assetId}`);
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      if (shown.body.asset_state !== 'CREATING') break;
      assert.ok(Date.now() < deadline, `still CREATING after restart:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(shown.body.asset_state, 'ACTIVED', JSON.stringify(shown.body));
    const video = (shown.body.asset_extra_meta as { video_meta: Record<string, unknown> }).video_meta;
    assert.equal(video.width, 176);
    assert.equal(video.height, 144);
    assert.equal(video.duration, 2);
    assert.equal(await server.stop(), 0);
    server = undefined;
  });
});
