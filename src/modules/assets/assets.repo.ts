// All SQL for assets, asset_shares and asset_counts, plus the few reads and writes of
// asset_files the asset lifecycle needs (listing an asset's files, retiring them, copying
// them). Constructed on the database or on a transaction; every method takes the project
// first and every query is scoped by it. The one exception is purgeDue(): the recycle-bin
// purge is a system task that looks across projects, then acts per project.
import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import { type AssetFilesTable, type AssetsTable, SYSTEM_PROJECT_ID } from '../../core/db/schema.ts';
import { isUniqueViolation } from '../../core/db/sql-helpers.ts';
import { countableFromCounters, type ListSpec, listCondition, projectsOf } from './assets.list.ts';
import { GONE_STATES } from './assets.rules.ts';

export type AssetRow = Selectable<AssetsTable>;
export type AssetFileRow = Selectable<AssetFilesTable>;
export type NewAsset = Insertable<AssetsTable>;
export type AssetPatch = Updateable<AssetsTable>;

/** How the caller reaches an asset: it owns it, it is a system asset, or it is shared with it. */
export type Access = 'own' | 'system' | 'shared';
export type VisibleAsset = AssetRow & { access: Access };

/** The partial unique index behind MSS.10001005 (pg names it; PGlite puts it in the message). */
export const isNameViolation = (e: unknown): boolean => {
  const err = e as { constraint?: unknown; message?: unknown };
  return isUniqueViolation(e) && `${err.constraint ?? ''} ${err.message ?? ''}`.includes('assets_name_uniq');
};

/** File states whose bytes are there and readable. */
export const READABLE_FILE_STATES = ['CREATED', 'UPLOADED', 'REVIEW'] as const;

export class AssetsRepo {
  constructor(private readonly db: Db) {}

  // ── assets ────────────────────────────────────────────────────────────────

  async insert(row: NewAsset): Promise<void> {
    await this.db.insertInto('assets').values(row).execute();
  }

