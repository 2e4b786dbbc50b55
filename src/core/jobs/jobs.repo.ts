// Every statement the queue runs. Each transition of a claimed job is guarded by the
// claim (id, locked_by, attempts): a worker that lost its lease, and so its job, to
// another worker can no longer write to that job's row.
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { GIVE_UP_ATTEMPTS, GIVE_UP_PRIORITY, GIVE_UP_SUFFIX } from './give-up.ts';
import { type JobRow, type JobState, UNFINISHED_STATES } from './jobs.table.ts';
import type { GiveUpReason } from './types.ts';

/** The NOTIFY channel of migrations/0002-jobs.sql. */
export const JOBS_CHANNEL = 'doppel_jobs';

/** Who holds a running job, and which run of it. */
export interface Claim {
  id: number;
  workerId: string;
  attempts: number;
}

export interface NewJob {
  task: string;
  queue: string;
  /** JSON text. */
  payload: string;
  projectId: string | null;
  jobKey: string | null;
  runAt: Date | null;
  priority: number;
  maxAttempts: number;
}

const secs = (ms: number) => Math.max(0, ms) / 1000;

/**
 * Inserts a job; with a job key, returns the unfinished job holding that key instead.
 * The partial unique index decides, so two racing enqueues cannot both insert.
 */
export async function insertJob(db: Db, job: NewJob): Promise<{ id: number; deduped: boolean }> {
  // A conflicting job can finish between the INSERT and the SELECT; then the key is free
  // again and the next round inserts.
  for (let round = 0; round < 5; round++) {
    const inserted = await sql<{ id: number }>`
      INSERT INTO jobs (project_id, queue, task, payload, job_key, priority, max_attempts, run_at)
      VALUES (${job.projectId}, ${job.queue}, ${job.task}, ${job.payload}::text::jsonb, ${job.jobKey},
              ${job.priority}, ${job.maxAttempts}, coalesce(${job.runAt}::timestamptz, now()))
      ON CONFLICT (job_key) WHERE job_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING
      RETURNING id`.execute(db);
    if (inserted.rows[0]) return { id: inserted.rows[0].id, deduped: false };
    const existing = await sql<{ id: number }>`
      SELECT id FROM jobs WHERE job_key = ${job.jobKey} AND state IN ('queued', 'running')`.execute(db);
    if (existing.rows[0]) return { id: existing.rows[0].id, deduped: true };
  }
  throw new Error(`could not enqueue job with key ${job.jobKey}: the key kept changing hands`);
}

/**
 * Claims up to `limit` runnable jobs of one queue, oldest first within priority. SKIP
 * LOCKED lets any number of workers claim side by side without waiting on each other.
 * Only tasks this worker has handlers for are taken; others wait for a worker that does.
 */
export async function claimJobs(
  db: Db,
  opts: { workerId: string; queue: string; tasks: string[]; limit: number; leaseMs: number },
): Promise<JobRow[]> {
  if (opts.limit <= 0 || opts.tasks.length === 0) return [];
  const { rows } = await sql<JobRow>`
    UPDATE jobs SET
      state = 'running',
      locked_by = ${opts.workerId},
      locked_until = now() + make_interval(secs => ${secs(opts.leaseMs)}),
      attempts = attempts + 1,
      updated_at = now()
    WHERE id IN (
      SELECT id FROM jobs
      WHERE state = 'queued' AND queue = ${opts.queue} AND task = ANY(${opts.tasks}) AND run_at <= now()
      ORDER BY priority, run_at, id
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING *`.execute(db);
  // RETURNING has no order of its own.
  return rows.sort((a, b) => a.priority - b.priority || +a.run_at - +b.run_at || a.id - b.id);
}

/**
 * Extends the lease of a job this worker still holds. Returns null when it no longer
 * does (the lease expired and the job was swept), else whether cancellation was asked.
 * updated_at is left alone: it dates the last change of state, not the last heartbeat.
 */
export async function extendLease(
  db: Db,
  claim: Claim,
  leaseMs: number,
): Promise<{ cancelRequested: boolean } | null> {
  const { rows } = await sql<{ cancel_requested_at: Date | null }>`
    UPDATE jobs SET locked_until = now() + make_interval(secs => ${secs(leaseMs)})
    WHERE id = ${claim.id} AND state = 'running' AND locked_by = ${claim.workerId} AND attempts = ${claim.attempts}
    RETURNING cancel_requested_at`.execute(db);
  return rows[0] ? { cancelRequested: rows[0].cancel_requested_at !== null } : null;
}

export type Outcome =
  | { state: 'succeeded' }
  | { state: 'failed'; error: string; reason: GiveUpReason }
  | { state: 'cancelled'; error?: string }
  | { state: 'queued'; error: string; delayMs: number };

/**
 * A CTE step that inserts the give-up job of every row of `ended` that ended failed (not for a
 * give-up job itself), in the statement that failed it: a job cannot end failed without one.
 */
const giveUpInsert = (reason: GiveUpReason) => sql`
  INSERT INTO jobs (project_id, queue, task, payload, job_key, priority, max_attempts)
  SELECT project_id, queue, task || ${GIVE_UP_SUFFIX},
         jsonb_build_object('jobId', id, 'reason', ${reason}::text),
         'give-up:' || id, ${GIVE_UP_PRIORITY}::int, ${GIVE_UP_ATTEMPTS}::int
  FROM ended
  WHERE state = 'failed' AND task NOT LIKE ${`%${GIVE_UP_SUFFIX}`}
  ON CONFLICT (job_key) WHERE job_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING`;

