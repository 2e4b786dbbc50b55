// Level measurements of a recording for review and profiling: loudness of the speech,
// how much of it is speech, clipping, and a signal-to-noise estimate from the quiet frames
// against the loud ones. Pure; frames of 20 ms.

export interface SignalStats {
  durationMs: number;
  /** Time between the first and last frame that is speech, ms. */
  speechMs: number;
  /** Total of the frames that are speech, ms (pauses left out). */
  activeMs: number;
  /** RMS of the speech frames, dBFS (−∞ when there are none). */
  speechDb: number;
  /** RMS of the quietest tenth of the frames, dBFS: the noise floor. */
  noiseDb: number;
  /** Loudest frames (95th percentile) over noiseDb, capped at 90 dB (digital silence has no floor). */
  snrDb: number;
  /** Share of samples at full scale (|x| ≥ 32 700 of 32 767). */
  clippedRatio: number;
  /** Longest run of full-scale samples. */
  longestClipRun: number;
  peakDb: number;
}

const FRAME_MS = 20;
const FLOOR_DB = -100;
const CLIP = 32_700;

const db = (rms: number): number => (rms > 0 ? Math.max(FLOOR_DB, 20 * Math.log10(rms)) : FLOOR_DB);

export function measureSignal(samples: Int16Array, sampleRate: number): SignalStats {
  const frame = Math.max(1, Math.round((FRAME_MS / 1000) * sampleRate));
  const frameDb: number[] = [];
  let clipped = 0;
  let run = 0;
  let longestRun = 0;
  let peak = 0;
  for (let start = 0; start < samples.length; start += frame) {
    const end = Math.min(samples.length, start + frame);
    let sum = 0;
    for (let i = start; i < end; i++) {
      const v = samples[i]!;
      const a = Math.abs(v);
      if (a > peak) peak = a;
      if (a >= CLIP) {
        clipped++;
        run++;
        if (run > longestRun) longestRun = run;
      } else run = 0;
      const f = v / 32768;
      sum += f * f;
    }
    frameDb.push(db(Math.sqrt(sum / (end - start))));
  }
  const sorted = [...frameDb].sort((a, b) => a - b);
  const noiseDb = sorted.length ? sorted[Math.floor(sorted.length * 0.1)]! : FLOOR_DB;
  const loud = sorted.length ? sorted[Math.floor(sorted.length * 0.95)]! : FLOOR_DB;
  // Speech: within 30 dB of the loud frames and clearly above the floor.
  const gate = Math.max(noiseDb + 10, loud - 30, -60);
  const speech = frameDb.map((v) => v >= gate);
  const first = speech.indexOf(true);
  const last = speech.lastIndexOf(true);
  let energy = 0;
  let n = 0;
  for (let i = 0; i < frameDb.length; i++) {
    if (!speech[i]) continue;
    energy += 10 ** (frameDb[i]! / 10);
    n++;
  }
  const speechDb = n ? 10 * Math.log10(energy / n) : loud;
  return {
    durationMs: (samples.length / sampleRate) * 1000,
    speechMs: first < 0 ? 0 : (last - first + 1) * FRAME_MS,
    activeMs: n * FRAME_MS,
    speechDb,
    noiseDb,
    // Loud frames against quiet ones: speech with pauses between phrases shows its floor.
    snrDb: Math.min(90, loud - noiseDb),
    clippedRatio: samples.length ? clipped / samples.length : 0,
    longestClipRun: longestRun,
    peakDb: db(peak / 32768),
  };
}

/**
 * Spoken units in a text, the measure speaking rate and text-vs-speech checks use: each Han
 * character is a syllable; Latin words count their vowel groups (at least one); digits one each.
 */
export function spokenUnits(text: string): number {
  let n = 0;
  for (const ch of text) if (/\p{Script=Han}/u.test(ch)) n++;
  for (const w of text.match(/[\p{Script=Latin}']+/gu) ?? []) {
    n += Math.max(1, (w.toLowerCase().match(/[aeiouy]+/g) ?? []).length);
  }
  n += (text.match(/\p{Nd}/gu) ?? []).length;
  return n;
}