  /** The caller's own asset in any state (DELETED tombstones included). */
  get(projectId: string, assetId: string, opts: { forUpdate?: boolean } = {}): Promise<AssetRow | undefined> {
    let q = this.db
      .selectFrom('assets')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId);
    if (opts.forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /**
   * The assets with these ids that `projectId` can see: its own (any state), live system
   * assets, and live assets shared with it and not expired. Own rows are looked up first
   * (the common case, one primary-key query); only ids not found there cost a second
   * round trip, in which each branch is a primary-key or sharee-index lookup.
   */
  async visible(projectId: string, assetIds: readonly string[], now: Date): Promise<VisibleAsset[]> {
    if (assetIds.length === 0) return [];
    const ids = [...assetIds];
    // One round trip for the three kinds of access (a ShowAsset of a system avatar used to
    // take two); an id the project owns is answered from its own row alone, as before.
    const own = this.db
      .selectFrom('assets')
      .selectAll()
      .select(sql<Access>`'own'`.as('access'))
      .where('project_id', '=', projectId)
      .where('asset_id', 'in', ids);
    const system = this.db
      .selectFrom('assets')
      .selectAll()
      .select(sql<Access>`'system'`.as('access'))
      .where('project_id', '=', SYSTEM_PROJECT_ID)
      .where('asset_id', 'in', ids)
      .where('asset_state', 'not in', [...GONE_STATES]);
    const shared = this.db
      .selectFrom('asset_shares as s')
      .innerJoin('assets', (j) =>
        j.onRef('assets.project_id', '=', 's.project_id').onRef('assets.asset_id', '=', 's.asset_id'),
      )
      .selectAll('assets')
      .select(sql<Access>`'shared'`.as('access'))
      .where('s.sharee_project_id', '=', projectId)
      .where('s.asset_id', 'in', ids)
      .where((eb) => eb.or([eb('s.expires_at', 'is', null), eb('s.expires_at', '>', now)]))
      .where('assets.asset_state', 'not in', [...GONE_STATES]);
    const rows = (await own.unionAll(system).unionAll(shared).execute()) as VisibleAsset[];
    // An id is one asset: the project's own row wins, then a system row, then a share.
    const rank: Record<Access, number> = { own: 0, system: 1, shared: 2 };
    const byId = new Map<string, VisibleAsset>();
    for (const r of rows) {
      const had = byId.get(r.asset_id);
      if (!had || rank[r.access] < rank[had.access]) byId.set(r.asset_id, r);
    }
    const best = [...byId.values()];
    return [...best.filter((r) => r.access === 'own'), ...best.filter((r) => r.access !== 'own')];
  }

  async update(projectId: string, assetId: string, patch: AssetPatch): Promise<void> {
    await this.db
      .updateTable('assets')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .execute();
  }

  /** Whether a live asset of the type already has this name (names are unique per type: MSS.10001005). */
  async nameTaken(projectId: string, assetType: string, name: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('assets')
      .select('asset_id')
      .where('project_id', '=', projectId)
      .where('asset_type', '=', assetType)
      .where('asset_name', '=', name)
      .where('asset_state', 'not in', [...GONE_STATES])
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Sets the state only while the asset is in one of `from`; false when it was not. */
  async setStateFrom(
    projectId: string,
    assetId: string,
    from: readonly string[],
    patch: AssetPatch,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('assets')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .where('asset_state', 'in', [...from])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  // ── lists ─────────────────────────────────────────────────────────────────

  /**
   * One page of the list (the query itself is exposed for EXPLAIN in the benchmark). A list
   * over two projects (asset_source=ALL) pages each project through its own index, at
   * most offset+limit rows each, and merges them: one `project_id IN (…)` scan would sort
   * every row of the caller's project instead.
   */
  pageQuery(projectId: string, spec: ListSpec, now: Date) {
    const dir = spec.sortDir;
    const branch = (only?: string) =>
      this.db
        .selectFrom('assets')
        .selectAll()
        .where((eb) => listCondition(eb, spec, projectId, now, only))
        .orderBy(spec.sortKey, dir)
        .orderBy('asset_id', dir);
    const projects = projectsOf(spec, projectId);
    if (projects.length < 2) return branch().offset(spec.offset).limit(spec.limit);
    const head = spec.offset + spec.limit;
    const [first, ...more] = projects.map((p, i) =>
      this.db.selectFrom(branch(p).limit(head).as(`p${i}`)).selectAll(),
    );
    const union = more.reduce((u, q) => u.unionAll(q), first!);
    return this.db
      .selectFrom(union.as('u'))
      .selectAll()
      .orderBy(spec.sortKey, dir)
      .orderBy('asset_id', dir)
      .offset(spec.offset)
      .limit(spec.limit);
  }

  page(projectId: string, spec: ListSpec, now: Date): Promise<AssetRow[]> {
    return this.pageQuery(projectId, spec, now).execute();
  }

  /** The list's total: summed from asset_counts when the spec allows, else counted. */
  countQuery(projectId: string, spec: ListSpec, now: Date) {
    if (countableFromCounters(spec)) {
      let q = this.db
        .selectFrom('asset_counts')
        .select(sql<number>`coalesce(sum(n), 0)::int8`.as('n'))
        .where('project_id', 'in', projectsOf(spec, projectId));
      if (spec.types) q = q.where('asset_type', 'in', spec.types);
      return spec.states
        ? q.where('asset_state', 'in', spec.states)
        : q.where('asset_state', 'not in', [...GONE_STATES]);
    }
    return this.db
      .selectFrom('assets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => listCondition(eb, spec, projectId, now));
  }

  async count(projectId: string, spec: ListSpec, now: Date): Promise<number> {
    return Number((await this.countQuery(projectId, spec, now).executeTakeFirstOrThrow()).n);
  }

  // ── sharing ───────────────────────────────────────────────────────────────

  async addShares(projectId: string, assetId: string, sharees: readonly string[], expiresAt: Date | null) {
    if (sharees.length === 0) return;
    await this.db
      .insertInto('asset_shares')
      .values(
        sharees.map((s) => ({
          project_id: projectId,
          asset_id: assetId,
          sharee_project_id: s,
          expires_at: expiresAt,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['project_id', 'asset_id', 'sharee_project_id']).doUpdateSet({ expires_at: expiresAt }),
      )
      .execute();
  }

  /** Removes the given sharees, or every share of the asset. */
  async removeShares(projectId: string, assetId: string, sharees: readonly string[] | 'all'): Promise<void> {
    if (sharees !== 'all' && sharees.length === 0) return;
    let q = this.db
      .deleteFrom('asset_shares')
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId);
    if (sharees !== 'all') q = q.where('sharee_project_id', 'in', [...sharees]);
    await q.execute();
  }

  async sharees(projectId: string, assetId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('asset_shares')
      .select('sharee_project_id')
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .orderBy('sharee_project_id')
      .execute();
    return rows.map((r) => r.sharee_project_id);
  }

  // ── files ─────────────────────────────────────────────────────────────────

  /** The files of these assets (of one project) that are not DELETED, oldest first. */
  filesOf(projectId: string, assetIds: readonly string[]): Promise<AssetFileRow[]> {
    if (assetIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('asset_files')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('asset_id', 'in', [...assetIds])
      .where('state', '!=', 'DELETED')
      .orderBy('created_at')
      .orderBy('file_id')
      .execute();
  }

  /** Marks the asset's files DELETED; returns those that were CREATED (their storage is released). */
  async retireFiles(
    projectId: string,
    assetId: string,
    now: Date,
  ): Promise<Array<{ file_id: string; file_size: number; asset_type: string }>> {
    const stored = await this.db
      .selectFrom('asset_files')
      .innerJoin('assets', (j) =>
        j
          .onRef('assets.project_id', '=', 'asset_files.project_id')
          .onRef('assets.asset_id', '=', 'asset_files.asset_id'),
      )
      .select(['asset_files.file_id', 'asset_files.file_size', 'assets.asset_type'])
      .where('asset_files.project_id', '=', projectId)
      .where('asset_files.asset_id', '=', assetId)
      .where('asset_files.state', '=', 'CREATED')
      .execute();
    await this.db
      .updateTable('asset_files')
      .set({ state: 'DELETED', updated_at: now })
      .where('project_id', '=', projectId)
      .where('asset_id', '=', assetId)
      .where('state', '!=', 'DELETED')
      .execute();
    return stored.map((f) => ({ ...f, file_size: Number(f.file_size) }));
  }

  // ── recycle bin ───────────────────────────────────────────────────────────

  /** Recycle-bin entries deleted before `cutoff`, across projects (the purge task only). */
  purgeDue(cutoff: Date, limit: number): Promise<Array<{ project_id: string; asset_id: string }>> {
    return this.db
      .selectFrom('assets')
      .select(['project_id', 'asset_id'])
      .where('asset_state', '=', 'DELETING')
      .where('deleted_at', '<', cutoff)
      .orderBy('deleted_at')
      .limit(limit)
      .execute();
  }
}
