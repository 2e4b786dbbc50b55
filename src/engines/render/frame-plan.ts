// Mouth track + eye track → the frame plan: runs of distinct frame keys `${mouth}|${eyes}`
// (each key is composed once, then held by ffmpeg for the run's frames), and the list of keys
// to precompose. Pure.
import type { Viseme } from '../speech/visemes.ts';
import type { EyeState } from './avatar-package.ts';
import type { EyeRun } from './blink.ts';
import { FPS, type MouthRun } from './viseme-track.ts';

export interface FrameKey {
  key: string;
  mouth: Viseme;
  eyes: EyeState;
}

export interface FrameRun extends FrameKey {
  frames: number;
}

export interface FramePlan {
  fps: number;
  totalFrames: number;
  runs: FrameRun[];
  /** Distinct keys in order of first use. */
  keys: FrameKey[];
}

export const frameKey = (mouth: Viseme, eyes: EyeState): string => `${mouth}|${eyes}`;

export interface FramePlanOptions {
  fps?: number;
  /** The sprite drawn for a viseme (the package's fallbacks), so equal pictures share a key. */
  resolveMouth?: (v: Viseme) => Viseme;
}

/**
 * Combines the tracks over exactly totalFrames frames: a track shorter than that is extended
 * with its last state (sil / open when empty), a longer one is cut.
 */
export function framePlan(
  mouth: MouthRun[],
  eyes: EyeRun[],
  totalFrames: number,
  opts: FramePlanOptions = {},
): FramePlan {
  const resolve = opts.resolveMouth ?? ((v: Viseme) => v);
  const runs: FrameRun[] = [];
  const keys = new Map<string, FrameKey>();
  let mi = 0;
  let ei = 0;
  let mLeft = mouth[0]?.frames ?? Number.POSITIVE_INFINITY;
  let eLeft = eyes[0]?.frames ?? Number.POSITIVE_INFINITY;
  let at = 0;
  while (at < totalFrames) {
    const m = resolve(mouth[Math.min(mi, mouth.length - 1)]?.shape ?? 'sil');
    const e = eyes[Math.min(ei, eyes.length - 1)]?.eyes ?? 'open';
    const step = Math.min(mLeft, eLeft, totalFrames - at);
    const key = frameKey(m, e);
    const prev = runs[runs.length - 1];
    if (prev && prev.key === key) prev.frames += step;
    else runs.push({ key, mouth: m, eyes: e, frames: step });
    if (!keys.has(key)) keys.set(key, { key, mouth: m, eyes: e });
    at += step;
    mLeft -= step;
    eLeft -= step;
    if (mLeft <= 0) mLeft = ++mi < mouth.length ? mouth[mi].frames : Number.POSITIVE_INFINITY;
    if (eLeft <= 0) eLeft = ++ei < eyes.length ? eyes[ei].frames : Number.POSITIVE_INFINITY;
  }
  return { fps: opts.fps ?? FPS, totalFrames, runs, keys: [...keys.values()] };
}

/** An ffconcat list showing each file for its frames (frames / fps seconds). */
export function holdList(entries: Array<{ file: string; frames: number }>, fps: number): string {
  const lines = ['ffconcat version 1.0'];
  for (const e of entries)
    lines.push(`file '${quoteConcat(e.file)}'`, `duration ${(e.frames / fps).toFixed(6)}`);
  // The last file is listed twice: the demuxer ignores the last entry's duration otherwise.
  const last = entries[entries.length - 1];
  if (last) lines.push(`file '${quoteConcat(last.file)}'`);
  return `${lines.join('\n')}\n`;
}

/** The ffmpeg concat-demuxer list playing the plan: each run's picture for frames/fps seconds. */
export function concatList(plan: FramePlan, fileOf: (key: string) => string): string {
  return holdList(
    plan.runs.map((r) => ({ file: fileOf(r.key), frames: r.frames })),
    plan.fps,
  );
}

/** The first frame of each run. */
export function runStarts(plan: FramePlan): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const r of plan.runs) {
    starts.push(at);
    at += r.frames;
  }
  return starts;
}

/**
 * The segments of [0, totalFrames) cut at the given frames (0 is always a start): the spans
 * over which a still scene's picture does not change.
 */
export function segments(
  starts: Iterable<number>,
  totalFrames: number,
): Array<{ start: number; frames: number }> {
  const cuts = [...new Set([0, ...starts])]
    .filter((n) => Number.isInteger(n) && n >= 0 && n < totalFrames)
    .sort((a, b) => a - b);
  return cuts.map((start, i) => ({ start, frames: (cuts[i + 1] ?? totalFrames) - start }));
}

/**
 * Frames at which burned ASS events appear or disappear. libass shows an event on a frame
 * whose time (ms, from the frame's timestamp, truncated) is in [start, end); frame
 * ceil(ms × fps / 1000) is the first at or after a change, and the next one is listed too in
 * case the timestamp's rounding puts the frame a hair before it.
 */
export function assChangeFrames(ass: string, fps: number): number[] {
  const frames = new Set<number>();
  const time = (h: string, m: string, s: string, cs: string) =>
    ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(cs) * 10;
  for (const m of ass.matchAll(/^Dialogue:\s*[^,]*,(\d+):(\d+):(\d+)\.(\d+),(\d+):(\d+):(\d+)\.(\d+),/gm)) {
    for (const ms of [time(m[1], m[2], m[3], m[4]), time(m[5], m[6], m[7], m[8])]) {
      const f = Math.ceil((ms * fps) / 1000 - 1e-9);
      frames.add(f);
      frames.add(f + 1);
    }
  }
  return [...frames].sort((a, b) => a - b);
}

// Inside '…' the concat demuxer only needs ' escaped as '\''.
const quoteConcat = (p: string): string => p.replace(/'/g, "'\\''");
