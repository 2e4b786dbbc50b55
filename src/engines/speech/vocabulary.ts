// Custom pronunciations (TTS vocabulary configs) applied to a parsed script. Only text the
// caller wrote is matched: pieces that already are replacements (say-as, sub, phoneme) are
// left alone. Longest key first at each position, leftmost match wins; Latin keys match whole
// words only (case-insensitively), Han keys match anywhere. A replaced piece's source is the
// key's span in the original, so its word timings and subtitle cues point at the key.
//
// Values by type:
// - ALIAS: text spoken instead of the key ("WHO" → "World Health Organization").
// - SAY_AS: a say-as kind (cardinal, digits, telephone, characters, date, …), see say-as.ts.
// - PHONETIC_SYMBOL: IPA by default ("ˈdɒpəl"); a value written [[…]] is eSpeak's own phoneme
//   notation (alphabet 'x-espeak'), which is what the built-in engine speaks natively.
// - CHINESE_G2P: pinyin with tone numbers, one syllable per Han character ("chong2 qing4").
// - CONTINUUM: the key is one unit: spoken as a single piece with its inner punctuation and
//   spacing removed, so the engine makes no pause inside it.
import { expandSayAs, isSayAsKind, SAY_AS_KINDS } from './say-as.ts';
import { isPinyin, sourceMap } from './ssml.ts';
import type { ScriptPiece, SpeechScript, VocabularyEntry } from './types.ts';

type Speak = Extract<ScriptPiece, { kind: 'speak' }>;
/** An entry prepared for matching: `match` is the key lower-cased when it is Latin. */
type Entry = VocabularyEntry & { match: string; latin: boolean; latinStart: boolean };

const HAN = /\p{Script=Han}/u;
const WORD_CHAR = /[\p{L}\p{N}_]/u;
const isLatinEdge = (ch: string | undefined): boolean => !!ch && WORD_CHAR.test(ch) && !HAN.test(ch);

/** Why an entry cannot be used, or undefined when it is fine (for the vocabulary API's validation). */
export function validateVocabularyEntry(e: VocabularyEntry): string | undefined {
  if (!e.key.trim()) return 'key is empty';
  if (!e.value.trim() && e.type !== 'CONTINUUM') return 'value is empty';
  if (e.type === 'SAY_AS' && !isSayAsKind(e.value.trim())) {
    return `SAY_AS value must be one of ${SAY_AS_KINDS.join(', ')}`;
  }
  if (e.type === 'CHINESE_G2P') {
    if (!isPinyin(e.value)) return 'CHINESE_G2P value must be pinyin with tone numbers, e.g. "chong2 qing4"';
    const han = [...e.key].filter((c) => HAN.test(c)).length;
    const syllables = e.value.trim().split(/\s+/).length;
    if (han !== syllables)
      return `CHINESE_G2P key has ${han} Han characters but the value has ${syllables} syllables`;
  }
  return undefined;
}

export interface VocabularyOptions {
  /** Voice language for SAY_AS readings; default from the key (Han → 'zh', else 'en'). */
  language?: string;
}

export function applyVocabulary(
  script: SpeechScript,
  entries: VocabularyEntry[],
  opts: VocabularyOptions = {},
): SpeechScript {
  const usable = entries.filter((e) => validateVocabularyEntry(e) === undefined);
  if (!usable.length) return script;
  // Index by the key's first character (lower-cased) and sort longest first.
  const byFirst = new Map<string, Entry[]>();
  for (const e of usable) {
    const key = e.key.trim();
    const latin = !HAN.test(key);
    const entry: Entry = {
      ...e,
      key,
      match: latin ? key.toLowerCase() : key,
      latin,
      latinStart: isLatinEdge(key[0]),
    };
    const first = String.fromCodePoint(key.toLowerCase().codePointAt(0) ?? 0);
    const list = byFirst.get(first);
    if (list) list.push(entry);
    else byFirst.set(first, [entry]);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.key.length - a.key.length);

  const pieces: ScriptPiece[] = [];
  for (const piece of script.pieces) {
    const map = piece.kind === 'speak' && !piece.phonemes ? sourceMap(script.original, piece) : undefined;
    if (piece.kind !== 'speak' || !map) {
      pieces.push(piece);
      continue;
    }
    pieces.push(...rewrite(piece, map, byFirst, opts));
  }
  return { original: script.original, pieces };
}

function rewrite(
  piece: Speak,
  map: number[],
  byFirst: Map<string, Entry[]>,
  opts: VocabularyOptions,
): ScriptPiece[] {
  const text = piece.text;
  // Case folding that changes the length (e.g. 'İ') would shift offsets: match case-sensitively then.
  const folded = text.toLowerCase();
  const lower = folded.length === text.length ? folded : text;
  const out: ScriptPiece[] = [];
  const { text: _t, source: _s, ...carry } = piece; // rate/pitch/volume/language carry over
  const slice = (a: number, b: number, replacement?: Partial<Speak>): void => {
    if (b <= a) return;
    const raw = text.slice(a, b);
    const lead = raw.length - raw.trimStart().length;
    const trail = raw.trimEnd().length;
    if (trail <= lead) return;
    out.push({
      ...carry,
      kind: 'speak',
      text: text.slice(a + lead, a + trail),
      source: [map[a + lead], map[a + trail]],
      ...replacement,
    });
  };
  let done = 0;
  for (let i = 0; i < text.length; ) {
    const candidates = byFirst.get(String.fromCodePoint(lower.codePointAt(i) ?? 0));
    // Inside a Latin word no Latin key can start (whole words only): skip the comparisons.
    const midWord = isLatinEdge(text[i - 1]);
    const hit = candidates?.find((e) => !(midWord && e.latinStart) && matchesAt(text, lower, i, e));
    if (!hit) {
      i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
      continue;
    }
    const end = i + hit.key.length;
    slice(done, i);
    const matched = text.slice(i, end);
    slice(i, end, replacementFor(hit, matched, opts));
    done = i = end;
  }
  slice(done, text.length);
  return out;
}

function matchesAt(text: string, lower: string, i: number, e: Entry): boolean {
  if (!(e.latin ? lower : text).startsWith(e.match, i)) return false;
  // Whole words for Latin keys: no letter or digit may continue the word on either side.
  if (isLatinEdge(e.key[0]) && isLatinEdge(text[i - 1])) return false;
  if (isLatinEdge(e.key[e.key.length - 1]) && isLatinEdge(text[i + e.key.length])) return false;
  return true;
}

function replacementFor(e: VocabularyEntry, matched: string, opts: VocabularyOptions): Partial<Speak> {
  const value = e.value.trim();
  switch (e.type) {
    case 'ALIAS':
      return { text: value };
    case 'SAY_AS':
      return { text: expandSayAs(matched, value, opts.language ?? (HAN.test(matched) ? 'zh' : 'en')) };
    case 'PHONETIC_SYMBOL': {
      const espeak = /^\[\[(.*)\]\]$/s.exec(value);
      return {
        phonemes: espeak ? { alphabet: 'x-espeak', ph: espeak[1].trim() } : { alphabet: 'ipa', ph: value },
      };
    }
    case 'CHINESE_G2P':
      return { phonemes: { alphabet: 'pinyin', ph: value.toLowerCase().split(/\s+/).join(' ') } };
    case 'CONTINUUM': {
      // Han: drop everything but the characters; Latin: one space between parts, no punctuation.
      const joined = HAN.test(matched)
        ? matched.replace(/[^\p{L}\p{N}]+/gu, '')
        : matched.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
      return joined === matched ? {} : { text: joined };
    }
  }
}
