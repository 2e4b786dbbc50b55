// What a vocabulary config (custom pronunciation) may say, per type (ERRATA 32). Pure.
//   ALIAS            key: a word or phrase; value: what to say instead ("WHO" → "World Health Organization")
//   SAY_AS           key: a word or phrase; value: how to read it (SAY_AS_VALUES)
//   PHONETIC_SYMBOL  key: a word; value: its pronunciation in IPA
//   CHINESE_G2P      key: Han characters; value: one pinyin syllable with tone digit 1–5 per character
//   CONTINUUM        key: a phrase read as one unit, without inner pauses; value: empty or the same phrase
import { SAY_AS_KINDS } from '../../engines/speech/say-as.ts';
import { validateVocabularyEntry } from '../../engines/speech/vocabulary.ts';
import type { VocabularyType } from './vocabulary.repo.ts';

export const VOCABULARY_TYPES: readonly VocabularyType[] = [
  'CHINESE_G2P',
  'PHONETIC_SYMBOL',
  'CONTINUUM',
  'ALIAS',
  'SAY_AS',
];

/** SSML say-as interpretations a SAY_AS entry may name: what the speech engine reads. */
export const SAY_AS_VALUES: readonly string[] = SAY_AS_KINDS;

const HAN = /^\p{Script=Han}+$/u;
const PINYIN_SYLLABLE = /^[a-zü]+[1-5]$/;
const MARKUP = /[<>&]/;

export interface VocabularyInput {
  type: VocabularyType;
  key: string;
  value: string;
}

/** Why the entry is invalid, or undefined; `key` and `value` are already trimmed. */
export function vocabularyProblem(e: VocabularyInput): string | undefined {
  // Ours first (stricter, with API wording), then the engine's own: what it would skip is refused.
  return typeProblem(e) ?? validateVocabularyEntry(e);
}

function typeProblem(e: VocabularyInput): string | undefined {
  if (!VOCABULARY_TYPES.includes(e.type)) return `type must be one of ${VOCABULARY_TYPES.join(', ')}`;
  if (e.key.length === 0) return 'key must not be empty';
  if (MARKUP.test(e.key) || MARKUP.test(e.value)) return 'key and value must not contain <, > or &';
  switch (e.type) {
    case 'ALIAS':
      return e.value.length === 0 ? 'an ALIAS needs a value (the text to say instead)' : undefined;
    case 'SAY_AS':
      return SAY_AS_VALUES.includes(e.value)
        ? undefined
        : `a SAY_AS value must be one of ${SAY_AS_VALUES.join(', ')}`;
    case 'PHONETIC_SYMBOL':
      if (/\s/.test(e.key)) return 'a PHONETIC_SYMBOL key is one word';
      return e.value.length === 0 ? 'a PHONETIC_SYMBOL needs a value (IPA)' : undefined;
    case 'CHINESE_G2P': {
      if (!HAN.test(e.key)) return 'a CHINESE_G2P key must be Chinese characters only';
      const syllables = e.value.toLowerCase().replace(/v/g, 'ü').split(/\s+/).filter(Boolean);
      if (!syllables.every((s) => PINYIN_SYLLABLE.test(s))) {
        return 'a CHINESE_G2P value is pinyin with tone digits, e.g. "yin2 hang2"';
      }
      const chars = [...e.key].length;
      return syllables.length === chars
        ? undefined
        : `a CHINESE_G2P value needs one syllable per character (${chars}), got ${syllables.length}`;
    }
    case 'CONTINUUM':
      if ([...e.key].length < 2) return 'a CONTINUUM key is a phrase of at least two characters';
      return e.value.length === 0 || e.value === e.key
        ? undefined
        : 'a CONTINUUM value is empty or equal to its key';
  }
}

/** The stored form: trimmed; pinyin lower-cased with v → ü and single spaces. */
export function normaliseVocabulary(e: VocabularyInput): VocabularyInput {
  const key = e.key.trim();
  let value = e.value.trim();
  if (e.type === 'CHINESE_G2P')
    value = value.toLowerCase().replace(/v/g, 'ü').split(/\s+/).filter(Boolean).join(' ');
  return { type: e.type, key, value };
}
