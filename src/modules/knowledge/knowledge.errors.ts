// Knowledge base error codes. The dialog codes MSS.47010020–032 are MetaStudio's own (the
// Web SDK's RetCodes, SEMANTICS.md §2.1); the two count limits MetaStudio names no code for
// use Doppel's MSS.47019xxx block (ERRATA 38).
import { AppError, Errors } from '../../core/errors/index.ts';
import {
  MAX_INTENTS_PER_SKILL,
  MAX_QUESTIONS_PER_INTENT,
  MAX_SKILLS_PER_PROJECT,
} from './knowledge.limits.ts';

export const KnowledgeErrors = {
  skillNameExists: (name: string) =>
    new AppError(400, 'MSS.47010020', `Knowledge skill name already exists: ${name}`),
  skillIdentifyExists: (identify: string) =>
    new AppError(400, 'MSS.47010021', `Knowledge skill identify already exists: ${identify}`),
  skillNotFound: (skillId: string) =>
    new AppError(400, 'MSS.47010022', `Knowledge skill does not exist: ${skillId}`),
  intentNameExists: (name: string) =>
    new AppError(400, 'MSS.47010024', `Knowledge intent name already exists in this skill: ${name}`),
  intentIdentifyFailed: () =>
    new AppError(400, 'MSS.47010025', 'Knowledge intent identify could not be created; retry'),
  intentCountExceeded: (skillId: string) =>
    new AppError(
      400,
      'MSS.47010026',
      `Knowledge intent count exceeds the maximum: skill ${skillId} may hold at most ${MAX_INTENTS_PER_SKILL} intents`,
    ),
  intentNotFound: (intentId: string) =>
    new AppError(400, 'MSS.47010027', `Knowledge intent does not exist: ${intentId}`),
  questionExists: (where: string, question: string) =>
    new AppError(
      400,
      'MSS.47010029',
      `Knowledge question already exists in this skill: ${where}${JSON.stringify(question)}`,
    ),
  questionNotFound: (where: string, questionId: string) =>
    new AppError(400, 'MSS.47010030', `Knowledge question does not exist: ${where}${questionId}`),
  batchEmpty: () => new AppError(400, 'MSS.47010032', 'Knowledge question batch list is empty'),
  skillCountExceeded: () =>
    new AppError(
      400,
      'MSS.47019001',
      `Knowledge skill count exceeds the maximum: a tenant may hold at most ${MAX_SKILLS_PER_PROJECT} skills`,
    ),
  questionCountExceeded: (intentId: string) =>
    new AppError(
      400,
      'MSS.47019002',
      `Knowledge question count exceeds the maximum: intent ${intentId} may hold at most ${MAX_QUESTIONS_PER_INTENT} questions`,
    ),
  invalid: Errors.invalidParameter,
} as const;
