// The asset lifecycle's jobs. Payloads carry ids; every handler reloads the rows and is
// safe to run again after a crash:
//   assets.delete-objects     removes a DELETED asset's objects (prefix delete: idempotent)
//   assets.purge-recycle-bin  hourly: recycle-bin entries older than 7 days → DELETED
//   assets.replicate          copies a replicated asset's files (derived ids: idempotent)
import { isAppError } from '../../core/errors/index.ts';
import { type GiveUpContext, NOTHING_TO_END, type TaskHelpers } from '../../core/jobs/index.ts';
import type { ModuleDeps, TaskDefinition } from '../types.ts';
import { copiedFileId, REPLICABLE_STATES, type ReplicateJob } from './assets.replication.ts';
import { type AssetRow, AssetsRepo, READABLE_FILE_STATES } from './assets.repo.ts';
import { purgeCutoff } from './assets.rules.ts';
import { type AssetsService, AssetTasks, assetObjectPrefix } from './assets.service.ts';
import { meterStored } from './assets.usage.ts';
import { FilesRepo } from './files.repo.ts';
import { objectKeyFor } from './files.rules.ts';

export const PURGE_EVERY_MS = 3600 * 1000;
const PURGE_BATCH = 100;

interface AssetRef {
  projectId: string;
  assetId: string;
}

export function assetTasks(deps: ModuleDeps, svc: AssetsService): TaskDefinition[] {
  const def = <P>(
    name: string,
    handler: (p: P, h: TaskHelpers) => Promise<void>,
    onGiveUp: TaskDefinition['spec']['onGiveUp'],
  ): TaskDefinition => ({
    name,
    spec: { onGiveUp },
    handler: handler as TaskDefinition['handler'],
  });
  return [
    def<AssetRef>(
      AssetTasks.deleteObjects,
      async ({ projectId, assetId }, h) => {
        const row = await new AssetsRepo(deps.db).get(projectId, assetId);
        // Only a tombstone's bytes go; anything else means the job is stale.
        if (row && row.asset_state !== 'DELETED') {
          h.logger.warn({ projectId, assetId, state: row.asset_state }, 'asset is not DELETED; objects kept');
          return;
        }
        await deps.objects.deletePrefix(assetObjectPrefix(projectId, assetId));
        // The asset is already DELETED; its bytes stay until an operator removes them.
      },
      NOTHING_TO_END,
    ),
    def<Record<string, never>>(
      AssetTasks.purge,
      async (_p, h) => {
        const n = await purgeRecycleBin(svc, deps.db, deps.clock.now(), h.signal);
        if (n > 0) h.logger.info({ purged: n }, 'recycle bin purged');
        // A schedule: the next hour's run picks up what this one left.
      },
      NOTHING_TO_END,
    ),
    def<ReplicateJob>(
      AssetTasks.replicate,
      (job, h) => replicate(deps, job, h),
      async (job: ReplicateJob, ctx: GiveUpContext) => {
        if (awaitingCopy(await new AssetsRepo(deps.db).get(job.projectId, job.assetId)))
          await finishCopy(deps, job, {
            state: 'FAILED',
            reason: `copying the files failed: ${ctx.message}`,
          });
      },
    ),
  ];
}

/**
 * Finalises every recycle-bin entry deleted more than 7 days before `now`: the asset and
 * its files become DELETED and their objects are removed. Returns how many.
 */
export async function purgeRecycleBin(
  svc: AssetsService,
  db: ModuleDeps['db'],
  now: Date,
  signal?: AbortSignal,
): Promise<number> {
  const cutoff = purgeCutoff(now);
  let purged = 0;
  for (;;) {
    signal?.throwIfAborted();
    const due = await new AssetsRepo(db).purgeDue(cutoff, PURGE_BATCH);
    if (due.length === 0) return purged;
    for (const { project_id: projectId, asset_id: assetId } of due) {
      const done = await svc.tx(async (repo, trx) => {
        const row = await repo.get(projectId, assetId, { forUpdate: true });
        // Restored (or finalised) since the scan: leave it.
        if (row?.asset_state !== 'DELETING' || !row.deleted_at || row.deleted_at >= cutoff) return false;
        await svc.finalizeDeletion(repo, trx, projectId, assetId);
        return true;
      });
      if (done) {
        await svc.deleteObjectsNow(projectId, assetId);
        purged++;
      }
    }
  }
}

