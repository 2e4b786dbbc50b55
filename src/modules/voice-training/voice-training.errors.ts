// Voice training error codes (ERRATA 75). The docs name none for voice training: an unknown
// job and a command in the wrong state are 400 MSS.00000003 naming the job and its state,
// as for TTS and video jobs; a bad field is 400 MSS.00000003 naming the field.
import { AppError, Errors } from '../../core/errors/index.ts';

export const VoiceTrainingCodes = {
  invalidParameter: 'MSS.00000003',
  /** A job that failed inside Doppel (storage, engine) after the retries. */
  internal: 'MSS.00000001',
} as const;

export const VoiceTrainingErrors = {
  jobNotFound: (jobId: string) =>
    new AppError(
      400,
      VoiceTrainingCodes.invalidParameter,
      `Invalid parameter: voice training job not found: ${jobId}`,
    ),
  wrongState: (jobId: string, state: string, what: string, allowed: readonly string[]) =>
    new AppError(
      400,
      VoiceTrainingCodes.invalidParameter,
      `Invalid parameter: voice training job ${jobId} is ${state}; ${what} needs ${allowed.join(' or ')}`,
    ),
  invalid: Errors.invalidParameter,
} as const;
