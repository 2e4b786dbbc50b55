// TTS error codes (SEMANTICS §2.1; ERRATA 28–32). Text and voice problems found when a
// request is made are 400s with the TTS codes; the same problems found while a job runs are
// stored on the job as `code` + `message` (ShowAsyncTtsJob / ShowTtsAuditionFile).
import { AppError, Errors } from '../../core/errors/index.ts';
import type { SpeechError } from '../../engines/speech/types.ts';

export const TtsCodes = {
  invalidText: 'MSS.20050040',
  voiceUnactivated: 'MSS.20050042',
  unsupportedLanguage: 'MSS.20050064',
  textTooLong: 'MSS.20051001',
  assetNotFound: 'MSS.10001001',
  invalidParameter: 'MSS.00000003',
  /** A job that failed inside Doppel (engine crash after the retries, storage). */
  internal: 'MSS.00000001',
} as const;

export const TtsErrors = {
  invalidText: (why: string) => new AppError(400, TtsCodes.invalidText, `Invalid text: ${why}`),
  textTooLong: (why: string) => new AppError(400, TtsCodes.textTooLong, `Text too long: ${why}`),
  unsupportedLanguage: (why: string) =>
    new AppError(400, TtsCodes.unsupportedLanguage, `Unsupported language: ${why}`),
  voiceNotFound: (assetId: string) =>
    new AppError(
      400,
      TtsCodes.assetNotFound,
      `Asset not found: no VOICE_MODEL asset ${assetId} in this project or the system`,
    ),
  voiceUnactivated: (assetId: string, why: string) =>
    new AppError(400, TtsCodes.voiceUnactivated, `Voice asset unactivated: ${assetId} ${why}`),
  jobNotFound: (jobId: string) =>
    new AppError(400, TtsCodes.invalidParameter, `Invalid parameter: TTS job not found: ${jobId}`),
  invalid: Errors.invalidParameter,
} as const;

/** A SpeechError as the API reports it: request-time errors throw this, jobs store code + message. */
export function speechErrorToApp(e: SpeechError): AppError {
  switch (e.code) {
    case 'INVALID_TEXT':
      return TtsErrors.invalidText(e.message);
    case 'TEXT_TOO_LONG':
      return TtsErrors.textTooLong(e.message);
    case 'UNSUPPORTED_LANGUAGE':
      return TtsErrors.unsupportedLanguage(e.message);
    default:
      return new AppError(500, TtsCodes.internal, `Speech synthesis failed: ${e.message}`);
  }
}
