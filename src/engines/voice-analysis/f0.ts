// Fundamental-frequency (pitch) estimation with YIN (de Cheveigné & Kawahara, 2002): the
// cumulative-mean-normalised difference function of each frame, the first dip under a
// threshold, refined by parabolic interpolation. Pure; used to measure a speaker's pitch
// from training recordings and to check what a voice really speaks at.

export interface F0Options {
  /** Lowest and highest pitch searched, Hz (speech: about 60–500). */
  minHz?: number;
  maxHz?: number;
  /** Frame hop, ms. */
  hopMs?: number;
  /** YIN threshold on the normalised difference; lower is stricter about what counts as voiced. */
  threshold?: number;
  /** Frames quieter than this (dBFS RMS) are unvoiced without looking. */
  silenceDb?: number;
}

export interface F0Frame {
  /** Frame centre, ms. */
  timeMs: number;
  /** Hz; 0 when the frame is unvoiced. */
  hz: number;
}

const DEFAULTS = { minHz: 60, maxHz: 500, hopMs: 10, threshold: 0.15, silenceDb: -45 } as const;

/**
 * Halves the rate while it stays at least 8× the highest pitch: YIN's cost grows with the
 * square of the rate. A [1 2 1]/4 smoothing before each halving is enough of a low-pass for a
 * fundamental under 500 Hz.
 */
function decimate(x: Float32Array, sampleRate: number, maxHz: number): { x: Float32Array; rate: number } {
  let rate = sampleRate;
  let cur = x;
  while (rate / 2 >= maxHz * 8 && cur.length > 4) {
    const next = new Float32Array(cur.length >> 1);
    for (let i = 0; i < next.length; i++) {
      const c = 2 * i;
      next[i] = ((cur[c - 1] ?? cur[c]!) + 2 * cur[c]! + (cur[c + 1] ?? cur[c]!)) / 4;
    }
    cur = next;
    rate /= 2;
  }
  return { x: cur, rate };
}

export function toFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}

/** The pitch track of mono PCM. */
export function estimateF0(
  samples: Int16Array | Float32Array,
  sampleRate: number,
  opts: F0Options = {},
): F0Frame[] {
  const o = { ...DEFAULTS, ...opts };
  const input = samples instanceof Int16Array ? toFloat(samples) : samples;
  const { x, rate } = decimate(input, sampleRate, o.maxHz);
  const tauMin = Math.max(2, Math.floor(rate / o.maxHz));
  const tauMax = Math.ceil(rate / o.minHz);
  const win = tauMax; // integration window: one period of the lowest pitch
  const hop = Math.max(1, Math.round((o.hopMs / 1000) * rate));
  const silence = 10 ** (o.silenceDb / 20);
  const d = new Float64Array(tauMax + 2);
  const frames: F0Frame[] = [];
  for (let start = 0; start + win + tauMax + 1 <= x.length; start += hop) {
    const timeMs = ((start + win / 2) / rate) * 1000;
    let energy = 0;
    for (let j = 0; j < win; j++) energy += x[start + j]! * x[start + j]!;
    if (Math.sqrt(energy / win) < silence) {
      frames.push({ timeMs, hz: 0 });
      continue;
    }
    // Difference function d(τ) = Σ (x_j − x_{j+τ})², then its cumulative-mean normalisation.
    for (let tau = 1; tau <= tauMax + 1; tau++) {
      let s = 0;
      for (let j = 0; j < win; j++) {
        const v = x[start + j]! - x[start + j + tau]!;
        s += v * v;
      }
      d[tau] = s;
    }
    d[0] = 1;
    let running = 0;
    for (let tau = 1; tau <= tauMax + 1; tau++) {
      running += d[tau]!;
      d[tau] = running > 0 ? (d[tau]! * tau) / running : 1;
    }
    let best = -1;
    for (let tau = tauMin; tau <= tauMax; tau++) {
      if (d[tau]! < o.threshold) {
        while (tau + 1 <= tauMax && d[tau + 1]! < d[tau]!) tau++;
        best = tau;
        break;
      }
    }
    if (best < 0) {
      frames.push({ timeMs, hz: 0 });
      continue;
    }
    // Parabolic interpolation between the neighbours for a sub-sample period.
    const a = d[best - 1]!;
    const b = d[best]!;
    const c = d[best + 1]!;
    const denom = a - 2 * b + c;
    const shift = denom !== 0 ? Math.max(-0.5, Math.min(0.5, (a - c) / (2 * denom))) : 0;
    frames.push({ timeMs, hz: rate / (best + shift) });
  }
  return frames;
}

/** The q-quantile (0–1) of `values` (linear interpolation); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((p, r) => p - r);
  const at = Math.min(s.length - 1, Math.max(0, q * (s.length - 1)));
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
}

export interface PitchSummary {
  /** Median of the voiced frames, Hz. */
  medianHz: number;
  /** 10th and 90th percentiles, Hz: the speaker's usual range. */
  p10Hz: number;
  p90Hz: number;
  /** p90 over p10 in semitones. */
  rangeSemitones: number;
  voicedFrames: number;
}

/** Median and range of a pitch track (or several), ignoring unvoiced frames. */
export function summarisePitch(frames: readonly F0Frame[]): PitchSummary | undefined {
  const voiced = frames.filter((f) => f.hz > 0).map((f) => f.hz);
  if (voiced.length === 0) return undefined;
  const p10 = quantile(voiced, 0.1);
  const p90 = quantile(voiced, 0.9);
  return {
    medianHz: quantile(voiced, 0.5),
    p10Hz: p10,
    p90Hz: p90,
    rangeSemitones: 12 * Math.log2(p90 / p10),
    voicedFrames: voiced.length,
  };
}
