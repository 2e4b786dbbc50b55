// Video job and subtitle-file error codes (ERRATA 34). Not-found is a 400 with the
// invalid-parameter code, as for TTS jobs; a cancel of a job that has left WAITING is a 400
// that names the state.
import { AppError, Errors } from '../../core/errors/index.ts';

export const VideoCodes = {
  invalidParameter: 'MSS.00000003',
  /** A job that failed inside Doppel (renderer crash after the retries, storage). */
  internal: 'MSS.00000001',
  /** The avatar or an input asset cannot be used (not found, unusable package, unreadable media). */
  assetUnusable: 'MSS.10001006',
} as const;

export const VideoErrors = {
  jobNotFound: (jobId: string) =>
    new AppError(400, VideoCodes.invalidParameter, `Invalid parameter: video job not found: ${jobId}`),
  subtitleJobNotFound: (jobId: string) =>
    new AppError(
      400,
      VideoCodes.invalidParameter,
      `Invalid parameter: subtitle file job not found: ${jobId}`,
    ),
  notCancellable: (jobId: string, state: string) =>
    new AppError(
      400,
      VideoCodes.invalidParameter,
      `Invalid parameter: video job ${jobId} is ${state}; only a WAITING job can be cancelled`,
    ),
  assetNotFound: (field: string, assetId: string) =>
    new AppError(400, 'MSS.10001001', `Asset not found: ${field} = ${assetId}`),
  invalid: Errors.invalidParameter,
} as const;
