// A speaker's voice profile measured from recordings: pitch (median and usual range, YIN),
// speaking rate (syllables per second of speech) and loudness (dBFS of the speech). Also the
// inverse step used to match an engine to it: given what an engine setting produced at a few
// points, the setting that should produce the target (monotone piecewise-linear). Pure.
import { estimateF0, type F0Frame, summarisePitch } from './f0.ts';
import { measureSignal, spokenUnits } from './signal.ts';

export interface VoiceProfile {
  pitch: { medianHz: number; p10Hz: number; p90Hz: number; rangeSemitones: number };
  /** Syllables per second of active speech; absent when no recording has a text. */
  unitsPerSecond?: number;
  /** Mean level of the speech frames, dBFS. */
  loudnessDb: number;
  /** Seconds of audio measured. */
  seconds: number;
  recordings: number;
}

export interface MeasuredAudio {
  samples: Int16Array;
  sampleRate: number;
  text?: string;
}

export function measureProfile(items: readonly MeasuredAudio[]): VoiceProfile | undefined {
  const frames: F0Frame[] = [];
  let units = 0;
  let unitMs = 0;
  let energy = 0;
  let activeMs = 0;
  let seconds = 0;
  for (const a of items) {
    frames.push(...estimateF0(a.samples, a.sampleRate));
    const s = measureSignal(a.samples, a.sampleRate);
    seconds += s.durationMs / 1000;
    if (s.activeMs > 0) {
      energy += 10 ** (s.speechDb / 10) * s.activeMs;
      activeMs += s.activeMs;
    }
    if (a.text !== undefined && s.activeMs > 0) {
      units += spokenUnits(a.text);
      unitMs += s.activeMs;
    }
  }
  const pitch = summarisePitch(frames);
  if (!pitch || activeMs === 0) return undefined;
  return {
    pitch: {
      medianHz: pitch.medianHz,
      p10Hz: pitch.p10Hz,
      p90Hz: pitch.p90Hz,
      rangeSemitones: pitch.rangeSemitones,
    },
    ...(units > 0 && { unitsPerSecond: units / (unitMs / 1000) }),
    loudnessDb: 10 * Math.log10(energy / activeMs),
    seconds,
    recordings: items.length,
  };
}

/**
 * The setting whose output should be `target`, from measured (setting, output) points: linear
 * between the two points around the target on the sorted outputs; the end setting when the
 * target is outside what the points reach (the nearest the engine can do).
 */
export function invert(points: ReadonlyArray<{ setting: number; output: number }>, target: number): number {
  const pts = points.filter((p) => Number.isFinite(p.output)).sort((a, b) => a.output - b.output);
  if (pts.length === 0) return Number.NaN;
  if (target <= pts[0]!.output) return pts[0]!.setting;
  const last = pts[pts.length - 1]!;
  if (target >= last.output) return last.setting;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (target <= b.output) {
      const t = b.output === a.output ? 0 : (target - a.output) / (b.output - a.output);
      return a.setting + t * (b.setting - a.setting);
    }
  }
  return last.setting;
}
