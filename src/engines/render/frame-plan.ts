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

/**
 * The ffmpeg concat-demuxer list playing the plan: each run's picture for frames/fps seconds.
 * The last file is listed twice: the demuxer ignores the last entry's duration otherwise.
 */
export function concatList(plan: FramePlan, fileOf: (key: string) => string): string {
  const lines = ['ffconcat version 1.0'];
  for (const r of plan.runs) {
    lines.push(`file '${quoteConcat(fileOf(r.key))}'`, `duration ${(r.frames / plan.fps).toFixed(6)}`);
  }
  const last = plan.runs[plan.runs.length - 1];
  if (last) lines.push(`file '${quoteConcat(fileOf(last.key))}'`);
  return `${lines.join('\n')}\n`;
}

// Inside '…' the concat demuxer only needs ' escaped as '\''.
const quoteConcat = (p: string): string => p.replace(/'/g, "'\\''");
