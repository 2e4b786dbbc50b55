// The durable job queue on the application's own database (docs/design/2026-11-22-job-queue.md).
export { type BackoffOptions, DEFAULT_MAX_ATTEMPTS, defaultBackoff, exponentialBackoff } from './backoff.ts';
export {
  type AbortKind,
  JobAbortedError,
  MissingHandlerError,
  PermanentJobError,
  UnknownTaskError,
} from './errors.ts';
export { GIVE_UP_SUFFIX, giveUpTaskOf } from './give-up.ts';
export { JOBS_CHANNEL } from './jobs.repo.ts';
export { type JobRow, type JobState, type JobsTable, UNFINISHED_STATES } from './jobs.table.ts';
export { JobQueue } from './queue.ts';
export type {
  EnqueueOptions,
  EnqueueResult,
  GiveUpContext,
  GiveUpHook,
  GiveUpReason,
  JobQueueOptions,
  LogFn,
  Logger,
  StopOptions,
  TaskHandler,
  TaskHelpers,
  TaskSpec,
} from './types.ts';
export { NOTHING_TO_END } from './types.ts';
