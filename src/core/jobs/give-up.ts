// The give-up step. When the queue stops retrying a job (last attempt failed, a permanent
// error, or the lease of the last attempt expired), the same statement that marks the job
// failed inserts a give-up job `<task>#give-up` carrying the failed job's id. That job is an
// ordinary queued job: leased, retried, swept after a crash. Its runner calls the task's
// onGiveUp hook, which ends the resource (FAILED, error fields, callback). So a process that
// dies after the job failed, or during the hook, cannot leave the resource hanging.
import type { Db } from '../db/index.ts';
import type { JobRow } from './jobs.table.ts';
import type { GiveUpContext, GiveUpReason, Logger, TaskHandler, TaskSpec } from './types.ts';

/** Suffix of the give-up task of a task; a give-up job itself is never given up again. */
export const GIVE_UP_SUFFIX = '#give-up';
/** Tries of the give-up step: a hook meets the same database the job did, so a few suffice. */
export const GIVE_UP_ATTEMPTS = 10;
/** Give-up jobs go before fresh work of their queue. */
export const GIVE_UP_PRIORITY = -10;

export interface GiveUpPayload {
  jobId: number;
  reason: GiveUpReason;
}

/** The task a give-up task stands for, or undefined for an ordinary task. */
export function giveUpTaskOf(task: string): string | undefined {
  return task.endsWith(GIVE_UP_SUFFIX) ? task.slice(0, -GIVE_UP_SUFFIX.length) : undefined;
}

/** What the tenant reads in the resource's error message. */
export function giveUpMessage(reason: GiveUpReason, error: string | null, attempts: number): string {
  if (reason === 'lease-expired')
    return `The job was given up: the worker running its last attempt (${attempts}) stopped responding.`;
  // The first line only: a stack or a tool's stderr tail stays in the logs.
  const why = (error ?? 'unknown error').split('\n')[0].slice(0, 300);
  return reason === 'permanent-error'
    ? `The job was given up: ${why}`
    : `The job was given up after ${attempts} attempts: ${why}`;
}

/** The handler of `<task>#give-up`: loads the failed job and runs the task's hook. */
export function giveUpHandler(
  task: string,
  spec: TaskSpec,
  db: Db,
  load: (id: number) => Promise<JobRow | null>,
): TaskHandler<GiveUpPayload> {
  return async (payload, helpers) => {
    const failed = await load(payload.jobId);
    // The project went (its jobs cascade) or the row was purged: nothing to end.
    if (!failed) return;
    const log: Logger = helpers.logger;
    const hook = spec.onGiveUp;
    if (typeof hook !== 'function') {
      log.warn(
        { failedJobId: failed.id, reason: payload.reason },
        `job ${task} given up; the task has no onGiveUp`,
      );
      return;
    }
    const error = failed.last_error ?? payload.reason;
    await (hook as (p: unknown, c: GiveUpContext) => Promise<void>)(failed.payload, {
      job: failed,
      reason: payload.reason,
      error,
      message: giveUpMessage(payload.reason, failed.last_error, failed.attempts),
      db,
      logger: log,
      signal: helpers.signal,
    });
    log.info(
      { failedJobId: failed.id, reason: payload.reason },
      `job ${task} given up; its resource was ended`,
    );
  };
}
