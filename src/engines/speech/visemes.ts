// Phoneme timings → viseme timeline: the audio_action_file_url content that the 2D avatar
// renderer reads to pick mouth shapes. The viseme set is the 15 of the MPEG-4 / Oculus
// lip-sync convention. Input is IPA as eSpeak NG reports it for English and Mandarin
// (stress ˈˌ, length ː, tone letters and digits are ignored). Format: docs/speech-action-file.md.
import type { PhonemeTiming } from './types.ts';

// biome-ignore format: a table
export const VISEMES = [
  'sil', 'PP', 'FF', 'TH', 'DD', 'kk', 'CH', 'SS', 'nn', 'RR', 'aa', 'E', 'ih', 'oh', 'ou',
] as const;
export type Viseme = (typeof VISEMES)[number];

// snake_case like the info file and the MetaStudio wire: this JSON is served to API users.
export interface VisemeCue {
  viseme: Viseme;
  start_ms: number;
  end_ms: number;
  /** How open/pronounced the shape is, 0–1 (0 for sil). */
  weight: number;
}

export interface VisemeTimeline {
  format: 'doppel.visemes';
  version: 1;
  viseme_set: 'oculus-15';
  duration_ms: number;
  /** Contiguous, ordered, covering [0, duration_ms]. */
  cues: VisemeCue[];
}

/** Cues shorter than this are folded into a neighbour: the eye cannot see them, the renderer would flicker. */
export const MIN_VISEME_MS = 40;

// Multi-letter sounds first (diphthongs, affricates), then single letters.
// biome-ignore format: a table
const MULTI: [string, Viseme][] = [
  ['tʃ', 'CH'], ['dʒ', 'CH'], ['tɕ', 'CH'], ['dʑ', 'CH'], ['tʂ', 'CH'], ['dʐ', 'CH'],
  ['ts', 'SS'], ['dz', 'SS'],
  ['oʊ', 'oh'], ['əʊ', 'oh'], ['ɔɪ', 'oh'], ['ou', 'oh'],
  ['aɪ', 'aa'], ['aʊ', 'aa'], ['ai', 'aa'], ['au', 'aa'],
  ['eɪ', 'E'], ['ei', 'E'], ['eə', 'E'],
  ['ɪə', 'ih'], ['ʊə', 'ou'], ['ɚ', 'RR'], ['ɝ', 'RR'],
];

// biome-ignore format: a table
const SINGLE: Record<string, Viseme> = {
  p: 'PP', b: 'PP', m: 'PP', ɱ: 'FF',
  f: 'FF', v: 'FF', ʋ: 'FF',
  θ: 'TH', ð: 'TH',
  t: 'DD', d: 'DD', ɾ: 'DD', ʔ: 'DD',
  k: 'kk', g: 'kk', ɡ: 'kk', x: 'kk', χ: 'kk', h: 'kk', ɦ: 'kk', ɣ: 'kk', q: 'kk',
  ʃ: 'CH', ʒ: 'CH', ɕ: 'CH', ʑ: 'CH', ʂ: 'CH', j: 'ih', c: 'CH', ç: 'CH',
  s: 'SS', z: 'SS',
  n: 'nn', ŋ: 'nn', ɲ: 'nn', l: 'nn', ɫ: 'nn', ɬ: 'nn',
  r: 'RR', ɹ: 'RR', ɻ: 'RR', ʐ: 'RR', ʁ: 'RR', ɐ: 'aa',
  a: 'aa', ɑ: 'aa', æ: 'aa', ʌ: 'aa', ä: 'aa', ɒ: 'oh',
  e: 'E', ɛ: 'E', ə: 'E', ɜ: 'E', ɘ: 'E', ɤ: 'E',
  i: 'ih', ɪ: 'ih', ɨ: 'ih',
  o: 'oh', ɔ: 'oh', ɵ: 'oh',
  u: 'ou', ʊ: 'ou', w: 'ou', ɯ: 'ou', y: 'ou', ʏ: 'ou', ɥ: 'ou', ø: 'ou',
};

const VOWELS = new Set<Viseme>(['aa', 'E', 'ih', 'oh', 'ou']);
const WEIGHT = (v: Viseme): number => (v === 'sil' ? 0 : VOWELS.has(v) ? 1 : v === 'PP' ? 0.9 : 0.7);

/** The viseme of one eSpeak IPA phoneme; pauses, unknown and empty symbols are 'sil'. */
export function phonemeToViseme(phoneme: string): Viseme {
  // Drop stress, length, tone letters and numbers, syllable marks, ties and combining diacritics.
  const p = phoneme
    .normalize('NFD')
    .replace(/[ˈˌːˑ˥˦˧˨˩0-9.‿ʰʲʷ_\s-]|\p{M}/gu, '')
    .toLowerCase();
  if (!p) return 'sil';
  for (const [prefix, v] of MULTI) if (p.startsWith(prefix)) return v;
  return SINGLE[String.fromCodePoint(p.codePointAt(0) ?? 0)] ?? 'sil';
}

/**
 * Builds the timeline: one cue per phoneme, gaps filled with sil, neighbours with the same
 * viseme merged, cues shorter than MIN_VISEME_MS folded into the previous cue (or the next,
 * at the start), all clamped to [0, durationMs].
 */
export function visemeTimeline(phonemes: PhonemeTiming[], durationMs: number): VisemeTimeline {
  const total = Math.max(0, Math.round(durationMs));
  const raw: VisemeCue[] = [];
  let t = 0;
  for (const ph of [...phonemes].sort((a, b) => a.startMs - b.startMs)) {
    const start = Math.max(t, Math.min(total, Math.round(ph.startMs)));
    const end = Math.max(start, Math.min(total, Math.round(ph.endMs)));
    if (end <= start) continue;
    if (start > t) raw.push(cue('sil', t, start));
    raw.push(cue(phonemeToViseme(ph.phoneme), start, end));
    t = end;
  }
  if (t < total) raw.push(cue('sil', t, total));

  const merged = mergeSame(raw);
  const folded: VisemeCue[] = [];
  for (const c of merged) {
    const prev = folded[folded.length - 1];
    if (prev && c.end_ms - c.start_ms < MIN_VISEME_MS) {
      prev.end_ms = c.end_ms;
    } else if (prev && prev.end_ms - prev.start_ms < MIN_VISEME_MS && folded.length === 1) {
      // A short first cue gives way to the second.
      folded[0] = { ...c, start_ms: prev.start_ms };
    } else folded.push({ ...c });
  }
  return {
    format: 'doppel.visemes',
    version: 1,
    viseme_set: 'oculus-15',
    duration_ms: total,
    cues: mergeSame(folded),
  };
}

const cue = (viseme: Viseme, start_ms: number, end_ms: number): VisemeCue => ({
  viseme,
  start_ms,
  end_ms,
  weight: WEIGHT(viseme),
});

function mergeSame(cues: VisemeCue[]): VisemeCue[] {
  const out: VisemeCue[] = [];
  for (const c of cues) {
    const prev = out[out.length - 1];
    if (prev && prev.viseme === c.viseme) prev.end_ms = c.end_ms;
    else out.push({ ...c });
  }
  return out;
}
