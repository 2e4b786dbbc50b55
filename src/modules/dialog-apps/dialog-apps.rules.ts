// Pure rules shared by robots and codes: identifiers, id lists, languages and the chat-list
// paging rule. The contract's schema has already checked types, lengths and enums.
import type { LanguageEnum } from '../../contract/generated/types.ts';
import { DialogAppsErrors } from './dialog-apps.errors.ts';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_DELETE_IDS = 100;
export const DEFAULT_LANGUAGE = 'CN';

export function checkId(id: string, field: string): string {
  if (!ID.test(id)) throw DialogAppsErrors.invalid(`${field} must be 1-64 letters, digits, '-' or '_'`);
  return id;
}

/** A batch delete's body: 1–100 well-formed ids; repeats collapse. */
export function checkIdList(ids: unknown, field: string): string[] {
  if (!Array.isArray(ids) || ids.length === 0)
    throw DialogAppsErrors.invalid(`the body must be a non-empty JSON array of ${field}s`);
  if (ids.length > MAX_DELETE_IDS)
    throw DialogAppsErrors.invalid(`at most ${MAX_DELETE_IDS} ${field}s may be deleted at once`);
  for (const [i, id] of ids.entries()) {
    if (typeof id !== 'string') throw DialogAppsErrors.invalid(`body[${i}] must be a string`);
    checkId(id, `body[${i}]`);
  }
  return [...new Set(ids as string[])];
}

/** zh_CN and en_US are the retired names of CN and EN; stored canonical. */
export function canonLanguage(language: LanguageEnum | string | undefined): string {
  if (language === undefined) return DEFAULT_LANGUAGE;
  if (language === 'zh_CN') return 'CN';
  if (language === 'en_US') return 'EN';
  return language;
}

/** Chat lists answer the last page for an offset at or past the end (SEMANTICS.md §2.2). */
export function effectiveOffset(count: number, offset: number, limit: number): number {
  if (count === 0) return 0;
  if (offset < count) return offset;
  return Math.floor((count - 1) / limit) * limit;
}
