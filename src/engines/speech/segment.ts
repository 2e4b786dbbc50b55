// Splitting a script for the engines: by language (a Mandarin voice reading "iPhone 15 很好"
// hands "iPhone 15" to an English voice), and by sentence, so an engine can synthesize and
// stream one sentence at a time. Pure functions; sources stay exact offsets into the original.
import { mapToSource, sourceMap } from './ssml.ts';
import type { ScriptPiece, SpeechScript } from './types.ts';

type Speak = Extract<ScriptPiece, { kind: 'speak' }>;

/** Primary language of a voice: 'zh' for zh/cmn/yue/zh-CN…, else the first subtag, lower-cased. */
export function primaryLanguage(language: string): string {
  const first = language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return first === 'cmn' || first === 'yue' || first === 'zho' || first === 'chi' ? 'zh' : first;
}

/**
 * The part [a, b) of a piece's text as a piece of its own, trimmed; undefined when blank.
 * Pass `map` (sourceMap of the piece) when cutting one piece many times.
 */
export function subPiece(
  original: string,
  piece: Speak,
  a: number,
  b: number,
  map: number[] | undefined = sourceMap(original, piece),
): Speak | undefined {
  const raw = piece.text.slice(a, b);
  const lead = raw.length - raw.trimStart().length;
  const trail = raw.trimEnd().length;
  if (trail <= lead) return undefined;
  if (lead === 0 && trail === piece.text.length) return piece;
  return {
    ...piece,
    text: raw.slice(lead, trail),
    source: mapToSource(original, piece, a + lead, a + trail, map),
  };
}

const HAN = /\p{Script=Han}/u;
const LATIN = /\p{Script=Latin}/u;

function scriptOf(ch: string): 'zh' | 'en' | undefined {
  if (HAN.test(ch)) return 'zh';
  if (LATIN.test(ch)) return 'en';
  return undefined; // digits, punctuation, spaces: they belong to a neighbour
}

/**
 * Splits speak pieces into runs of Han (→ 'zh') and Latin letters (→ 'en'); digits and
 * punctuation stay with the run before them (or after, at the start). A piece carries
 * `language` only when it differs from the voice's. Pinyin phoneme pieces are 'zh'.
 */
export function splitByLanguage(script: SpeechScript, voiceLanguage: string): SpeechScript {
  const voice = primaryLanguage(voiceLanguage);
  const tag = (p: Speak, lang: string | undefined): Speak => {
    const { language: _old, ...rest } = p;
    return lang && lang !== voice ? { ...rest, language: lang } : rest;
  };
  const pieces: ScriptPiece[] = [];
  for (const piece of script.pieces) {
    if (piece.kind !== 'speak') {
      pieces.push(piece);
      continue;
    }
    if (piece.phonemes) {
      pieces.push(piece.phonemes.alphabet === 'pinyin' ? tag(piece, 'zh') : piece);
      continue;
    }
    const runs: { lang: string | undefined; start: number }[] = [];
    let i = 0;
    for (const ch of piece.text) {
      const lang = scriptOf(ch);
      const last = runs[runs.length - 1];
      if (!last) runs.push({ lang, start: 0 });
      else if (lang && !last.lang) last.lang = lang;
      else if (lang && lang !== last.lang) runs.push({ lang, start: i });
      i += ch.length;
    }
    const map = sourceMap(script.original, piece);
    runs.forEach((run, k) => {
      const end = k + 1 < runs.length ? runs[k + 1].start : piece.text.length;
      const sub = subPiece(script.original, piece, run.start, end, map);
      if (sub) pieces.push(tag(sub, run.lang ?? piece.language));
    });
  }
  return { original: script.original, pieces };
}

/** Default sentence length for streaming: a few seconds of speech. */
export const SENTENCE_MAX_CHARS = 200;

// Ends a sentence: CJK marks anywhere; ASCII marks only before whitespace or the end, so
// "3.14" and "example.com" stay whole. Closing quotes and brackets stay with the sentence.
const HARD_END = /[。！？；…]+[”’」』）)\]"']*|[.!?;]+[”’」』）)\]"']*(?=\s|$)|\n+/gu;
const SOFT_END = /[,，、:：]+[”’」』）)\]"']*\s*/gu;

