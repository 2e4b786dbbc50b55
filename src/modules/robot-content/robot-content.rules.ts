// Pure rules of the robot content: identifiers, languages, texts, the chat-list paging rule
// and the shape of a hot-word record. The contract's schema has already checked types,
// lengths and enums; these are the checks it cannot express.
import type {
  CreateMobvoiHotWords,
  CreateSisHotWords,
  HotWordsTypeEnum,
  LanguageEnum,
  UpdateMobvoiHotWords,
  UpdateSisHotWords,
} from '../../contract/generated/types.ts';
import { RobotContentErrors } from './robot-content.errors.ts';

/** Robot ids and record ids: opaque, 1–64 letters, digits, `-` or `_` (Doppel makes 32 hex). */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The most ids one batch delete takes. */
export const MAX_DELETE_IDS = 100;
/** The language a record gets when the request names none (a chat room's default language). */
export const DEFAULT_LANGUAGE = 'CN';

export function checkId(id: string, field: string): string {
  if (!ID.test(id)) throw RobotContentErrors.invalid(`${field} must be 1-64 letters, digits, '-' or '_'`);
  return id;
}

export const checkRobotId = (id: string): string => checkId(id, 'robot_id');

/** A batch delete's body: 1–100 ids, each well formed; repeats collapse. */
export function checkIdList(ids: unknown, field: string): string[] {
  if (!Array.isArray(ids) || ids.length === 0)
    throw RobotContentErrors.invalid(`the body must be a non-empty JSON array of ${field}s`);
  if (ids.length > MAX_DELETE_IDS)
    throw RobotContentErrors.invalid(`at most ${MAX_DELETE_IDS} ${field}s may be deleted at once`);
  for (const [i, id] of ids.entries()) {
    if (typeof id !== 'string') throw RobotContentErrors.invalid(`body[${i}] must be a string`);
    checkId(id, `body[${i}]`);
  }
  return [...new Set(ids as string[])];
}

/** zh_CN and en_US are retired names of CN and EN (the SDK says so); both are stored canonical. */
export function canonLanguage(language: LanguageEnum | string | undefined): string {
  if (language === undefined) return DEFAULT_LANGUAGE;
  if (language === 'zh_CN') return 'CN';
  if (language === 'en_US') return 'EN';
  return language;
}

/** Dialog text: not blank, and no control characters besides tab and line breaks. */
export function checkText(text: string, field: string): string {
  if (text.trim().length === 0) throw RobotContentErrors.invalid(`${field} must not be blank`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text))
    throw RobotContentErrors.invalid(`${field} must not contain control characters`);
  return text;
}

/**
 * The offset a chat list answers from (SEMANTICS.md §2.2): an offset at or past the end
 * returns the last page, the one a client paging by `limit` from 0 would reach last.
 */
export function effectiveOffset(count: number, offset: number, limit: number): number {
  if (offset < count || count === 0) return count === 0 ? 0 : offset;
  return Math.floor((count - 1) / limit) * limit;
}

export function sortDirection(dir: string | undefined): 'asc' | 'desc' {
  if (dir === undefined || dir === '') return 'asc';
  const d = dir.toLowerCase();
  if (d !== 'asc' && d !== 'desc') throw RobotContentErrors.invalid('sort_dir must be asc or desc');
  return d;
}

/** What a hot-word record stores besides its robot. */
export interface HotWordsFields {
  hot_words_type: HotWordsTypeEnum;
  vocabulary_id: string;
  sis_project_id: string | null;
  region: number | null;
  language: string;
}

/**
 * The record a create or an update leaves: `sis_hot_words` for SIS, `mobvoi_hot_words` for
 * MOBVOI, never the other one. An update changes the fields it names; one that keeps the
 * type starts from the stored record, one that changes it must name every required field.
 */
export function resolveHotWords(
  type: HotWordsTypeEnum,
  sis: CreateSisHotWords | UpdateSisHotWords | undefined,
  mobvoi: CreateMobvoiHotWords | UpdateMobvoiHotWords | undefined,
  stored?: HotWordsFields,
): HotWordsFields {
  const base = stored && stored.hot_words_type === type ? stored : undefined;
  if (type === 'SIS') {
    if (mobvoi !== undefined)
      throw RobotContentErrors.invalid('mobvoi_hot_words must not be given when hot_words_type is SIS');
    if (sis === undefined && !base)
      throw RobotContentErrors.invalid('sis_hot_words is required when hot_words_type is SIS');
    const vocabularyId = sis?.vocabulary_id ?? base?.vocabulary_id;
    const sisProjectId = sis?.sis_project_id ?? base?.sis_project_id ?? undefined;
    const region = sis?.region ?? base?.region ?? undefined;
    const language = sis?.language ?? base?.language;
    const missing = [
      vocabularyId === undefined && 'vocabulary_id',
      sisProjectId === undefined && 'sis_project_id',
      region === undefined && 'region',
      language === undefined && 'language',
    ].filter(Boolean);
    if (missing.length)
      throw RobotContentErrors.invalid(`sis_hot_words: ${missing.join(', ')} required for an SIS record`);
    return {
      hot_words_type: 'SIS',
      vocabulary_id: checkId(vocabularyId!, 'sis_hot_words.vocabulary_id'),
      sis_project_id: checkId(sisProjectId!, 'sis_hot_words.sis_project_id'),
      region: region!,
      language: canonLanguage(language),
    };
  }
  if (sis !== undefined)
    throw RobotContentErrors.invalid('sis_hot_words must not be given when hot_words_type is MOBVOI');
  if (mobvoi === undefined && !base)
    throw RobotContentErrors.invalid('mobvoi_hot_words is required when hot_words_type is MOBVOI');
  const vocabularyId = mobvoi?.vocabulary_id ?? base?.vocabulary_id;
  const language = mobvoi?.language ?? base?.language;
  const missing = [
    vocabularyId === undefined && 'vocabulary_id',
    language === undefined && 'language',
  ].filter(Boolean);
  if (missing.length)
    throw RobotContentErrors.invalid(`mobvoi_hot_words: ${missing.join(', ')} required for a MOBVOI record`);
  return {
    hot_words_type: 'MOBVOI',
    vocabulary_id: checkId(vocabularyId!, 'mobvoi_hot_words.vocabulary_id'),
    sis_project_id: null,
    region: null,
    language: canonLanguage(language),
  };
}
