// All SQL for live_platforms, every query scoped by project.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { LivePlatformsTable } from '../../core/db/schema.ts';

export type PlatformRow = Selectable<LivePlatformsTable>;
export type NewPlatform = Insertable<LivePlatformsTable>;
export type PlatformPatch = Updateable<LivePlatformsTable>;

export class PlatformsRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewPlatform): Promise<void> {
    await this.db.insertInto('live_platforms').values(row).execute();
  }

  get(
    projectId: string,
    platformId: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<PlatformRow | undefined> {
    let q = this.db
      .selectFrom('live_platforms')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('platform_id', '=', platformId);
    if (opts.forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async update(projectId: string, platformId: string, patch: PlatformPatch): Promise<void> {
    await this.db
      .updateTable('live_platforms')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('platform_id', '=', platformId)
      .execute();
  }

  async delete(projectId: string, platformId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('live_platforms')
      .where('project_id', '=', projectId)
      .where('platform_id', '=', platformId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** One page in creation order; `accessTypes` empty means all. */
  page(
    projectId: string,
    spec: { offset: number; limit: number; accessTypes: string[] },
  ): Promise<PlatformRow[]> {
    let q = this.db.selectFrom('live_platforms').selectAll().where('project_id', '=', projectId);
    if (spec.accessTypes.length) q = q.where('access_type', 'in', spec.accessTypes);
    return q.orderBy('create_time').orderBy('platform_id').offset(spec.offset).limit(spec.limit).execute();
  }
}