/**
 * Splits a script into sentences, each a script of its own over the same original, for
 * sentence-by-sentence synthesis. A sentence ends at . ! ? ; 。！？； or a newline, and after
 * a <break>; one longer than `maxChars` is cut at commas (，、 too), then between words
 * (Intl.Segmenter, so Chinese is cut between words), never inside one.
 */
export function splitSentences(script: SpeechScript, maxChars = SENTENCE_MAX_CHARS): SpeechScript[] {
  const limit = Math.max(1, maxChars);
  const sentences: SpeechScript[] = [];
  let current: ScriptPiece[] = [];
  let length = 0;
  const flush = (): void => {
    if (current.some((p) => p.kind === 'speak'))
      sentences.push({ original: script.original, pieces: current });
    else if (current.length && sentences.length) sentences[sentences.length - 1].pieces.push(...current);
    // Breaks before the first words (leading silence) open the first sentence instead.
    else if (current.length) return;
    current = [];
    length = 0;
  };
  for (const piece of script.pieces) {
    if (piece.kind === 'break') {
      current.push(piece);
      flush();
      continue;
    }
    const map = sourceMap(script.original, piece);
    for (const frag of fragments(piece.text, limit)) {
      const sub = subPiece(script.original, piece, frag.start, frag.end, map);
      if (!sub) continue;
      if (length > 0 && length + sub.text.length > limit) flush();
      current.push(sub);
      length += sub.text.length;
      if (frag.endsSentence) flush();
    }
  }
  flush();
  return sentences;
}

interface Fragment {
  start: number;
  end: number;
  endsSentence: boolean;
}

/** Sentence-sized ranges of `text`, each at most `limit` long unless a single word is longer. */
function fragments(text: string, limit: number): Fragment[] {
  const out: Fragment[] = [];
  let start = 0;
  const ends = [...text.matchAll(HARD_END)].map((m) => (m.index ?? 0) + m[0].length);
  const hard = new Set(ends);
  for (const end of [...ends, text.length]) {
    if (end <= start) continue;
    for (const [a, b] of cutLong(text, start, end, limit))
      out.push({ start: a, end: b, endsSentence: false });
    out[out.length - 1].endsSentence = hard.has(end);
    start = end;
  }
  return out;
}

function cutLong(text: string, start: number, end: number, limit: number): [number, number][] {
  if (end - start <= limit) return [[start, end]];
  const soft = [...text.slice(start, end).matchAll(SOFT_END)].map(
    (m) => start + (m.index ?? 0) + m[0].length,
  );
  const out: [number, number][] = [];
  let a = start;
  let s = 0; // soft[s] is the first soft point after a
  while (end - a > limit) {
    while (s < soft.length && soft[s] <= a) s++;
    let cut: number | undefined;
    for (let k = s; k < soft.length && soft[k] - a <= limit; k++) if (soft[k] < end) cut = soft[k];
    if (cut === undefined) {
      // Between words: the last word start within the limit, else the first one after it.
      const windowEnd = Math.min(end, a + limit * 2);
      const words = wordStarts(text, a, windowEnd).filter((b) => b > a && b < end);
      cut = last(words.filter((b) => b - a <= limit)) ?? words[0] ?? nextSpace(text, a + limit, end);
    }
    out.push([a, cut]);
    a = cut;
  }
  if (a < end) out.push([a, end]);
  return out;
}

const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];

/** After a word longer than the window: the next whitespace, or the end. */
function nextSpace(text: string, from: number, end: number): number {
  const i = text.slice(from, end).search(/\s/);
  return i < 0 ? end : from + i;
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * Offsets in [from, to) where a word starts (ICU word segmentation: works for Chinese without
 * spaces). Only a window is segmented: ICU slows down quadratically on long text.
 */
function wordStarts(text: string, from: number, to: number): number[] {
  const out: number[] = [];
  for (const seg of segmenter.segment(text.slice(from, to))) if (seg.index > 0) out.push(from + seg.index);
  return out;
}
