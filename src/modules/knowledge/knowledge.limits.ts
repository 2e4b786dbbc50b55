// The knowledge base's sizes (ERRATA 37). Lengths count UTF-16 code units, as the contract's
// JSON Schema maxLength does.

/** SEMANTICS §5: the console allows 100 skills per user. */
export const MAX_SKILLS_PER_PROJECT = 100;
/** MetaStudio has a maximum (MSS.47010026) whose value is undocumented; Doppel's choice. */
export const MAX_INTENTS_PER_SKILL = 1000;
/** Doppel's choice: enough phrasings for one topic, bounded for the matcher. */
export const MAX_QUESTIONS_PER_INTENT = 200;
/** IDs one delete call may name. */
export const MAX_DELETE_IDS = 1000;

export const SKILL_NAME_MAX = 32;
export const SKILL_IDENTIFY_MAX = 15;
export const INTENT_NAME_MAX = 32;
export const INTENT_IDENTIFY_MAX = 32;
export const ANSWER_MAX = 2000;
export const QUESTION_MAX = 64;
