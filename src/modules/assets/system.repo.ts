// SQL for seeding the system assets: upserts under the reserved system project that write
// only when something differs, so every process may run them at start, concurrently.
import { sql } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import { SYSTEM_PROJECT_ID, type SystemPropertyRow } from '../../core/db/schema.ts';

export interface SystemAssetRow {
  assetId: string;
  name: string;
  description: string;
  type: string;
  tags: string[];
  systemProperties: SystemPropertyRow[];
  extraMeta: Record<string, unknown>;
}

export interface SystemFileRow {
  assetId: string;
  fileId: string;
  fileName: string;
  fileType: string;
  md5: string;
  size: number;
  objectKey: string;
  /** MAIN unless told (a system avatar's preview is its COVER). */
  category?: 'MAIN' | 'COVER';
}

export class SystemAssetsRepo {
  constructor(private readonly db: Db) {}

  /** True when the row was inserted or changed. */
  async upsertAsset(a: SystemAssetRow, now: Date): Promise<boolean> {
    const r = await this.db
      .insertInto('assets')
      .values({
        project_id: SYSTEM_PROJECT_ID,
        asset_id: a.assetId,
        asset_source: 'SYSTEM',
        asset_name: a.name,
        asset_description: a.description,
        asset_type: a.type,
        asset_state: 'ACTIVED',
        state_before_delete: null,
        deleted_at: null,
        fail_type: null,
        reason: null,
        block_reason_code: null,
        app_user_id: null,
        produce_id: null,
        tags: a.tags,
        system_properties: JSON.stringify(a.systemProperties),
        asset_extra_meta: JSON.stringify(a.extraMeta),
        shared_config: null,
        review_config: null,
        auto_operation_config: null,
        asset_order: null,
        create_time: now,
        update_time: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['project_id', 'asset_id'])
          .doUpdateSet((eb) => ({
            asset_name: eb.ref('excluded.asset_name'),
            asset_description: eb.ref('excluded.asset_description'),
            asset_type: eb.ref('excluded.asset_type'),
            asset_state: eb.ref('excluded.asset_state'),
            tags: eb.ref('excluded.tags'),
            system_properties: eb.ref('excluded.system_properties'),
            asset_extra_meta: eb.ref('excluded.asset_extra_meta'),
            update_time: eb.ref('excluded.update_time'),
          }))
          .where(
            sql<boolean>`(assets.asset_name, assets.asset_description, assets.asset_type, assets.asset_state,
              assets.tags, assets.system_properties, assets.asset_extra_meta)
              IS DISTINCT FROM (excluded.asset_name, excluded.asset_description, excluded.asset_type,
              excluded.asset_state, excluded.tags, excluded.system_properties, excluded.asset_extra_meta)`,
          ),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async upsertFile(f: SystemFileRow, now: Date): Promise<boolean> {
    const r = await this.db
      .insertInto('asset_files')
      .values({
        project_id: SYSTEM_PROJECT_ID,
        file_id: f.fileId,
        asset_id: f.assetId,
        file_name: f.fileName,
        file_md5: f.md5,
        file_size: f.size,
        file_type: f.fileType,
        asset_file_category: f.category ?? 'MAIN',
        state: 'CREATED',
        reason: null,
        block_reason_code: null,
        object_key: f.objectKey,
        upload_id: null,
        part_count: null,
        file_extra_meta: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['project_id', 'file_id'])
          .doUpdateSet((eb) => ({
            file_name: eb.ref('excluded.file_name'),
            file_md5: eb.ref('excluded.file_md5'),
            file_size: eb.ref('excluded.file_size'),
            file_type: eb.ref('excluded.file_type'),
            state: eb.ref('excluded.state'),
            object_key: eb.ref('excluded.object_key'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where(
            sql<boolean>`(asset_files.file_name, asset_files.file_md5, asset_files.file_size,
              asset_files.file_type, asset_files.state, asset_files.object_key)
              IS DISTINCT FROM (excluded.file_name, excluded.file_md5, excluded.file_size,
              excluded.file_type, excluded.state, excluded.object_key)`,
          ),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
}
