// All SQL for usage_records and resource_packages, every query scoped by project.
import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { ResourcePackagesTable, UsageRecordsTable } from '../../core/db/schema.ts';
import type { ExpiryWindow } from './usage.rules.ts';

export type PackageRow = Selectable<ResourcePackagesTable>;
export type NewPackageRow = Insertable<ResourcePackagesTable>;
export type UsageRow = Selectable<UsageRecordsTable>;

export interface PackageFilter {
  sources?: string[];
  resourceTypes?: string[];
  businesses?: string[];
  resourceId?: string;
  orderId?: string;
  chargingModes?: string[];
  expiry?: ExpiryWindow;
  /** 0: not expired at `now`; 1: expired (frozen). */
  status?: number;
  /** A sub-resource type: Doppel's packages have none, so any value matches nothing. */
  subResource?: string;
  now: Date;
}

export class UsageRepo {
  constructor(private readonly db: Db) {}

  /** Inserts the record unless (metric, source) already has one; true when this call inserted it. */
  async insertRecord(row: Insertable<UsageRecordsTable>): Promise<boolean> {
    const r = await this.db
      .insertInto('usage_records')
      .values(row)
      .onConflict((oc) => oc.columns(['project_id', 'metric', 'source_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async setUnallocated(
    projectId: string,
    metric: string,
    sourceId: string,
    unallocated: number,
  ): Promise<void> {
    await this.db
      .updateTable('usage_records')
      .set({ unallocated })
      .where('project_id', '=', projectId)
      .where('metric', '=', metric)
      .where('source_id', '=', sourceId)
      .execute();
  }

  /** The project's packages of a metric that have not expired, soonest to expire first, locked. */
  livePackages(projectId: string, metric: string, now: Date, opts: { forUpdate?: boolean } = {}) {
    let q = this.db
      .selectFrom('resource_packages')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('metric', '=', metric)
      .where('expire_time', '>', now)
      .orderBy('expire_time', 'asc')
      .orderBy('create_time', 'asc')
      .orderBy('resource_id', 'asc');
    if (opts.forUpdate) q = q.forUpdate();
    return q.execute();
  }

  async addUsed(projectId: string, resourceId: string, delta: number): Promise<void> {
    await this.db
      .updateTable('resource_packages')
      .set((eb) => ({ used: eb('used', '+', delta) }))
      .where('project_id', '=', projectId)
      .where('resource_id', '=', resourceId)
      .execute();
  }

  async insertPackages(rows: NewPackageRow[]): Promise<void> {
    if (rows.length) await this.db.insertInto('resource_packages').values(rows).execute();
  }

  private filtered(projectId: string, f: PackageFilter) {
    let q = this.db.selectFrom('resource_packages').where('project_id', '=', projectId);
    if (f.sources) q = q.where('resource_source', 'in', f.sources);
    if (f.resourceTypes) q = q.where('resource_type', 'in', f.resourceTypes);
    if (f.businesses) q = q.where('business_type', 'in', f.businesses);
    if (f.chargingModes) q = q.where('charging_mode', 'in', f.chargingModes as PackageRow['charging_mode'][]);
    if (f.resourceId !== undefined) q = q.where('resource_id', '=', f.resourceId);
    if (f.orderId !== undefined) q = q.where('order_id', '=', f.orderId);
    if (f.expiry?.from) q = q.where('expire_time', '>=', f.expiry.from);
    if (f.expiry?.to) q = q.where('expire_time', '<=', f.expiry.to);
    if (f.status === 0) q = q.where('expire_time', '>', f.now);
    if (f.status === 1) q = q.where('expire_time', '<=', f.now);
    if (f.subResource !== undefined) q = q.where((eb) => eb.val(false));
    return q;
  }

  page(projectId: string, f: PackageFilter, offset: number, limit: number): Promise<PackageRow[]> {
    return this.filtered(projectId, f)
      .selectAll()
      .orderBy('create_time', 'desc')
      .orderBy('resource_id', 'desc')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  async count(projectId: string, f: PackageFilter): Promise<number> {
    const r = await this.filtered(projectId, f)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Package counts per (business, charging mode, source). */
  async countsBy(projectId: string, f: PackageFilter) {
    const rows = await this.filtered(projectId, f)
      .select(['business_type', 'charging_mode', 'resource_source'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .groupBy(['business_type', 'charging_mode', 'resource_source'])
      .orderBy('business_type')
      .orderBy('charging_mode')
      .orderBy('resource_source')
      .execute();
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /** Every package matching the filter (ShowResourceUsage sums them; a tenant has few). */
  all(projectId: string, f: PackageFilter): Promise<PackageRow[]> {
    return this.filtered(projectId, f).selectAll().orderBy('create_time').execute();
  }

  /** What no package covered, per metric (pay-per-use). */
  async unallocatedByMetric(projectId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('usage_records')
      .select('metric')
      .select((eb) => eb.fn.sum<number>('unallocated').as('total'))
      .where('project_id', '=', projectId)
      .groupBy('metric')
      .execute();
    return new Map(rows.map((r) => [r.metric, Number(r.total)]));
  }

  /** One record (tests and callers that check what was metered). */
  getRecord(projectId: string, metric: string, sourceId: string): Promise<UsageRow | undefined> {
    return this.db
      .selectFrom('usage_records')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('metric', '=', metric)
      .where('source_id', '=', sourceId)
      .executeTakeFirst();
  }
}