/**
 * Ends a run. A job whose cancellation was asked ends cancelled whatever its handler
 * did: a handler that honours its signal often just returns, indistinguishable from
 * finishing. A job that ends failed gets its give-up job in the same statement. Returns the
 * state written, or null when the claim was no longer held.
 */
export async function finishRun(db: Db, claim: Claim, outcome: Outcome): Promise<JobState | null> {
  const error = 'error' in outcome ? (outcome.error ?? null) : null;
  const delay = outcome.state === 'queued' ? secs(outcome.delayMs) : 0;
  const reason: GiveUpReason = outcome.state === 'failed' ? outcome.reason : 'attempts-exhausted';
  const { rows } = await sql<{ state: JobState }>`
    WITH ended AS (
    UPDATE jobs SET
      state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE ${outcome.state}::text END,
      finished_at = CASE WHEN cancel_requested_at IS NOT NULL OR ${outcome.state}::text <> 'queued' THEN now() END,
      run_at = CASE WHEN cancel_requested_at IS NULL AND ${outcome.state}::text = 'queued'
                    THEN now() + make_interval(secs => ${delay}) ELSE run_at END,
      last_error = coalesce(${error}::text, last_error),
      locked_by = NULL,
      locked_until = NULL,
      updated_at = now()
    WHERE id = ${claim.id} AND state = 'running' AND locked_by = ${claim.workerId} AND attempts = ${claim.attempts}
    RETURNING id, state, task, queue, project_id
    ), gave_up AS (${giveUpInsert(reason)})
    SELECT state FROM ended`.execute(db);
  return rows[0]?.state ?? null;
}

/** Puts a job back as it was before the claim (graceful shutdown): the attempt is not counted. */
export async function returnToQueue(db: Db, claim: Claim): Promise<JobState | null> {
  const { rows } = await sql<{ state: JobState }>`
    UPDATE jobs SET
      state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'queued' END,
      finished_at = CASE WHEN cancel_requested_at IS NOT NULL THEN now() END,
      attempts = attempts - 1,
      locked_by = NULL,
      locked_until = NULL,
      updated_at = now()
    WHERE id = ${claim.id} AND state = 'running' AND locked_by = ${claim.workerId} AND attempts = ${claim.attempts}
    RETURNING state`.execute(db);
  return rows[0]?.state ?? null;
}

/**
 * Asks a job to stop: a queued one is cancelled here, a running one keeps running until
 * its worker hears (NOTIFY from the trigger, or its next heartbeat). Returns the state
 * after the call, or null when the job does not exist or has already finished.
 */
export async function requestCancel(db: Db, id: number): Promise<'cancelled' | 'running' | null> {
  const { rows } = await sql<{ state: 'cancelled' | 'running' }>`
    UPDATE jobs SET
      state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
      finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END,
      cancel_requested_at = coalesce(cancel_requested_at, now()),
      updated_at = now()
    WHERE id = ${id} AND state IN ('queued', 'running')
    RETURNING state`.execute(db);
  return rows[0]?.state ?? null;
}

/**
 * Takes back jobs whose worker stopped heartbeating (killed, hung, partitioned): back to
 * the queue in their old place, or failed when that claim was their last attempt (with its
 * give-up job, in the same statement), or cancelled when cancellation was asked. The claim
 * that died already counted.
 */
export async function sweepExpiredLeases(
  db: Db,
  limit: number,
): Promise<Array<{ id: number; task: string; state: JobState; locked_by: string }>> {
  const { rows } = await sql<{ id: number; task: string; state: JobState; locked_by: string }>`
    WITH expired AS (
      SELECT id, locked_by FROM jobs
      WHERE state = 'running' AND locked_until < now()
      ORDER BY locked_until
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), ended AS (
    UPDATE jobs j SET
      state = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
                   WHEN j.attempts >= j.max_attempts THEN 'failed'
                   ELSE 'queued' END,
      finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL OR j.attempts >= j.max_attempts THEN now() END,
      last_error = 'lease expired: worker ' || j.locked_by || ' stopped heartbeating',
      locked_by = NULL,
      locked_until = NULL,
      updated_at = now()
    FROM expired
    WHERE j.id = expired.id
    RETURNING j.id, j.task, j.state, j.queue, j.project_id, expired.locked_by
    ), gave_up AS (${giveUpInsert('lease-expired')})
    SELECT id, task, state, locked_by FROM ended`.execute(db);
  return rows;
}

/** Task names of unfinished jobs, in the given queues or in all (the boot check). */
export async function unfinishedTasks(db: Db, queues?: string[]): Promise<string[]> {
  let q = db
    .selectFrom('jobs')
    .select('task')
    .distinct()
    .where('state', 'in', [...UNFINISHED_STATES]);
  if (queues) q = q.where('queue', 'in', queues.length ? queues : ['']);
  return (await q.execute()).map((r) => r.task);
}

export async function getJob(db: Db, id: number): Promise<JobRow | null> {
  return (await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}
