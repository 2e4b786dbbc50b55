// Error codes of chat jobs and the chat-command socket. Where the official Web SDK's RetCodes
// name the case (SEMANTICS.md §2.1: dialog not exist, concurrency not enough, dialog finished,
// concurrency exceeds max) Doppel uses that code; the rest sit next to them (ERRATA 102).
import { AppError, Errors } from '../../core/errors/index.ts';

export const ChatJobErrors = {
  jobNotFound: (id: string) =>
    new AppError(400, 'MSS.47010001', `Dialog not exist: no smart chat job with job_id = ${id} in this room`),
  noConcurrency: (roomId: string) =>
    new AppError(
      400,
      'MSS.47010013',
      `Concurrency not enough: smart chat room ${roomId} has no concurrency configured, so no dialog can start`,
    ),
  concurrencyFull: (roomId: string, limit: number) =>
    new AppError(
      400,
      'MSS.47010040',
      `Dialog concurrency exceeds max: smart chat room ${roomId} already runs ${limit} dialog(s), its concurrency`,
    ),
  finished: (id: string, state: string) =>
    new AppError(400, 'MSS.47010012', `Dialog finished: smart chat job ${id} is ${state}`),
  roomUnusable: (roomId: string, why: string) =>
    new AppError(400, 'MSS.47010014', `Smart chat room ${roomId} cannot start a dialog: ${why}`),
  elsewhere: (id: string) =>
    new AppError(
      400,
      'MSS.47010015',
      `Smart chat job ${id} runs in another Doppel process; connect to the chat_access_address its start returned`,
    ),
  asrMissing: () =>
    new AppError(
      400,
      'MSS.47010150',
      'AUDIO_DRIVE needs speech recognition, and this server has none configured (DOPPEL_ASR_URL)',
    ),
  invalid: Errors.invalidParameter,
} as const;

/** error_info codes of a job that ended FAILED. */
export const ChatJobCodes = {
  streamFailed: 'MSS.47010160',
  ownerGone: 'MSS.47010161',
  inputUnusable: 'MSS.47010162',
} as const;