/** Whether the copy target still waits for its files (also while it sits in the recycle bin). */
const awaitingCopy = (t: AssetRow | undefined): t is AssetRow =>
  t?.asset_state === 'CREATING' || (t?.asset_state === 'DELETING' && t.state_before_delete === 'CREATING');

interface CopyOutcome {
  state: string;
  reason?: string;
  meta?: Record<string, unknown>;
}

/** Ends a copy target: its state, or (in the recycle bin) the state a restore brings back. */
async function finishCopy(deps: ModuleDeps, job: ReplicateJob, patch: CopyOutcome): Promise<void> {
  const repo = new AssetsRepo(deps.db);
  const now = deps.clock.now();
  const moved = await repo.setStateFrom(job.projectId, job.assetId, ['CREATING'], {
    asset_state: patch.state,
    reason: patch.reason ?? null,
    ...(patch.meta && { asset_extra_meta: JSON.stringify(patch.meta) }),
    update_time: now,
  });
  if (!moved) {
    await repo.setStateFrom(job.projectId, job.assetId, ['DELETING'], {
      state_before_delete: patch.state,
      reason: patch.reason ?? null,
      update_time: now,
    });
  }
}

async function replicate(deps: ModuleDeps, job: ReplicateJob, h: TaskHelpers): Promise<void> {
  const repo = new AssetsRepo(deps.db);
  const target = await repo.get(job.projectId, job.assetId);
  if (!awaitingCopy(target)) return;

  const finish = (patch: CopyOutcome) => finishCopy(deps, job, patch);

  const source = await repo.get(job.sourceProjectId, job.sourceAssetId);
  if (!source || !(REPLICABLE_STATES as readonly string[]).includes(source.asset_state)) {
    return finish({ state: 'FAILED', reason: `the source asset is ${source?.asset_state ?? 'gone'}` });
  }
  try {
    const files = (await repo.filesOf(job.sourceProjectId, [job.sourceAssetId])).filter((f) =>
      (READABLE_FILE_STATES as readonly string[]).includes(f.state),
    );
    for (const f of files) {
      h.signal.throwIfAborted();
      const fileId = copiedFileId(job.assetId, f.file_id);
      const key = objectKeyFor(job.projectId, job.assetId, fileId, f.file_name);
      try {
        await deps.objects.copy(f.object_key, key);
      } catch (e) {
        if (isAppError(e) && e.code === 'DOPPEL.1009') {
          return finish({ state: 'FAILED', reason: `the bytes of source file ${f.file_id} are missing` });
        }
        throw e;
      }
      const now = deps.clock.now();
      await deps.db.transaction().execute(async (trx) => {
        await new FilesRepo(trx).insertFileIfAbsent({
          projectId: job.projectId,
          fileId,
          assetId: job.assetId,
          fileName: f.file_name,
          fileMd5: f.file_md5,
          fileSize: f.file_size,
          fileType: f.file_type,
          category: f.asset_file_category,
          state: 'CREATED',
          objectKey: key,
          fileExtraMeta: f.file_extra_meta as Record<string, unknown> | null,
          now,
        });
        const stored = {
          projectId: job.projectId,
          fileId,
          size: Number(f.file_size),
          assetType: target.asset_type,
        };
        await meterStored(trx, stored, now);
      });
    }
  } catch (e) {
    if (h.job.attempts >= h.job.max_attempts && !h.signal.aborted) {
      await finish({ state: 'FAILED', reason: 'copying the files failed' });
    }
    throw e;
  }
  await finish({ state: source.asset_state, meta: source.asset_extra_meta });
  // Force-deleted while the bytes were being copied: do not leave them behind.
  const after = await repo.get(job.projectId, job.assetId);
  if (after?.asset_state === 'DELETED')
    await deps.objects.deletePrefix(assetObjectPrefix(job.projectId, job.assetId));
}
