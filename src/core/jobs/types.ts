// The queue's public types. Handlers see a job through `(payload, helpers)`, as in
// graphile-worker; the payload carries ids and the handler loads the resource itself.
import type { Database, Db } from '../db/index.ts';
import type { FaultPlan } from '../faults/index.ts';
import type { JobRow } from './jobs.table.ts';

export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/** The part of pino the queue uses: objects first, then the message. */
export interface Logger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  debug: LogFn;
}

export interface TaskHelpers {
  /** The claimed row (attempts already counts this run). */
  job: JobRow;
  /**
   * Aborted when the job is cancelled, the worker shuts down or the lease is lost;
   * `signal.reason` is a JobAbortedError saying which. Honour it: stop, return or throw.
   */
  signal: AbortSignal;
  /** The queue's logger with jobId and task bound. */
  logger: Logger;
  /** Extends the lease now (it is also extended automatically every leaseMs/3). */
  heartbeat(): Promise<void>;
  db: Db;
}

export type TaskHandler<P = unknown> = (payload: P, helpers: TaskHelpers) => Promise<void>;

/**
 * Why the queue stopped retrying a job: its last attempt threw, a handler threw
 * PermanentJobError (or the task has no handler), or the worker holding the last attempt
 * stopped heartbeating (killed, hung) and the lease sweep took the job back.
 */
export type GiveUpReason = 'attempts-exhausted' | 'permanent-error' | 'lease-expired';

export interface GiveUpContext {
  /** The given-up job as it ended: state 'failed', attempts, last_error. */
  job: JobRow;
  reason: GiveUpReason;
  /** The job's last error ("Name: message", or the lease sweep's note). */
  error: string;
  /** A sentence for the tenant, naming the reason without internals (hosts, paths). */
  message: string;
  db: Db;
  logger: Logger;
  /** Aborted on shutdown or a lost lease: the give-up step then runs again later. */
  signal: AbortSignal;
}

/**
 * Ends the job's resource (FAILED, error fields, callback) once the queue stops retrying. It
 * runs as a durable step of its own (a job), so a process that dies in it is retried; it
 * must be idempotent and leave a resource that already ended alone.
 */
export type GiveUpHook<P = never> = (payload: P, ctx: GiveUpContext) => Promise<void>;

/** The explicit "this task owns no resource that could be left hanging" (schedules, cleanup). */
export const NOTHING_TO_END = 'nothing-to-end';

export interface TaskSpec {
  /** Concurrency group; 'default' when absent. */
  queue?: string;
  /** Claims before the job fails for good; DEFAULT_MAX_ATTEMPTS when absent. */
  maxAttempts?: number;
  /** Delay in ms before retry number `attempt + 1`, given the attempt that failed (1-based). */
  backoff?: (attempt: number) => number;
  /**
   * At most this many jobs of the queue run at once in one worker, whatever the worker's
   * concurrency setting (e.g. renders, which each keep every core busy). Applies when the
   * concurrency is one number for all queues.
   */
  maxConcurrency?: number;
  /**
   * Called once, durably, whenever the queue stops retrying a job of this task (see
   * GiveUpReason). Modules must give one (TaskDefinition requires it); a task that works on
   * no resource says so with NOTHING_TO_END.
   */
  onGiveUp?: GiveUpHook | typeof NOTHING_TO_END;
}

export interface EnqueueOptions {
  /** The tenant the job works for; absent for system jobs. */
  projectId?: string;
  /** At most one unfinished job per key: a second enqueue returns the first job. */
  jobKey?: string;
  runAt?: Date;
  /** Smaller runs sooner; 0 when absent. */
  priority?: number;
  maxAttempts?: number;
  /** Enqueue inside the caller's transaction, so the job exists only if it commits. */
  trx?: Db;
}

export interface EnqueueResult {
  id: number;
  /** True when an unfinished job with the same jobKey already existed (its id is returned). */
  deduped: boolean;
}

export interface JobQueueOptions {
  database: Database;
  logger: Logger;
  /** Written to locked_by; unique per queue instance. Defaults to host:pid:random. */
  workerId?: string;
  /** How long a claim holds without a heartbeat before any worker may take the job back. */
  leaseMs: number;
  /** How often to look for due jobs and expired leases when no NOTIFY arrives. */
  pollMs: number;
  /**
   * Jobs this worker runs at once, per queue. A number gives every queue of a defined
   * task that many slots; a record serves only the queues it names.
   */
  concurrency: Record<string, number> | number;
  /** Fault injection (core/faults): chosen tasks fail, fail part-way or stall. Off when absent. */
  faults?: FaultPlan;
}

export interface StopOptions {
  /** How long running jobs may take to finish before they are aborted and re-queued. */
  graceMs: number;
}
