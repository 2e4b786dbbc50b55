// Speech timings → the mouth track the renderer plays: one viseme per video frame, as runs.
// The speech engine's timeline (visemes.ts) is phoneme-accurate; a picture that followed it
// literally would flap. This smooths it the way animators do:
// - quantise to frames (25 fps: 40 ms a frame);
// - release: when speech stops, the mouth holds its last shape a moment before closing (sil);
// - coarticulation: a shape too short to read (< minHold frames) blends into the next one
//   (look-ahead: lips already move toward the coming sound), except the closing visemes PP
//   and FF, which must be seen (a "p" without closed lips looks wrong), so they are kept and
//   lengthened to minHold from their longer neighbour;
// - anti-flicker: A-B-A where B lasts under 3 frames becomes A (closing visemes excepted).
// Pure; the frame count is decided by the caller (ceil(duration × fps)).
import type { PhonemeTiming } from '../speech/types.ts';
import { type Viseme, type VisemeTimeline, visemeTimeline } from '../speech/visemes.ts';

export const FPS = 25;

export interface MouthRun {
  shape: Viseme;
  frames: number;
}

export interface MouthTrackOptions {
  fps?: number;
  /** Shortest visible shape, in frames (default 2). */
  minHold?: number;
  /** Frames the last shape is held when speech stops, before sil (default 2). */
  release?: number;
}

const CLOSING = new Set<Viseme>(['PP', 'FF']);

/** Frames for a duration: ceil(durationMs × fps / 1000). */
export const frameCount = (durationMs: number, fps = FPS): number =>
  Math.max(0, Math.ceil((Math.max(0, durationMs) * fps) / 1000 - 1e-9));

/** The mouth track from phoneme timings (built through the speech engine's viseme timeline). */
export function mouthTrackFromPhonemes(
  phonemes: PhonemeTiming[],
  durationMs: number,
  opts: MouthTrackOptions = {},
): MouthRun[] {
  return mouthTrack(visemeTimeline(phonemes, durationMs), frameCount(durationMs, opts.fps), opts);
}

/** The mouth track for `totalFrames` frames from a viseme timeline; frames sum to totalFrames. */
export function mouthTrack(
  timeline: VisemeTimeline,
  totalFrames: number,
  opts: MouthTrackOptions = {},
): MouthRun[] {
  const fps = opts.fps ?? FPS;
  const minHold = Math.max(1, opts.minHold ?? 2);
  const release = Math.max(0, opts.release ?? 2);
  if (totalFrames <= 0) return [];

  // 1. Quantise cue boundaries to frames; a cue that rounds to nothing disappears.
  let runs: MouthRun[] = [];
  let at = 0;
  for (const c of timeline.cues) {
    const end = Math.min(totalFrames, Math.round((c.end_ms * fps) / 1000));
    if (end > at) {
      runs.push({ shape: c.viseme, frames: end - at });
      at = end;
    }
  }
  if (at < totalFrames) runs.push({ shape: 'sil', frames: totalFrames - at });
  runs = merge(runs);

  // 2. Release: a sil after speech starts with the last shape held for `release` frames
  //    (only when the pause is long enough to still show sil for minHold frames afterwards;
  //    shorter pauses are handled as short shapes below).
  for (let i = 1; i < runs.length; i++) {
    const r = runs[i];
    if (r.shape === 'sil' && runs[i - 1].shape !== 'sil' && r.frames >= release + minHold) {
      runs[i - 1].frames += release;
      r.frames -= release;
    }
  }

  // 3. Coarticulation: short shapes blend into the next (the last one into the previous).
  for (let i = 0; i < runs.length; i++) {
    const r = runs[i];
    if (r.frames >= minHold || runs.length === 1) continue;
    if (CLOSING.has(r.shape)) {
      // Keep the closure visible: borrow frames from the longer neighbour if it can spare them.
      const prev = runs[i - 1];
      const next = runs[i + 1];
      const donor = [next, prev]
        .filter((n): n is MouthRun => !!n && n.frames - (minHold - r.frames) >= minHold)
        .sort((a, b) => b.frames - a.frames)[0];
      if (donor) {
        donor.frames -= minHold - r.frames;
        r.frames = minHold;
        continue;
      }
    }
    const into = runs[i + 1] ?? runs[i - 1];
    into.frames += r.frames;
    runs.splice(i, 1);
    runs = merge(runs);
    i = Math.max(-1, i - 2);
  }

  // 4. Anti-flicker: A-B-A with a short B (and B not a closure) is just A.
  for (let i = 1; i + 1 < runs.length; i++) {
    const b = runs[i];
    if (runs[i - 1].shape === runs[i + 1].shape && b.frames < 3 && !CLOSING.has(b.shape)) {
      runs[i - 1].frames += b.frames + runs[i + 1].frames;
      runs.splice(i, 2);
      i = Math.max(0, i - 2);
    }
  }
  return merge(runs);
}

function merge(runs: MouthRun[]): MouthRun[] {
  const out: MouthRun[] = [];
  for (const r of runs) {
    if (r.frames <= 0) continue;
    const prev = out[out.length - 1];
    if (prev && prev.shape === r.shape) prev.frames += r.frames;
    else out.push({ ...r });
  }
  return out;
}
