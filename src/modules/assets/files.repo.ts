// SQL for asset files and for the asset columns the file lifecycle moves (state, reason,
// probed meta). Constructed on the database or on a transaction; every call is scoped by
// project first.
import type { Selectable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { AssetFilesTable, AssetsTable } from '../../core/db/schema.ts';
import { AssetsRepo } from './assets.repo.ts';

export type FileRow = Selectable<AssetFilesTable>;

/** The asset columns the file operations read. */
export type AssetForFiles = Pick<
  Selectable<AssetsTable>,
  'asset_id' | 'asset_type' | 'asset_state' | 'is_need_generate_cover' | 'asset_extra_meta'
>;

export interface NewFile {
  projectId: string;
  fileId: string;
  assetId: string;
  fileName: string;
  fileMd5: string;
  fileSize: number;
  fileType: string;
  category: string;
  state: string;
  objectKey: string;
  uploadId?: string;
  partCount?: number;
  fileExtraMeta?: Record<string, unknown> | null;
  now: Date;
}

/** Which partial unique index a violation came from, as pg and PGlite report it. */
export function violatedConstraint(e: unknown): string {
  const err = e as { constraint?: unknown; message?: unknown; detail?: unknown };
  if (typeof err.constraint === 'string') return err.constraint;
  return `${String(err.message ?? '')} ${String(err.detail ?? '')}`;
}

export class FilesRepo {
  constructor(private readonly db: Db) {}

  findAsset(projectId: string, assetId: string): Promise<AssetForFiles | undefined> {
    return this.db
      .selectFrom('assets')
      .select(['asset_id', 'asset_type', 'asset_state', 'is_need_generate_cover', 'asset_extra_meta'])
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .executeTakeFirst();
  }

  findFile(projectId: string, fileId: string): Promise<FileRow | undefined> {
    return this.db
      .selectFrom('asset_files')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('file_id', '=', fileId)
      .executeTakeFirst();
  }

  /** The asset's file of `category` that holds its slot (MAIN/COVER), if any. */
  async liveFileOf(
    projectId: string,
    assetId: string,
    category: string,
    liveStates: readonly string[],
  ): Promise<FileRow | undefined> {
    return this.db
      .selectFrom('asset_files')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .where('asset_file_category', '=', category)
      .where('state', 'in', liveStates)
      .executeTakeFirst();
  }

  async insertFile(f: NewFile): Promise<void> {
    await this.db.insertInto('asset_files').values(toRow(f)).execute();
  }

  /** Inserts unless a file with this id exists; true when inserted. */
  async insertFileIfAbsent(f: NewFile): Promise<boolean> {
    const r = await this.db
      .insertInto('asset_files')
      .values(toRow(f))
      .onConflict((oc) => oc.columns(['project_id', 'file_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Records the files a job stored for an asset it made (its MAIN and COVER, already in the
   * object store) as CREATED, each once: a re-run of the job skips the rows it wrote before.
   */
  async insertStoredFiles({
    projectId,
    assetId,
    files,
    now,
  }: {
    projectId: string;
    assetId: string;
    now: Date;
    files: Array<{
      fileId: string;
      fileName: string;
      fileType: string;
      category: 'MAIN' | 'COVER';
      objectKey: string;
      meta: { md5: string; size: number };
    }>;
  }): Promise<void> {
    for (const f of files) {
      await this.insertFileIfAbsent({
        projectId,
        fileId: f.fileId,
        assetId,
        fileName: f.fileName,
        fileMd5: f.meta.md5,
        fileSize: f.meta.size,
        fileType: f.fileType,
        category: f.category,
        state: 'CREATED',
        objectKey: f.objectKey,
        now,
      });
    }
  }

  /** Moves a file out of one of `from` into `patch.state`; false when it was not in `from`. */
  async updateFile(
    projectId: string,
    fileId: string,
    from: readonly string[],
    patch: {
      state?: string;
      fileSize?: number;
      fileMd5?: string;
      reason?: string | null;
      fileExtraMeta?: Record<string, unknown>;
      now: Date;
    },
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('asset_files')
      .set({
        ...(patch.state !== undefined && { state: patch.state }),
        ...(patch.fileSize !== undefined && { file_size: patch.fileSize }),
        ...(patch.fileMd5 !== undefined && { file_md5: patch.fileMd5 }),
        ...(patch.reason !== undefined && { reason: patch.reason }),
        ...(patch.fileExtraMeta !== undefined && { file_extra_meta: JSON.stringify(patch.fileExtraMeta) }),
        updated_at: patch.now,
      })
      .where('project_id', '=', projectId)
      .where('file_id', '=', fileId)
      .where('state', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Removes the row; returns it (undefined when it was not there). */
  deleteFile(projectId: string, fileId: string): Promise<FileRow | undefined> {
    return this.db
      .deleteFrom('asset_files')
      .where('project_id', '=', projectId)
      .where('file_id', '=', fileId)
      .returningAll()
      .executeTakeFirst();
  }

  /** Moves an asset from one of `from` to `to` (the assets module's conditional update); false when it was in none of them. */
  setAssetState(
    projectId: string,
    assetId: string,
    from: readonly string[],
    to: { state: string; reason: string | null; extraMeta?: Record<string, unknown>; now: Date },
  ): Promise<boolean> {
    return new AssetsRepo(this.db).setStateFrom(projectId, assetId, from, {
      asset_state: to.state,
      reason: to.reason,
      fail_type: null,
      ...(to.extraMeta !== undefined && { asset_extra_meta: JSON.stringify(to.extraMeta) }),
      update_time: to.now,
    });
  }
}

function toRow(f: NewFile) {
  return {
    project_id: f.projectId,
    file_id: f.fileId,
    asset_id: f.assetId,
    file_name: f.fileName,
    file_md5: f.fileMd5,
    file_size: f.fileSize,
    file_type: f.fileType,
    asset_file_category: f.category,
    state: f.state,
    object_key: f.objectKey,
    upload_id: f.uploadId ?? null,
    part_count: f.partCount ?? null,
    reason: null,
    block_reason_code: null,
    file_extra_meta: f.fileExtraMeta ? JSON.stringify(f.fileExtraMeta) : null,
    created_at: f.now,
    updated_at: f.now,
  };
}
