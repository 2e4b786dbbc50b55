// The MetaStudio upload flow as a client runs it (SEMANTICS §4.1), for integration tests:
// create an asset, CreateFile, PUT the bytes to upload_url with Content-MD5, confirm; then
// wait for the media job to settle the asset.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { CallResult, Tenant, TestPlatform } from './platform.ts';

export const md5b64 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

export async function createAsset(
  p: TestPlatform,
  body: Record<string, unknown>,
  opts: { as?: Tenant; headers?: Record<string, string> } = {},
): Promise<string> {
  const r = await p.call('POST', '/v1/{project_id}/digital-assets', { body, ...opts });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.asset_id as string;
}

export async function createFile(
  p: TestPlatform,
  f: { assetId: string; name: string; bytes: Buffer; category?: string; fileType?: string },
  as?: Tenant,
): Promise<CallResult> {
  return p.call('POST', '/v1/{project_id}/files', {
    as,
    body: {
      file_name: f.name,
      file_md5: md5b64(f.bytes),
      file_size: f.bytes.length,
      asset_id: f.assetId,
      asset_file_category: f.category ?? 'MAIN',
      ...(f.fileType && { file_type: f.fileType }),
    },
  });
}

export function putBytes(
  p: TestPlatform,
  url: string,
  bytes: Buffer,
  contentType?: string,
): Promise<CallResult> {
  return p.fetchUrl('PUT', url, {
    body: bytes,
    headers: {
      'content-md5': md5b64(bytes),
      'content-type': contentType ?? 'application/octet-stream',
    },
  });
}

export function confirm(
  p: TestPlatform,
  fileId: string,
  state = 'CREATED',
  as?: Tenant,
): Promise<CallResult> {
  return p.call('POST', `/v1/{project_id}/files/${fileId}/complete`, { body: { state }, as });
}

/** CreateFile → PUT → ConfirmFileUpload CREATED; returns the file id. */
export async function upload(
  p: TestPlatform,
  f: { assetId: string; name: string; bytes: Buffer; category?: string; contentType?: string },
): Promise<string> {
  const c = await createFile(p, f);
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const put = await putBytes(p, c.body.upload_url, f.bytes, f.contentType);
  assert.equal(put.status, 200, put.raw.toString());
  const done = await confirm(p, c.body.file_id);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return c.body.file_id as string;
}

/** The asset row once it leaves `CREATING` (or reaches one of `states`), polled with a deadline. */
export async function waitForAsset(
  p: TestPlatform,
  assetId: string,
  opts: { states?: string[]; timeoutMs?: number; projectId?: string } = {},
) {
  const states = opts.states ?? ['ACTIVED', 'FAILED'];
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const row = await p.deps.database.db
      .selectFrom('assets')
      .selectAll()
      .where('project_id', '=', opts.projectId ?? p.tenant.projectId)
      .where('asset_id', '=', assetId)
      .executeTakeFirstOrThrow();
    if (states.includes(row.asset_state)) return row;
    if (Date.now() > deadline) assert.fail(`asset ${assetId} still ${row.asset_state} after the deadline`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function filesOf(p: TestPlatform, assetId: string, projectId = p.tenant.projectId) {
  return p.deps.database.db
    .selectFrom('asset_files')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('asset_id', '=', assetId)
    .orderBy('created_at')
    .execute();
}

/** Waits until no inspection job of this project is queued or running. */
export async function jobsSettled(p: TestPlatform, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await p.deps.database.db
      .selectFrom('jobs')
      .select('id')
      .where('task', '=', 'assets.inspect')
      .where('state', 'in', ['queued', 'running'])
      .execute();
    if (open.length === 0) return;
    if (Date.now() > deadline) assert.fail('inspection jobs did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
}
