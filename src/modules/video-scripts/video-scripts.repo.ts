// All SQL for video_scripts, every query scoped by project; plus the one read-only look at
// assets a script needs (which referenced assets the project can see, and their types),
// through the asset module's own visibility rule.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { VideoScriptsTable } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';
import { AssetsRepo } from '../assets/assets.repo.ts';
import { isGone } from '../assets/assets.rules.ts';

export type ScriptRow = Selectable<VideoScriptsTable>;
export type NewScript = Insertable<VideoScriptsTable>;
export type ScriptPatch = Updateable<VideoScriptsTable>;

export interface ScriptListSpec {
  offset: number;
  limit: number;
  name?: string;
  catalog: 'VIDEO_DRAFT' | 'SYSTEM_VIDEO_TEMPLET';
  viewMode?: 'LANDSCAPE' | 'VERTICAL';
}

export class VideoScriptsRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewScript): Promise<void> {
    await this.db.insertInto('video_scripts').values(row).execute();
  }

  get(
    projectId: string,
    scriptId: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<ScriptRow | undefined> {
    let q = this.db
      .selectFrom('video_scripts')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('script_id', '=', scriptId);
    if (opts.forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async update(projectId: string, scriptId: string, patch: ScriptPatch): Promise<void> {
    await this.db
      .updateTable('video_scripts')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('script_id', '=', scriptId)
      .execute();
  }

  /** True when a row was deleted. */
  async delete(projectId: string, scriptId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('video_scripts')
      .where('project_id', '=', projectId)
      .where('script_id', '=', scriptId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  private filtered(projectId: string, spec: ScriptListSpec) {
    let q = this.db
      .selectFrom('video_scripts')
      .where('project_id', '=', projectId)
      .where('script_catalog', '=', spec.catalog);
    if (spec.name) q = q.where('script_name', 'ilike', likePattern(spec.name));
    if (spec.viewMode) q = q.where('view_mode', '=', spec.viewMode);
    return q;
  }

  /** One page, newest first (index video_scripts_list_idx). */
  page(projectId: string, spec: ScriptListSpec): Promise<ScriptRow[]> {
    return this.filtered(projectId, spec)
      .selectAll()
      .orderBy('create_time', 'desc')
      .orderBy('script_id', 'desc')
      .offset(spec.offset)
      .limit(spec.limit)
      .execute();
  }

  async count(projectId: string, spec: ScriptListSpec): Promise<number> {
    const r = await this.filtered(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** asset_id → asset_type of the live assets among `assetIds` that the project can see. */
  async visibleAssetTypes(
    projectId: string,
    assetIds: readonly string[],
    now: Date,
  ): Promise<Map<string, string>> {
    const rows = await new AssetsRepo(this.db).visible(projectId, [...new Set(assetIds)], now);
    return new Map(rows.filter((r) => !isGone(r.asset_state)).map((r) => [r.asset_id, r.asset_type]));
  }
}
