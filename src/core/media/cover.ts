// Cover images: one JPEG frame, at most 720 px on the long side, aspect kept, even sides.
// The scale is an ffmpeg expression rather than numbers computed from the probe, so it is
// evaluated on the decoded frame: a phone video with rotation metadata is auto-rotated by
// ffmpeg before scaling, and its probed width and height would be the wrong way round.
import fs from 'node:fs/promises';
import { fileUrl, safeInputOptions } from './argv.ts';
import { MediaError, summarizeStderr } from './errors.ts';
import type { MediaInfo } from './media-info.ts';
import { probeMedia } from './probe.ts';
import { runTool } from './run.ts';
import type { MediaTools } from './tools.ts';

export const COVER_MAX_SIDE = 720;

export interface CoverPlan {
  input: string;
  output: string;
  /** Seek position in seconds; 0 or absent for images. */
  atSec?: number;
  /** Longest side of the cover in pixels. Default 720. */
  maxSide?: number;
}

/**
 * The scale filter. `force_divisible_by` would be shorter but arrived in ffmpeg 4.3, after the
 * npm-shipped build, so even sides come from trunc(x/2)*2; max(2, …) keeps a 1-px image valid.
 * Small pictures are not upscaled.
 */
export function coverScaleFilter(maxSide = COVER_MAX_SIDE): string {
  const factor = `min(1,${maxSide}/max(iw,ih))`;
  const side = (dim: 'iw' | 'ih') => `max(2,trunc(${dim}*${factor}/2)*2)`;
  // Quoted so the commas inside the expressions do not split the filter chain. yuvj420p is
  // the JPEG flavour every decoder reads (PNG sources would otherwise give 4:4:4).
  return `scale=w='${side('iw')}':h='${side('ih')}',format=yuvj420p`;
}

/** argv for ffmpeg; pure. */
export function coverArgs(plan: CoverPlan): string[] {
  const at = plan.atSec && plan.atSec > 0 ? ['-ss', plan.atSec.toFixed(3)] : [];
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-y',
    ...safeInputOptions(),
    // Before -i: a fast seek to the nearest key frame, then decode up to the exact time.
    ...at,
    '-i',
    fileUrl(plan.input),
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-vf',
    coverScaleFilter(plan.maxSide),
    '-c:v',
    'mjpeg',
    '-q:v',
    '3',
    '-f',
    'image2',
    '-update',
    '1',
    fileUrl(plan.output),
  ];
}

/**
 * Where to take the frame: 10 % into the video but no later than 1 s, which skips a fade-in
 * from black on most clips yet stays inside even a very short one. Images: the picture itself.
 */
export function coverTime(info: Pick<MediaInfo, 'image' | 'durationSec' | 'video'>): number {
  if (info.image || !info.video || !info.durationSec) return 0;
  return Math.round(Math.min(1, info.durationSec * 0.1) * 1000) / 1000;
}

export interface CoverOptions {
  /** The probe result, if the caller has it; otherwise the input is probed first. */
  info?: MediaInfo;
  maxSide?: number;
  signal?: AbortSignal;
  /** Default 60 s. */
  timeoutMs?: number;
}

/** Writes a JPEG cover of `input` (video or image) to `output`. */
export async function makeCover(
  tools: MediaTools,
  input: string,
  output: string,
  opts: CoverOptions = {},
): Promise<{ atSec: number }> {
  const { signal, timeoutMs = 60_000, maxSide } = opts;
  const info = opts.info ?? (await probeMedia(tools, input, { signal }));
  // Cover art embedded in an audio file counts as a picture too.
  if (!info.video && !info.streams.some((s) => s.attachedPic)) {
    throw new MediaError('NO_STREAMS', 'the file has no picture to make a cover from');
  }
  const attempt = async (atSec: number): Promise<boolean> => {
    await fs.rm(output, { force: true });
    const r = await runTool(tools.ffmpeg.path, coverArgs({ input, output, atSec, maxSide }), {
      signal,
      timeoutMs,
    });
    if (r.code !== 0) {
      const why = summarizeStderr(r.stderr, input);
      throw new MediaError('UNDECODABLE', `cannot make a cover: ${why ?? `ffmpeg exited with ${r.code}`}`);
    }
    const written = await fs.stat(output).catch(() => undefined);
    return (written?.size ?? 0) > 0;
  };
  const atSec = coverTime(info);
  if (await attempt(atSec)) return { atSec };
  // Seeking past the last frame (a wrong duration in the header) makes ffmpeg exit 0 with no
  // output. The first frame is a fine cover then.
  if (atSec > 0 && (await attempt(0))) return { atSec: 0 };
  throw new MediaError('UNDECODABLE', 'cannot make a cover: no frame could be decoded');
}
