// Shortcuts for asset tests: rows the upload flow or the system seeding would make, written
// directly, so asset suites do not depend on the file operations they do not test.
import { createHash, randomUUID } from 'node:crypto';
import { SYSTEM_PROJECT_ID } from '../../src/core/db/schema.ts';
import { newId } from '../../src/core/util/ids.ts';
import type { TestPlatform } from './platform.ts';

/** Puts `bytes` in the store under the asset's prefix and records a CREATED file row. */
export async function insertFileRow(
  p: TestPlatform,
  projectId: string,
  assetId: string,
  f: { name: string; bytes: Buffer; category?: string },
): Promise<{ fileId: string; objectKey: string }> {
  const fileId = randomUUID();
  const objectKey = `assets/${projectId}/${assetId}/${fileId}/${f.name}`;
  await p.deps.objects.put(objectKey, f.bytes);
  const now = new Date();
  await p.deps.database.db
    .insertInto('asset_files')
    .values({
      project_id: projectId,
      file_id: fileId,
      asset_id: assetId,
      file_name: f.name,
      file_md5: createHash('md5').update(f.bytes).digest('base64'),
      file_size: f.bytes.length,
      file_type: f.name.split('.').pop() ?? 'bin',
      asset_file_category: f.category ?? 'MAIN',
      state: 'CREATED',
      reason: null,
      block_reason_code: null,
      object_key: objectKey,
      upload_id: null,
      part_count: null,
      file_extra_meta: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { fileId, objectKey };
}

/**
 * Writes an asset row directly, for asset kinds a tenant cannot create through the API
 * (system assets, HUMAN_MODEL_2D models, voices mapped to a test engine).
 */
export async function insertAsset(
  p: TestPlatform,
  a: {
    name: string;
    type: string;
    /** Owner; the system project (asset_source SYSTEM) when absent. */
    projectId?: string;
    state?: string;
    tags?: string[];
    extraMeta?: Record<string, unknown>;
  },
): Promise<string> {
  const id = newId();
  const now = new Date();
  const system = a.projectId === undefined;
  await p.deps.database.db
    .insertInto('assets')
    .values({
      project_id: a.projectId ?? SYSTEM_PROJECT_ID,
      asset_id: id,
      asset_source: system ? 'SYSTEM' : 'CUSTOMIZATION',
      asset_name: a.name,
      asset_type: a.type,
      asset_state: a.state ?? 'ACTIVED',
      state_before_delete: null,
      deleted_at: null,
      fail_type: null,
      reason: null,
      block_reason_code: null,
      app_user_id: null,
      produce_id: null,
      tags: a.tags ?? [],
      system_properties: '[]',
      asset_extra_meta: JSON.stringify(a.extraMeta ?? {}),
      shared_config: null,
      review_config: null,
      auto_operation_config: null,
      asset_order: null,
      create_time: now,
      update_time: now,
    })
    .execute();
  return id;
}

/** A live system asset (asset_source SYSTEM), as the seeding would make one. */
export const insertSystemAsset = (
  p: TestPlatform,
  a: { name: string; type: string; state?: string; tags?: string[] },
): Promise<string> => insertAsset(p, a);

/** Polls `probe` until it returns a value, failing after `ms`. */
export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
