// Still frames out of a video or picture as decoded pixels, for analysis (face landmarks) and
// for cutting avatar layers. One ffmpeg process per frame with a seek before `-i` (fast: it
// decodes from the nearest key frame only), writing an uncompressed PNG to stdout: the PNG
// header carries the true size after ffmpeg's auto-rotation, so no probed size is trusted.
import { fileUrl, safeInputOptions } from './argv.ts';
import { MediaError, summarizeStderr } from './errors.ts';
import { decodePng, type RgbaImage } from './png-decode.ts';
import { runToolBinary } from './run.ts';
import type { MediaTools } from './tools.ts';

export interface FramePlan {
  input: string;
  /** Seconds; 0 for a picture. */
  atSec: number;
  /** Scale so the longest side is at most this many pixels (never upscaled); absent: as is. */
  maxSide?: number;
}

/** argv for ffmpeg; pure. */
export function frameArgs(plan: FramePlan): string[] {
  const scale =
    plan.maxSide === undefined
      ? []
      : [
          '-vf',
          `scale=w='max(2,trunc(iw*min(1,${plan.maxSide}/max(iw,ih))/2)*2)':h='max(2,trunc(ih*min(1,${plan.maxSide}/max(iw,ih))/2)*2)'`,
        ];
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    ...safeInputOptions(),
    ...(plan.atSec > 0 ? ['-ss', plan.atSec.toFixed(3)] : []),
    '-i',
    fileUrl(plan.input),
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    ...scale,
    '-pix_fmt',
    'rgba',
    '-c:v',
    'png',
    // Level 0: stored, not deflated; the bytes go straight to the decoder.
    '-compression_level',
    '0',
    '-f',
    'image2pipe',
    'pipe:1',
  ];
}

/** One frame as RGBA pixels. Throws MediaError when there is no frame at that time. */
export async function extractFrame(
  tools: MediaTools,
  plan: FramePlan,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<RgbaImage> {
  const r = await runToolBinary(tools.ffmpeg.path, frameArgs(plan), {
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? 60_000,
    maxStdoutBytes: 4096 * 4096 * 4 + 1_000_000,
  });
  if (r.code !== 0 || r.stdout.length === 0) {
    const why = summarizeStderr(r.stderr, plan.input);
    throw new MediaError(
      'UNDECODABLE',
      why ? `no frame at ${plan.atSec.toFixed(2)} s: ${why}` : `no frame at ${plan.atSec.toFixed(2)} s`,
    );
  }
  return decodePng(r.stdout);
}

/** `count` times spread over [0, duration], away from the very ends (fades, a cut last frame). */
export function sampleTimes(durationSec: number, count: number): number[] {
  if (count <= 1 || durationSec <= 0) return [Math.max(0, durationSec / 2)];
  const margin = Math.min(0.5, durationSec * 0.05);
  const span = Math.max(0, durationSec - 2 * margin);
  return Array.from(
    { length: count },
    (_, i) => Math.round((margin + (span * i) / (count - 1)) * 1000) / 1000,
  );
}
