// 2D avatar training error codes (ERRATA 70). MetaStudio names none for this API group, so
// Doppel answers as its other job APIs do: a bad field, an unknown job and a command or
// change the job's state forbids are 400 MSS.00000003 naming what is wrong. Failures of the
// review and of the training are not errors of a call: they show on the job (state, logs).
import { AppError, Errors } from '../../core/errors/index.ts';

export const TrainingCodes = {
  invalidParameter: 'MSS.00000003',
  /** The review found the uploads unusable (the job's operation log says why). */
  verifyFailed: 'MSS.10004001',
  /** Training could not build the avatar from the uploads. */
  trainFailed: 'MSS.10004002',
  /** Something inside Doppel failed after the retries. */
  internal: 'MSS.00000001',
} as const;

export const AvatarTrainingErrors = {
  invalid: Errors.invalidParameter,
  jobNotFound: (jobId: string) =>
    new AppError(400, TrainingCodes.invalidParameter, `Invalid parameter: training job not found: ${jobId}`),
  wrongState: (jobId: string, state: string, what: string, allowed: readonly string[]) =>
    new AppError(
      400,
      TrainingCodes.invalidParameter,
      `Invalid parameter: training job ${jobId} is ${state}; ${what} is allowed only in ${allowed.join(', ')}`,
    ),
  missingUpload: (what: string) =>
    new AppError(400, TrainingCodes.invalidParameter, `Invalid parameter: ${what} has not been uploaded`),
} as const;
