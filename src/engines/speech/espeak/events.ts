// eSpeak NG's synthesis events → protocol word and phoneme timings. Pure; unit-tested.
// Verified against @echogarden/espeak-ng-emscripten 0.3.5: `text_position` is 1-based and
// counts Unicode code points (not UTF-8 bytes, not UTF-16 units); `audio_position` is ms
// from the start of the synth call. `word_length` is right for alphabetic words but not for
// Chinese, where espeak segments by its dictionary (你好 arrives as position 1, length 1),
// so a word runs to the next word's start, minus trailing spaces and punctuation.
import type { WirePhoneme, WireWord } from '../protocol.ts';

export interface EspeakEvent {
  type: string;
  text_position: number;
  word_length: number;
  audio_position: number;
  id?: string | number;
}

/** utf16[i] is the UTF-16 offset of code point i; one extra entry for the end of the text. */
export function codePointToUtf16(text: string): number[] {
  const out: number[] = [];
  let i = 0;
  for (const ch of text) {
    out.push(i);
    i += ch.length;
  }
  out.push(i);
  return out;
}

const TRAILING = /[\s\p{P}\p{S}]/u;

/** A phoneme event that carries a sound (not a pause, not a `(en)` language switch marker). */
function phonemeName(e: EspeakEvent): string | undefined {
  if (e.type !== 'phoneme' || typeof e.id !== 'string') return undefined;
  const p = e.id.trim();
  if (p === '' || /^\(.*\)$/.test(p)) return undefined;
  return p;
}

export function eventsToTimings(
  text: string,
  events: EspeakEvent[],
  durationMs: number,
): { words: WireWord[]; phonemes: WirePhoneme[] } {
  const utf16 = codePointToUtf16(text);
  const cpCount = utf16.length - 1;
  const cps = Array.from(text);

  // The first later event of the given kinds, at or after `pos` ms: where this one ends.
  const nextBoundary = (from: number, pos: number, isBoundary: (e: EspeakEvent) => boolean): number => {
    for (let j = from + 1; j < events.length; j++) {
      const e = events[j]!;
      if (isBoundary(e) && e.audio_position >= pos) return e.audio_position;
    }
    return Math.max(pos, durationMs);
  };
  const wordStarts = events.filter((e) => e.type === 'word').map((e) => e.text_position - 1);

  const words: WireWord[] = [];
  const phonemes: WirePhoneme[] = [];
  let w = 0;
  events.forEach((e, i) => {
    if (e.type === 'word') {
      const startCp = Math.min(Math.max(0, e.text_position - 1), cpCount);
      const next = wordStarts.slice(w + 1).find((s) => s > startCp);
      w++;
      let endCp = Math.min(next ?? cpCount, cpCount);
      while (endCp > startCp + 1 && TRAILING.test(cps[endCp - 1]!)) endCp--;
      if (startCp >= cpCount) return;
      const endMs = nextBoundary(
        i,
        e.audio_position,
        (b) =>
          b.type === 'word' ||
          b.type === 'end' ||
          b.type === 'sentence' ||
          (b.type === 'phoneme' && b.id !== undefined && String(b.id).trim() === ''),
      );
      words.push({ start: utf16[startCp]!, end: utf16[endCp]!, startMs: e.audio_position, endMs });
      return;
    }
    const name = phonemeName(e);
    if (name === undefined) return;
    const endMs = nextBoundary(
      i,
      e.audio_position,
      (b) => b.type === 'phoneme' || b.type === 'word' || b.type === 'end' || b.type === 'sentence',
    );
    phonemes.push({ phoneme: name, startMs: e.audio_position, endMs });
  });
  return { words, phonemes };
}

const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '[': '(', ']': ')' };

/**
 * The eSpeak build parses SSML in its input (a literal `<break time="9999s"/>` would be
 * obeyed) and `[[…]]` as phoneme input, so plain text goes in escaped. `toSource[i]` maps a
 * UTF-16 offset in the escaped text back to one in `text` (one extra entry for the end).
 */
export function escapeForEspeak(text: string): { text: string; toSource: number[] } {
  let out = '';
  const toSource: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const rep = ESCAPES[ch] ?? ch;
    for (let k = 0; k < rep.length; k++) toSource.push(i);
    out += rep;
  }
  toSource.push(text.length);
  return { text: out, toSource };
}

/** Drops trailing spaces and punctuation from [start, end) of `text`, keeping at least one unit. */
export function trimWordEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start + 1 && TRAILING.test(text[e - 1]!)) e--;
  return e;
}
