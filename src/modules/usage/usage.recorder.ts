// The one way billable work records what it used, and the quota check before work starts.
//
//   await recordUsage(trx, { projectId, metric: 'video_seconds', sourceId: jobId,
//                            quantity: seconds, dimension: '1280x720' }, now);
//
// Call it on the transaction that commits the work's result (the job's SUCCEED, the file's
// CREATED), so the usage exists exactly when the result does. (project, metric, sourceId) is
// the idempotency key: a job killed after its commit and run again, or two racing confirms,
// record once. The quantity is spread over the tenant's live packages of that metric
// (soonest to expire first); what none covers is pay-per-use (ON_DEMAND in ShowResourceUsage).
//
//   await checkQuota(db, quotas, { projectId, metric: 'video_seconds' }, now);
//
// Call it in a create operation before anything is written: with DOPPEL_QUOTAS=enforce it
// throws MSS.20050039 unless a live package of the metric has quota left (at least `need`).
import type { Db } from '../../core/db/index.ts';
import { METRICS, type UsageMetric } from './usage.catalog.ts';
import { UsageErrors } from './usage.errors.ts';
import { UsageRepo } from './usage.repo.ts';
import { allocate } from './usage.rules.ts';

export type QuotaMode = 'off' | 'enforce';

export interface UsageEntry {
  projectId: string;
  metric: UsageMetric;
  /** The piece of work (a job id, a file id); with the metric, the idempotency key. */
  sourceId: string;
  /** In the metric's base unit (usage.catalog.ts); negative releases (storage of a deleted file). */
  quantity: number;
  /** A breakdown: the output resolution for video seconds, the asset type for storage bytes. */
  dimension?: string;
}

/** Records `entry` once; true when this call recorded it (false: already there, or nothing to record). */
export async function recordUsage(trx: Db, entry: UsageEntry, now: Date): Promise<boolean> {
  if (!Number.isFinite(entry.quantity) || entry.quantity === 0) return false;
  const repo = new UsageRepo(trx);
  const inserted = await repo.insertRecord({
    project_id: entry.projectId,
    metric: entry.metric,
    source_id: entry.sourceId,
    dimension: entry.dimension ?? '',
    quantity: entry.quantity,
    unallocated: entry.quantity,
    recorded_at: now,
  });
  if (!inserted) return false;
  const packages = await repo.livePackages(entry.projectId, entry.metric, now, { forUpdate: true });
  if (packages.length === 0) return true;
  const plan = allocate(
    packages.map((p) => ({ resourceId: p.resource_id, quota: p.quota, used: p.used })),
    entry.quantity,
  );
  for (const d of plan.deltas) await repo.addUsed(entry.projectId, d.resourceId, d.delta);
  if (plan.unallocated !== entry.quantity)
    await repo.setUnallocated(entry.projectId, entry.metric, entry.sourceId, plan.unallocated);
  return true;
}

/** Refuses work when quotas are enforced and no live package of the metric has enough left. */
export async function checkQuota(
  db: Db,
  mode: QuotaMode,
  q: { projectId: string; metric: UsageMetric; need?: number },
  now: Date,
): Promise<void> {
  if (mode !== 'enforce') return;
  const packages = await new UsageRepo(db).livePackages(q.projectId, q.metric, now);
  const left = packages.reduce((n, p) => n + Math.max(0, p.quota - p.used), 0);
  const need = q.need ?? 0;
  if (left > 0 && left >= need) return;
  const business = METRICS[q.metric].business;
  throw UsageErrors.quotaExhausted(
    business,
    packages.length === 0
      ? `the project has no live ${business} resource package`
      : `the ${business} resource packages have ${left} ${q.metric.replace(/_/g, ' ')} left${need ? ` (${need} needed)` : ''}`,
  );
}
