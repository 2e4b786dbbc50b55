// The media job behind ConfirmFileUpload (`assets.inspect`), driven directly: re-runs are
// harmless (a crash after any step leaves a state the next run finishes or skips), the abort
// signal is honoured, and the last failed attempt settles the asset as FAILED instead of
// leaving it CREATING forever.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import type { JobRow, TaskHelpers } from '../../src/core/jobs/index.ts';
import { inspectFile } from '../../src/modules/assets/files.inspect.ts';
import { filesTasks } from '../../src/modules/assets/files.jobs.ts';
import type { AssetsMedia } from '../../src/modules/assets/index.ts';
import { describeEachDb } from '../helpers/db.ts';
import { mkTmp, mp4File } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { confirm, createAsset, createFile, filesOf, putBytes, waitForAsset } from '../helpers/uploads.ts';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

function helpers(opts: { signal?: AbortSignal; attempts?: number; maxAttempts?: number } = {}): TaskHelpers {
  return {
    job: { attempts: opts.attempts ?? 1, max_attempts: opts.maxAttempts ?? 5 } as JobRow,
    signal: opts.signal ?? new AbortController().signal,
    logger: silent,
    heartbeat: async () => {},
    // biome-ignore lint/suspicious/noExplicitAny: the handlers under test do not use it.
    db: undefined as any,
  };
}

await describeEachDb('File Management: the ConfirmFileUpload media job', (leg) => {
  let p: TestPlatform;
  let tmp: string;
  let mp4: Buffer;
  before(async () => {
    // No workers: the test runs the job itself.
    p = await startTestPlatform(leg, { runJobs: false });
    tmp = mkTmp('files-inspect');
    mp4 = fs.readFileSync(await mp4File(tmp, { seconds: 1, width: 128, height: 96 }));
  });
  after(async () => {
    await p?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A VIDEO asset with a confirmed MAIN whose job has not run. */
  async function confirmedVideo(name: string, cover = true) {
    const assetId = await createAsset(p, {
      asset_name: name,
      asset_type: 'VIDEO',
      is_need_generate_cover: cover,
    });
    const c = await createFile(p, { assetId, name: 'v.mp4', bytes: mp4 });
    assert.equal((await putBytes(p, c.body.upload_url, mp4)).status, 200);
    assert.equal((await confirm(p, c.body.file_id)).status, 200);
    return { assetId, fileId: c.body.file_id as string, projectId: p.tenant.projectId };
  }

  it('ConfirmFileUpload commits exactly one queued assets.inspect job with the file', async () => {
    const { fileId, projectId } = await confirmedVideo('queued');
    const jobs = await p.deps.database.db
      .selectFrom('jobs')
      .selectAll()
      .where('job_key', '=', `assets.inspect:${projectId}:${fileId}`)
      .execute();
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].state, 'queued');
    assert.equal(jobs[0].project_id, projectId);
    assert.deepEqual(jobs[0].payload, { projectId, fileId });
  });

  it('a re-run after the job committed changes nothing and adds no second cover', async () => {
    const { assetId, fileId, projectId } = await confirmedVideo('rerun');
    await inspectFile(p.deps.moduleDeps, { projectId, fileId }, helpers());
    const first = await waitForAsset(p, assetId);
    assert.equal(first.asset_state, 'ACTIVED', first.reason ?? '');
    await inspectFile(p.deps.moduleDeps, { projectId, fileId }, helpers());
    const second = await waitForAsset(p, assetId);
    assert.equal(second.update_time.getTime(), first.update_time.getTime());
    assert.equal((await filesOf(p, assetId)).filter((f) => f.asset_file_category === 'COVER').length, 1);
  });

  it('a re-run after a crash before the commit finishes the work with the same cover id', async () => {
    const { assetId, fileId, projectId } = await confirmedVideo('crash-before-commit');
    await inspectFile(p.deps.moduleDeps, { projectId, fileId }, helpers());
    const [cover] = (await filesOf(p, assetId)).filter((f) => f.asset_file_category === 'COVER');
    // Undo the commit, keep the cover object: what a crash between put and commit leaves.
    await p.deps.database.db.deleteFrom('asset_files').where('file_id', '=', cover.file_id).execute();
    await p.deps.database.db
      .updateTable('assets')
      .set({ asset_state: 'CREATING', asset_extra_meta: '{}' })
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .execute();
    await inspectFile(p.deps.moduleDeps, { projectId, fileId }, helpers());
    const asset = await waitForAsset(p, assetId);
    assert.equal(asset.asset_state, 'ACTIVED');
    assert.equal((asset.asset_extra_meta as { video_meta: { width: number } }).video_meta.width, 128);
    const covers = (await filesOf(p, assetId)).filter((f) => f.asset_file_category === 'COVER');
    assert.deepEqual(
      covers.map((c) => c.file_id),
      [cover.file_id],
    );
  });

  it('a job for a file deleted (DeleteFile) or an asset moved to the recycle bin meanwhile does nothing', async () => {
    const gone = await confirmedVideo('deleted-file');
    assert.equal((await p.call('DELETE', `/v1/{project_id}/files/${gone.fileId}`)).status, 200);
    await inspectFile(p.deps.moduleDeps, { projectId: gone.projectId, fileId: gone.fileId }, helpers());
    assert.equal((await waitForAsset(p, gone.assetId, { states: ['CREATING'] })).asset_state, 'CREATING');

    const binned = await confirmedVideo('binned');
    assert.equal((await p.call('DELETE', `/v1/{project_id}/digital-assets/${binned.assetId}`)).status, 200);
    await inspectFile(p.deps.moduleDeps, { projectId: binned.projectId, fileId: binned.fileId }, helpers());
    assert.equal((await waitForAsset(p, binned.assetId, { states: ['DELETING'] })).asset_state, 'DELETING');
  });

  it('an aborted job stops and leaves the asset CREATING for the retry', async () => {
    const { assetId, fileId, projectId } = await confirmedVideo('aborted');
    const ac = new AbortController();
    ac.abort(new Error('shutdown'));
    await assert.rejects(
      inspectFile(p.deps.moduleDeps, { projectId, fileId }, helpers({ signal: ac.signal })),
    );
    assert.equal((await waitForAsset(p, assetId, { states: ['CREATING'] })).asset_state, 'CREATING');
    assert.equal((await filesOf(p, assetId))[0].state, 'CREATED');
  });

  it('a broken media tool: earlier attempts rethrow for a retry; the last one settles the asset FAILED', async () => {
    const { assetId, fileId, projectId } = await confirmedVideo('tool-broken', false);
    const broken: AssetsMedia = {
      inspect: async () => {
        throw new Error('spawn ffprobe ENOENT');
      },
      makeCover: async () => {},
    };
    const [task] = filesTasks({ ...p.deps.moduleDeps, media: broken });
    const run = task.handler as unknown as (payload: unknown, h: TaskHelpers) => Promise<void>;
    await assert.rejects(run({ projectId, fileId }, helpers({ attempts: 1, maxAttempts: 5 })), /ENOENT/);
    assert.equal((await waitForAsset(p, assetId, { states: ['CREATING'] })).asset_state, 'CREATING');
    await assert.rejects(run({ projectId, fileId }, helpers({ attempts: 5, maxAttempts: 5 })), /ENOENT/);
    const asset = await waitForAsset(p, assetId);
    assert.equal(asset.asset_state, 'FAILED');
    assert.equal(asset.reason, 'media inspection failed: spawn ffprobe ENOENT');
  });
});
