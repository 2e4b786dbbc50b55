// The built-in voice: an eSpeak NG preset matched to the measured profile. Not a clone —
// eSpeak's formant voices cannot take on a person's timbre — but the base voice for the
// language and sex, at the speaker's pitch, pitch range, speaking rate and loudness. Each
// setting is found by measuring what eSpeak itself produces at a few values of it (the same
// YIN and level measurements as the recordings, on a fixed text; syllables per second make
// rates comparable across texts) and inverting that, so the match does not rest on a guessed
// formula of eSpeak's internals.
import type { SpeechService, VoiceSpec } from '../../engines/speech/index.ts';
import { estimateF0, summarisePitch } from '../../engines/voice-analysis/f0.ts';
import { invert, type VoiceProfile } from '../../engines/voice-analysis/profile.ts';
import { measureSignal, spokenUnits } from '../../engines/voice-analysis/signal.ts';
import type { VoiceLanguage } from './voice-training.rules.ts';

export interface PresetChoice {
  voice: VoiceSpec;
  /** What eSpeak measured at the chosen settings, for the job result and the docs. */
  achieved: { medianHz: number; rangeSemitones: number; unitsPerSecond: number; loudnessDb: number };
}

const NEUTRAL = { speed: 100, pitch: 100, volume: 140 } as const;
const CALIBRATION_TEXT: Record<VoiceLanguage, string> = {
  CN: '今天的天气很好，我们一起去公园里走一走，看看湖边的花。',
  EN: 'Today the weather is lovely, so we will take a slow walk in the park and look at the flowers by the lake.',
};
const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, v)));

export function baseVoice(language: VoiceLanguage, sex: 'MALE' | 'FEMALE') {
  return {
    language: language === 'CN' ? 'zh' : 'en',
    voice: language === 'CN' ? 'cmn' : 'en-us',
    variant: sex === 'FEMALE' ? 'f2' : 'm3',
  };
}

/** The sex to build for when the user gave none: the usual split of speaking pitch. */
export const sexFromPitch = (medianHz: number): 'MALE' | 'FEMALE' => (medianHz >= 165 ? 'FEMALE' : 'MALE');

type Say = (params: Record<string, number>) => Promise<Measured>;
interface Measured {
  medianHz: number;
  rangeSemitones: number;
  unitsPerSecond: number;
  loudnessDb: number;
}
interface Calibration {
  pitch: Array<{ setting: number; output: number }>;
  range: Array<{ setting: number; output: number }>;
}

/**
 * How eSpeak's pitch and range settings come out for a base voice, measured once per process
 * (eSpeak is deterministic, so the answer never changes for a voice and text).
 */
const calibrations = new Map<string, Promise<Calibration>>();

async function calibrate(say: Say): Promise<Calibration> {
  const pitch = [];
  for (const p of [0, 25, 50, 75, 99]) pitch.push({ setting: p, output: (await say({ pitch: p })).medianHz });
  const range = [];
  for (const r of [0, 50, 99]) range.push({ setting: r, output: (await say({ range: r })).rangeSemitones });
  return { pitch, range };
}

export async function matchPreset(
  speech: SpeechService,
  profile: VoiceProfile,
  opts: { language: VoiceLanguage; sex: 'MALE' | 'FEMALE'; signal?: AbortSignal },
): Promise<PresetChoice> {
  const base = baseVoice(opts.language, opts.sex);
  const text = CALIBRATION_TEXT[opts.language];
  const say: Say = async (params) => {
    const voice: VoiceSpec = {
      engine: 'espeak',
      language: base.language,
      params: { voice: base.voice, variant: base.variant, ...params },
    };
    const s = await speech.synthesizeAll({
      script: { original: text, pieces: [{ kind: 'speak', text, source: [0, text.length] }] },
      voice,
      prosody: NEUTRAL,
      signal: opts.signal,
    });
    const pitch = summarisePitch(estimateF0(s.samples, s.sampleRate));
    const level = measureSignal(s.samples, s.sampleRate);
    return {
      medianHz: pitch?.medianHz ?? Number.NaN,
      rangeSemitones: pitch?.rangeSemitones ?? Number.NaN,
      unitsPerSecond: spokenUnits(text) / Math.max(0.05, level.activeMs / 1000),
      loudnessDb: level.speechDb,
    };
  };
  const key = `${base.voice}+${base.variant}`;
  let cal = calibrations.get(key);
  if (!cal) {
    cal = calibrate(say);
    calibrations.set(key, cal);
    cal.catch(() => calibrations.delete(key));
  }
  const c = await cal;
  const range = clamp(invert(c.range, profile.pitch.rangeSemitones), 0, 99);
  let pitch = clamp(invert(c.pitch, profile.pitch.medianHz), 0, 99);
  // One correction: the range setting moves the median a little; shift the pitch curve by what
  // this voice really gave and invert again.
  const first = await say({ pitch, range, rate: 175 });
  const expected = c.pitch.find((q) => q.setting === pitch)?.output ?? interpolate(c.pitch, pitch);
  if (Number.isFinite(first.medianHz) && Number.isFinite(expected)) {
    const shift = first.medianHz - expected;
    pitch = clamp(
      invert(
        c.pitch.map((q) => ({ ...q, output: q.output + shift })),
        profile.pitch.medianHz,
      ),
      0,
      99,
    );
  }
  const rate =
    profile.unitsPerSecond !== undefined
      ? clamp((175 * profile.unitsPerSecond) / first.unitsPerSecond, 80, 450)
      : 175;
  const volume = clamp(100 * 10 ** ((profile.loudnessDb - first.loudnessDb) / 20), 10, 200);
  const params = { voice: base.voice, variant: base.variant, pitch, range, rate, volume };
  const achieved = await say({ pitch, range, rate, volume });
  return { voice: { engine: 'espeak', language: base.language, params }, achieved };
}

/** The output at `setting` on the measured curve (linear between its points). */
function interpolate(points: ReadonlyArray<{ setting: number; output: number }>, setting: number): number {
  const pts = [...points].sort((a, b) => a.setting - b.setting);
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (setting <= b.setting)
      return a.output + ((setting - a.setting) / (b.setting - a.setting)) * (b.output - a.output);
  }
  return pts.at(-1)?.output ?? Number.NaN;
}
