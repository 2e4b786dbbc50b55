// Lips from a recording: an uploaded audio file has no phoneme timings, so the mouth follows
// the sound itself. Per 20 ms window: loudness (RMS against the clip's own speech level) and
// zero-crossing rate. Quiet windows are silence; noisy, high-crossing windows are fricatives
// (s/sh: teeth together); voiced windows open the mouth by loudness, cycling through vowel
// shapes on each new syllable-sized loudness peak so it does not look like one held "ah".
// The result is a list of pseudo-phonemes (IPA the viseme table knows), so the recording goes
// through the same viseme timeline, smoothing and frame plan as synthesised speech.
// Not phoneme-accurate, by design: it needs no model and no language. Pure; unit-tested.
import type { PhonemeTiming } from '../speech/types.ts';

export const WINDOW_MS = 20;

/** Loudness classes → the IPA symbol whose viseme draws that opening. */
const OPEN_VOWELS = ['a', 'o', 'e', 'a', 'u', 'e'] as const;

export interface AudioLipsOptions {
  /** Windows quieter than this fraction of the clip's speech level are silence (default 0.12). */
  silenceRatio?: number;
}

/** Pseudo-phoneme timings for mono 16-bit PCM. */
export function phonemesFromPcm(
  samples: Int16Array,
  sampleRate: number,
  opts: AudioLipsOptions = {},
): PhonemeTiming[] {
  const win = Math.max(1, Math.round((sampleRate * WINDOW_MS) / 1000));
  const n = Math.floor(samples.length / win);
  if (n === 0) return [];
  const rms = new Float64Array(n);
  const zcr = new Float64Array(n);
  for (let w = 0; w < n; w++) {
    let sum = 0;
    let crossings = 0;
    let prev = samples[w * win];
    for (let i = w * win; i < (w + 1) * win; i++) {
      const v = samples[i];
      sum += v * v;
      if (v >= 0 !== prev >= 0) crossings++;
      prev = v;
    }
    rms[w] = Math.sqrt(sum / win);
    zcr[w] = crossings / win;
  }
  // The clip's speech level: the 90th percentile of window loudness, so a few loud peaks or a
  // long silence do not skew it.
  const sorted = [...rms].sort((a, b) => a - b);
  const level = sorted[Math.min(n - 1, Math.floor(n * 0.9))];
  if (level < 30) return []; // digital silence (< -60 dBFS): the mouth stays closed
  const silence = level * (opts.silenceRatio ?? 0.12);

  const out: PhonemeTiming[] = [];
  let vowel = 0;
  let wasPeak = false;
  for (let w = 0; w < n; w++) {
    const r = rms[w];
    if (r < silence) {
      wasPeak = false;
      continue;
    }
    const rel = r / level;
    let symbol: string;
    if (zcr[w] > 0.25 && rel < 0.7) symbol = 's';
    else if (rel < 0.3) symbol = 'n';
    else {
      // A rise over the previous window starts a new syllable: the next vowel shape.
      const peak = w > 0 && r > rms[w - 1] * 1.25;
      if (peak && !wasPeak) vowel = (vowel + 1) % OPEN_VOWELS.length;
      wasPeak = peak;
      symbol = rel < 0.55 ? 'e' : OPEN_VOWELS[vowel];
    }
    const startMs = w * WINDOW_MS;
    const last = out[out.length - 1];
    if (last && last.phoneme === symbol && last.endMs === startMs) last.endMs = startMs + WINDOW_MS;
    else out.push({ phoneme: symbol, startMs, endMs: startMs + WINDOW_MS });
  }
  return out;
}
