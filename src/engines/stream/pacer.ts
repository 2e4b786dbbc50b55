// Wall-clock pacing of a stream, pure: how many frames are due at a moment, and which to skip
// when the process fell behind (a long GC pause, a starved CPU). Skipping a whole frame (its
// picture and its 40 ms of sound together) keeps sound and picture locked; sending a late
// backlog in a burst would instead push the ingest's buffer and the viewers' latency up.
import { FPS } from '../render/viseme-track.ts';

export const FRAME_MS = 1000 / FPS;

export interface PaceStep {
  /** Frames to send now. */
  send: number;
  /** Frames to skip first (counted as dropped). */
  skip: number;
}

/**
 * At `elapsedMs` since the stream's first frame, with `sent` frames already sent or skipped:
 * the frames due are those whose start time has come. A backlog beyond `maxLateFrames` is
 * skipped, the rest is sent.
 */
export function paceStep(elapsedMs: number, sent: number, maxLateFrames = FPS): PaceStep {
  const due = Math.floor(elapsedMs / FRAME_MS) + 1;
  const behind = due - sent;
  if (behind <= 0) return { send: 0, skip: 0 };
  if (behind > maxLateFrames) return { send: 1, skip: behind - 1 };
  return { send: behind, skip: 0 };
}

/** Milliseconds until frame `n` is due. */
export const untilFrame = (elapsedMs: number, n: number): number => Math.max(0, n * FRAME_MS - elapsedMs);
