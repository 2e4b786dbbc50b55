// Subtitles from word timings: the TTS job's audio_srt_file_url, and (through buildCues) the
// subtitles burnt into videos. Cue text is cut from the caller's original text (SSML markup
// removed), so the subtitle shows what the user wrote, not what the engine was told to say.
import { isSsml, stripMarkup } from './ssml.ts';
import type { WordTiming } from './types.ts';

export interface Cue {
  /** 1-based, as in SRT. */
  index: number;
  startMs: number;
  endMs: number;
  /** Lines of the cue (at most lineLimit). */
  lines: string[];
  /** [start, end) of the cue in the original text. */
  source: [number, number];
}

export interface CueOptions {
  /** MetaStudio srt_len: characters per line; 0 or absent = 20 for Chinese text, 42 otherwise. */
  maxChars?: number;
  /** MetaStudio srt_line_limit: lines per cue; 0 or absent = 1. */
  lineLimit?: number;
}

export const DEFAULT_HAN_LINE = 20;
export const DEFAULT_LATIN_LINE = 42;

const HAN = /\p{Script=Han}/u;
const SENTENCE_END = /[.!?。！？；;…]["”’」』）)]*\s*$/u;
const CLAUSE_END = /[,，、:：]["”’」』）)]*\s*$/u;

/**
 * Groups words into cues. A cue ends at sentence punctuation, at a clause mark once it is at
 * least half full, or before a word that would overflow maxChars × lineLimit. Words are never
 * split (a single over-long word gets a cue of its own). Cues are in order and never overlap.
 */
export function buildCues(words: WordTiming[], original: string, opts: CueOptions = {}): Cue[] {
  const units = mergeUnits(words);
  if (!units.length) return [];
  const markup = isSsml(original);
  const display = (a: number, b: number): string =>
    (markup ? stripMarkup(original.slice(a, b)) : original.slice(a, b)).replace(/\s+/g, ' ').trim();
  const hanText =
    units.filter((u) => HAN.test(original.slice(u.source[0], u.source[1]))).length * 2 > units.length;
  const lineChars = opts.maxChars || (hanText ? DEFAULT_HAN_LINE : DEFAULT_LATIN_LINE);
  const lineLimit = Math.max(1, opts.lineLimit || 1);
  const budget = lineChars * lineLimit;

  // Each unit's text runs to the start of the next unit (the last one to the end of the text),
  // so the punctuation after a word stays with it.
  const spanEnd = (k: number): number => (k + 1 < units.length ? units[k + 1].source[0] : original.length);
  const tail = (k: number): string => {
    const t = original.slice(units[k].source[1], spanEnd(k));
    return markup ? stripMarkup(t) : t;
  };
  const length = (a: number, b: number): number => display(units[a].source[0], units[b].source[1]).length;
  const groups: [number, number][] = [];
  let first = 0;
  for (let k = 0; k < units.length; k++) {
    while (k > first && length(first, k) > budget) {
      // Overflow: cut after the last punctuation (if the cue is not left tiny), else at the last
      // unit boundary that is also a word boundary (Chinese words span several characters).
      let cut = k - 1;
      const punct = findLast(first, k - 1, (j) => /[\p{P}]/u.test(tail(j)) && length(first, j) >= budget / 3);
      const wordEnds = wordBoundaries(original, units[first].source[0], units[k].source[1]);
      const word = findLast(first, k - 1, (j) => wordEnds.has(units[j + 1].source[0]));
      cut = punct ?? word ?? cut;
      groups.push([first, cut]);
      first = cut + 1;
    }
    if (SENTENCE_END.test(tail(k)) || (CLAUSE_END.test(tail(k)) && length(first, k) >= budget / 2)) {
      groups.push([first, k]);
      first = k + 1;
    }
  }
  if (first < units.length) groups.push([first, units.length - 1]);

  const cues: Cue[] = groups.map(([a, b], i) => {
    const source: [number, number] = [
      units[a].source[0],
      b + 1 < units.length ? units[b + 1].source[0] : spanEnd(b),
    ];
    const text = display(source[0], Math.max(source[1], units[b].source[1]));
    return {
      index: i + 1,
      startMs: Math.max(0, Math.round(units[a].startMs)),
      endMs: Math.round(units[b].endMs),
      lines: wrap(text, lineChars, lineLimit),
      source,
    };
  });
  // In order and never overlapping; every cue at least 1 ms long.
  for (let i = 0; i < cues.length; i++) {
    const prevEnd = i > 0 ? cues[i - 1].endMs : 0;
    cues[i].startMs = Math.max(cues[i].startMs, prevEnd);
    cues[i].endMs = Math.max(cues[i].endMs, cues[i].startMs + 1);
  }
  return cues;
}

/** SRT text of the cues (UTF-8, blank line between cues, CRLF-free). */
export function buildSrt(words: WordTiming[], original: string, opts: CueOptions = {}): string {
  return buildCues(words, original, opts)
    .map((c) => `${c.index}\n${srtTime(c.startMs)} --> ${srtTime(c.endMs)}\n${c.lines.join('\n')}\n`)
    .join('\n');
}

/** 3723004 → "01:02:03,004". */
export function srtTime(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(Math.floor(t / 3_600_000))}:${pad(Math.floor(t / 60_000) % 60)}:${pad(Math.floor(t / 1000) % 60)},${pad(t % 1000, 3)}`;
}

function findLast(from: number, to: number, ok: (j: number) => boolean): number | undefined {
  for (let j = to; j >= from; j--) if (ok(j)) return j;
  return undefined;
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * Offsets in [from, to) of `text` where words start or end (ICU: Chinese words without spaces
 * too). Only a window is segmented: ICU word segmentation slows down quadratically on long text.
 */
function wordBoundaries(text: string, from: number, to: number): Set<number> {
  const out = new Set<number>();
  for (const seg of segmenter.segment(text.slice(from, to))) {
    out.add(from + seg.index);
    out.add(from + seg.index + seg.segment.length);
  }
  return out;
}

interface Unit {
  source: [number, number];
  startMs: number;
  endMs: number;
}

/** Words sorted by position; words sharing source characters (one say-as expands to many) become one unit. */
function mergeUnits(words: WordTiming[]): Unit[] {
  const sorted = [...words]
    .filter((w) => w.source[1] >= w.source[0])
    .sort((a, b) => a.source[0] - b.source[0] || a.startMs - b.startMs);
  const units: Unit[] = [];
  for (const w of sorted) {
    const last = units[units.length - 1];
    if (last && w.source[0] < last.source[1]) {
      last.source[1] = Math.max(last.source[1], w.source[1]);
      last.startMs = Math.min(last.startMs, w.startMs);
      last.endMs = Math.max(last.endMs, w.endMs);
    } else units.push({ source: [w.source[0], w.source[1]], startMs: w.startMs, endMs: w.endMs });
  }
  return units;
}

/** Breaks a cue into at most `lineLimit` lines of about `lineChars`, between words (ICU words for Chinese). */
function wrap(text: string, lineChars: number, lineLimit: number): string[] {
  if (lineLimit <= 1 || text.length <= lineChars) return [text];
  // Tokens are words; punctuation sticks to the word before it so no line starts with it.
  const tokens: string[] = [];
  for (const seg of segmenter.segment(text)) {
    const glue = !seg.isWordLike && seg.segment.trim() && tokens.length;
    if (glue) tokens[tokens.length - 1] += seg.segment;
    else tokens.push(seg.segment);
  }
  const lines: string[] = [''];
  for (const tok of tokens) {
    const line = lines[lines.length - 1];
    if (line.trim() && (line + tok).trimEnd().length > lineChars && lines.length < lineLimit && tok.trim()) {
      lines.push(tok);
    } else lines[lines.length - 1] = line + tok;
  }
  return lines.map((l) => l.trim()).filter(Boolean);
}
