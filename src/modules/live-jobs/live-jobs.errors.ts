// Live job error codes. The docs name none for live jobs, so Doppel uses MSS.10004101… next to
// the live rooms' block (ERRATA 61, 86). Business errors are 400s (SEMANTICS §2.1).
import { AppError, Errors } from '../../core/errors/index.ts';

export const LiveJobErrors = {
  /** The live rooms' own code (MSS.10004001), so a wrong room reads the same everywhere. */
  roomNotFound: (roomId: string) => new AppError(400, 'MSS.10004001', `Live room not found: ${roomId}`),
  jobNotFound: (jobId: string) => new AppError(400, 'MSS.10004101', `Live job not found: ${jobId}`),
  /** job_run_config.single_job_in_room and the room already has a job that has not ended. */
  roomBusy: (roomId: string, jobId: string) =>
    new AppError(
      400,
      'MSS.10004102',
      `Live room ${roomId} already has a running job (${jobId}) and single_job_in_room is set`,
    ),
  /** The job is not PROCESSING (ended, or not started yet): it cannot take this command. */
  notRunning: (jobId: string, state: string) =>
    new AppError(400, 'MSS.10004103', `Live job ${jobId} is ${state}; commands need a PROCESSING job`),
  /** The command cannot be carried out by the running job (ERRATA 87). */
  commandUnsupported: (command: string, why: string) =>
    new AppError(400, 'MSS.10004104', `Command ${command} cannot be carried out: ${why}`),
  /** The room is DISABLE or BLOCKED, or a TEMPLATE. */
  roomUnusable: (roomId: string, why: string) =>
    new AppError(400, 'MSS.10004105', `Live room ${roomId} cannot be started: ${why}`),
  /** The job's HLS is not on this server (ended, not started, or streamed by another process). */
  hlsNotFound: (jobId: string, file: string) =>
    new AppError(404, 'MSS.10004106', `No HLS ${file} for live job ${jobId} on this server`),
  /**
   * The job is PROCESSING but its stream cannot be reached now: no process that streams it took
   * the request in time, or it did not answer (ERRATA 87). A retry may succeed.
   */
  unreachable: (what: string, jobId: string, why: string) =>
    new AppError(503, 'MSS.10004107', `${what} could not reach the stream of live job ${jobId}: ${why}`),
  invalid: Errors.invalidParameter,
} as const;

/** The error a job ends FAILED with when its stream cannot run (error_info). */
export const LiveJobCodes = {
  streamFailed: 'MSS.10004110',
  inputUnusable: 'MSS.10004111',
  internal: 'MSS.10004119',
} as const;
