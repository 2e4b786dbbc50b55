// The blink schedule: deterministic for a seed (the same job renders the same video twice), a
// blink every 2.5–6 s, none in the first 0.5 s (a video that opens on closed eyes looks broken).
// A blink is four frames: half, closed, closed, half. Pure.

import type { EyeState } from './avatar-package.ts';
import { FPS } from './viseme-track.ts';

export interface EyeRun {
  eyes: EyeState;
  frames: number;
}

export interface BlinkOptions {
  fps?: number;
  /** Any integer; the same seed gives the same schedule. */
  seed?: number;
  minGapSec?: number;
  maxGapSec?: number;
  /** No blink starts before this (default 0.5 s). */
  quietStartSec?: number;
}

const BLINK: EyeState[] = ['half', 'closed', 'closed', 'half'];

/** mulberry32: a tiny, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Frame indices where blinks start. */
export function blinkStarts(totalFrames: number, opts: BlinkOptions = {}): number[] {
  const fps = opts.fps ?? FPS;
  const rand = seededRandom(opts.seed ?? 1);
  const minGap = opts.minGapSec ?? 2.5;
  const maxGap = opts.maxGapSec ?? 6;
  const quiet = Math.ceil((opts.quietStartSec ?? 0.5) * fps);
  const starts: number[] = [];
  // The first blink comes somewhere in [quiet, quiet + a short gap], later ones 2.5–6 s apart.
  let t = quiet + Math.floor(rand() * (minGap * fps));
  while (t + BLINK.length <= totalFrames) {
    starts.push(t);
    t += Math.round((minGap + rand() * (maxGap - minGap)) * fps);
  }
  return starts;
}

/** The eye track: runs of eye states covering totalFrames. */
export function blinkTrack(totalFrames: number, opts: BlinkOptions = {}): EyeRun[] {
  const runs: EyeRun[] = [];
  const push = (eyes: EyeState, frames: number) => {
    if (frames <= 0) return;
    const prev = runs[runs.length - 1];
    if (prev && prev.eyes === eyes) prev.frames += frames;
    else runs.push({ eyes, frames });
  };
  let at = 0;
  for (const s of blinkStarts(totalFrames, opts)) {
    push('open', s - at);
    for (const e of BLINK) push(e, 1);
    at = s + BLINK.length;
  }
  push('open', totalFrames - at);
  return runs;
}
