// Pure planning for the eSpeak engine: MetaStudio prosody → eSpeak parameters, voice choice
// per piece (mixed Chinese/English), and the script cut into per-sentence engine requests
// that remember how to map word offsets back to the caller's original text. Unit-tested.
import type { SynthRequest } from '../protocol.ts';
import type { Prosody, ScriptPiece, SpeechScript, VoiceSpec } from '../types.ts';

/** eSpeak's defaults: 175 words per minute, pitch 50 and range 50 of 0–99, amplitude 100. */
export const ESPEAK_DEFAULTS = { rate: 175, pitch: 50, range: 50, volume: 100 } as const;
export const ESPEAK_SAMPLE_RATE = 22_050;

/** Default eSpeak voice per language family; other languages use the language code as the voice name. */
const DEFAULT_VOICES: Record<string, string> = { zh: 'cmn', en: 'en-us' };

/** 'zh-CN', 'cmn', 'zh' → 'zh'; 'en-US' → 'en'. */
export function languageFamily(language: string): string {
  const primary = language.toLowerCase().split(/[-_]/)[0] ?? '';
  return primary === 'cmn' || primary === 'zh' ? 'zh' : primary;
}

const num = (v: string | number | undefined, fallback: number): number => {
  const n = typeof v === 'string' ? Number(v) : v;
  return n === undefined || !Number.isFinite(n) ? fallback : n;
};
const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, v)));

/**
 * The eSpeak voice for a piece. A VoiceSpec's params: `voice` (eSpeak voice name, default by
 * language), `variant` (e.g. `f3`, `m2`, `klatt`), base `rate` (wpm), `pitch` and `range` (0–99)
 * and `volume` (amplitude at the default volume 140; 100 when absent).
 * A piece in another language family than the voice (English inside a Chinese request, or
 * the reverse) takes that language's default voice, keeping the variant so the speaker's
 * character carries over.
 */
export function espeakVoiceFor(voice: VoiceSpec, pieceLanguage?: string): string {
  const variant = voice.params.variant ? `+${voice.params.variant}` : '';
  const own = languageFamily(voice.language);
  if (pieceLanguage && languageFamily(pieceLanguage) !== own) {
    const fam = languageFamily(pieceLanguage);
    return `${DEFAULT_VOICES[fam] ?? fam}${variant}`;
  }
  const name = typeof voice.params.voice === 'string' && voice.params.voice ? voice.params.voice : undefined;
  return `${name ?? DEFAULT_VOICES[own] ?? own}${variant}`;
}

export interface Multipliers {
  rate?: number;
  pitch?: number;
  volume?: number;
}

/**
 * MetaStudio prosody (100 = neutral; volume 140 = default) scaled onto the voice's base
 * values, times the piece's SSML <prosody> multipliers:
 * rate wpm = base × speed/100 (50 → ×0.5, 200 → ×2; eSpeak accepts 80–450),
 * pitch = base × pitch/100 (0–99), amplitude = base (100) × volume/140 (0–200).
 */
export function espeakProsody(
  prosody: Prosody,
  params: VoiceSpec['params'],
  m: Multipliers = {},
): Pick<SynthRequest, 'rate' | 'pitch' | 'volume' | 'range'> {
  const baseRate = num(params.rate, ESPEAK_DEFAULTS.rate);
  const basePitch = num(params.pitch, ESPEAK_DEFAULTS.pitch);
  // A trained voice's measured loudness: its own amplitude at the default volume (140).
  const baseVolume = num(params.volume, ESPEAK_DEFAULTS.volume);
  return {
    rate: clamp(baseRate * (prosody.speed / 100) * (m.rate ?? 1), 80, 450),
    pitch: clamp(basePitch * (prosody.pitch / 100) * (m.pitch ?? 1), 0, 99),
    volume: clamp(baseVolume * (prosody.volume / 140) * (m.volume ?? 1), 0, 200),
    range: clamp(num(params.range, ESPEAK_DEFAULTS.range), 0, 99),
  };
}

/**
 * How the words of one request map back to SpeechScript.original: `offset` adds the
 * request's position when its text is a verbatim slice of the original; `whole` collapses
 * all words into one spanning the piece's source (aliases, say-as, phoneme input: the
 * spoken text is not the written one, so finer mapping would point at the wrong characters).
 */
export type SourceMap = { kind: 'offset'; base: number } | { kind: 'whole'; source: [number, number] };

export type Step =
  | { kind: 'silence'; ms: number }
  | { kind: 'synth'; request: Omit<SynthRequest, 'id' | 'op'>; map: SourceMap };

const SENTENCE_END = /[。！？!?；;…\n]+|[.](?=\s|$)/gu;

/** [start, end) offsets of sentences in `text`, each ending after its terminator. */
export function splitSentences(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (const m of text.matchAll(SENTENCE_END)) {
    const end = m.index + m[0].length;
    if (text.slice(start, end).trim() !== '') out.push([start, end]);
    start = end;
  }
  if (text.slice(start).trim() !== '') out.push([start, text.length]);
  return out;
}

export function planEspeak(script: SpeechScript, voice: VoiceSpec, prosody: Prosody): Step[] {
  const steps: Step[] = [];
  for (const piece of script.pieces) {
    if (piece.kind === 'break') {
      if (piece.ms > 0) steps.push({ kind: 'silence', ms: piece.ms });
      continue;
    }
    steps.push(...planPiece(script.original, piece, voice, prosody));
  }
  return steps;
}

function planPiece(
  original: string,
  piece: Extract<ScriptPiece, { kind: 'speak' }>,
  voice: VoiceSpec,
  prosody: Prosody,
): Step[] {
  const params = espeakProsody(prosody, voice.params, piece);
  const language = piece.language ?? voice.language;
  const whole: SourceMap = { kind: 'whole', source: piece.source };
  if (piece.phonemes) {
    const { alphabet, ph } = piece.phonemes;
    if (alphabet === 'x-espeak') {
      return [
        {
          kind: 'synth',
          map: whole,
          request: { ...params, text: ph, voice: espeakVoiceFor(voice, language), phonemeInput: true },
        },
      ];
    }
    if (alphabet === 'pinyin') {
      // eSpeak reads tone-numbered pinyin (`ni3 hao3`) with its cmn-latn-pinyin voice.
      const variant = voice.params.variant ? `+${voice.params.variant}` : '';
      return [
        { kind: 'synth', map: whole, request: { ...params, text: ph, voice: `cmn-latn-pinyin${variant}` } },
      ];
    }
    // IPA has no faithful route into eSpeak's phoneme input: speak the text instead.
  }
  if (piece.text.trim() === '') return [];
  const verbatim = original.slice(piece.source[0], piece.source[1]) === piece.text;
  const voiceName = espeakVoiceFor(voice, language);
  if (!verbatim)
    return [{ kind: 'synth', map: whole, request: { ...params, text: piece.text, voice: voiceName } }];
  return splitSentences(piece.text).map(([s, e]) => ({
    kind: 'synth' as const,
    map: { kind: 'offset' as const, base: piece.source[0] + s },
    request: { ...params, text: piece.text.slice(s, e), voice: voiceName },
  }));
}
