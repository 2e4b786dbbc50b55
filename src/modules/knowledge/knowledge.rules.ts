// Pure validation for the knowledge base: texts, identifies, id lists and paging. The HTTP
// schema already checks lengths; these checks repeat them so the importer (which has no
// schema in front of it) enforces the same rules with the same errors.
import { randomBytes } from 'node:crypto';
import { KnowledgeErrors } from './knowledge.errors.ts';
import { INTENT_IDENTIFY_MAX, MAX_DELETE_IDS, SKILL_IDENTIFY_MAX } from './knowledge.limits.ts';

// C0/C1 controls other than tab, and line/paragraph separators: never part of a name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_KEEP_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** A skill identify, as the iFLYTEK skill studio accepts one: a letter, then letters, digits, `_`. */
export const SKILL_IDENTIFY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Generated intent identifies: `intent_` and 12 lowercase hex digits (ASCII, ≤ 32). */
export const INTENT_IDENTIFY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * A required single-line text (a name or a question): a string, not blank, at most `max`
 * characters, no control characters. Returns the value as given (not trimmed).
 */
export function checkLine(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw KnowledgeErrors.invalid(`${field} must be a string`);
  if (value.trim() === '') throw KnowledgeErrors.invalid(`${field} must not be empty`);
  if (value.length > max) throw KnowledgeErrors.invalid(`${field} is longer than ${max} characters`);
  if (CONTROL.test(value)) throw KnowledgeErrors.invalid(`${field} must not contain control characters`);
  return value;
}

/** An answer: like a line, but newlines and tabs are allowed. */
export function checkAnswer(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw KnowledgeErrors.invalid(`${field} must be a string`);
  if (value.trim() === '') throw KnowledgeErrors.invalid(`${field} must not be empty`);
  if (value.length > max) throw KnowledgeErrors.invalid(`${field} is longer than ${max} characters`);
  if (CONTROL_KEEP_NEWLINES.test(value))
    throw KnowledgeErrors.invalid(`${field} must not contain control characters`);
  return value;
}

export function checkSkillIdentify(value: unknown, field = 'identify'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > SKILL_IDENTIFY_MAX)
    throw KnowledgeErrors.invalid(`${field} must be 1–${SKILL_IDENTIFY_MAX} characters`);
  if (!SKILL_IDENTIFY_PATTERN.test(value))
    throw KnowledgeErrors.invalid(
      `${field} must start with an ASCII letter and hold only ASCII letters, digits and _`,
    );
  return value;
}

/** Whether an identify read from an export file may be kept as it is. */
export const isIntentIdentify = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= INTENT_IDENTIFY_MAX && INTENT_IDENTIFY_PATTERN.test(v);

export const newIntentIdentify = (): string => `intent_${randomBytes(6).toString('hex')}`;

/** A delete body: 1…MAX_DELETE_IDS ids, duplicates dropped. */
export function checkIdList(body: unknown): string[] {
  if (!Array.isArray(body) || body.length === 0)
    throw KnowledgeErrors.invalid('the body must be a non-empty JSON array of ids');
  if (body.length > MAX_DELETE_IDS)
    throw KnowledgeErrors.invalid(`at most ${MAX_DELETE_IDS} ids may be deleted at once`);
  const ids = new Set<string>();
  body.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || id.length > 64)
      throw KnowledgeErrors.invalid(`body[${i}] must be an id of 1–64 characters`);
    ids.add(id);
  });
  return [...ids];
}

/**
 * Chat lists (SEMANTICS §2.2): an offset at or past the end answers the last page. The
 * returned offset is the one actually used.
 */
export function effectiveOffset(offset: number, limit: number, count: number): number {
  if (count === 0 || offset < count) return offset;
  return Math.floor((count - 1) / limit) * limit;
}

/** Where an item of a batch is, for error messages: `question_list[3] `. */
export const at = (field: string, i: number) => `${field}[${i}] `;
