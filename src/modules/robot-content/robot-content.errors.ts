// Error codes of the per-robot dialog content and the agencies. Bad input is 400
// MSS.00000003 like the contract's own validation. A missing record is a 400 with a code of
// its own (SEMANTICS.md §2.1); the dialog codes MetaStudio publishes name none for these
// records, so Doppel uses the MSS.47011xxx block next to them (ERRATA 47).
import { AppError, Errors } from '../../core/errors/index.ts';

export const RobotContentErrors = {
  welcomeSpeechNotFound: (id: string) =>
    new AppError(400, 'MSS.47011001', `Welcome speech not found: welcome_speech_id = ${id}`),
  hotQuestionNotFound: (id: string) =>
    new AppError(400, 'MSS.47011002', `Hot question not found: hot_question_id = ${id}`),
  hotWordsNotFound: (id: string) =>
    new AppError(400, 'MSS.47011003', `Hot words record not found: hot_words_id = ${id}`),
  agencyNotFound: (roleType: string) =>
    new AppError(400, 'MSS.47011004', `No ${roleType} agency has been created for this project`),
  invalid: Errors.invalidParameter,
} as const;
