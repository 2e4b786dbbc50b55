// MediaInfo: what Doppel knows about a media file, the same whichever tool produced it, plus
// the shared last step of both parsers (finishProbe), which decides what counts as usable.
import { MediaError, summarizeStderr } from './errors.ts';
import type { SniffedFormat } from './sniff.ts';

export type StreamKind = 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';

export interface StreamSummary {
  index: number;
  kind: StreamKind;
  codec: string;
  /** Cover art inside an audio file: a picture, not a video track. */
  attachedPic?: boolean;
}

export interface VideoInfo {
  codec: string;
  width: number;
  height: number;
  /**
   * The nominal frame rate: what ffprobe calls r_frame_rate and `ffmpeg -i` prints as "tbr"
   * (25, 29.97…), not the average over the file, which a dropped or doubled frame moves.
   */
  fps?: number;
  /** Display rotation in degrees counter-clockwise (0, 90, 180, 270), from the display matrix. */
  rotation?: number;
  pixFmt?: string;
  /** Bits per second. */
  bitRate?: number;
}

export interface AudioInfo {
  codec: string;
  sampleRate: number;
  channels: number;
  channelLayout?: string;
  /** Bits per second. */
  bitRate?: number;
}

export interface MediaInfo {
  /** The demuxer's name as the tools print it, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `png_pipe`. */
  formatName: string;
  formatNames: string[];
  durationSec?: number;
  /** Overall bits per second. */
  bitRate?: number;
  streams: StreamSummary[];
  /** The first real video stream (attached pictures excluded). */
  video?: VideoInfo;
  /** The first audio stream. */
  audio?: AudioInfo;
  /** A still-image format (PNG, JPEG, BMP, WebP, GIF, …) rather than a video. */
  image: boolean;
  sizeBytes?: number;
  /** What the leading bytes say, independent of ffmpeg (see sniff.ts). */
  sniffed?: SniffedFormat;
  probedWith: 'ffprobe' | 'ffmpeg';
}

/** What a parser can know; probeMedia adds the file's size and sniffed format. */
export type ParsedProbe = Omit<MediaInfo, 'sizeBytes' | 'sniffed'>;

export const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export const positive = (n: number | undefined): number | undefined =>
  n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;

const KINDS = new Set(['video', 'audio', 'subtitle', 'data', 'attachment']);
export const toStreamKind = (s: string | undefined): StreamKind =>
  s !== undefined && KINDS.has(s) ? (s as StreamKind) : 'unknown';

// Demuxers that read one picture (or an animated GIF) rather than a video.
const IMAGE_DEMUXER = /^(image2|gif|apng|webp|[a-z0-9]+_pipe)$/;

// Rates cameras, encoders and editors use. A nominal rate within half a percent of one is
// that rate: e.g. 24.92 from a file whose timestamps once jump is still a 25 fps video.
const STANDARD_RATES = [24000 / 1001, 24, 25, 30000 / 1001, 30, 48, 50, 60000 / 1001, 60, 120];

/** The nominal rate from the rate the timestamps suggest, snapped to a standard one nearby. */
export function nominalRate(fps: number | undefined): number | undefined {
  if (fps === undefined || !Number.isFinite(fps) || fps <= 0) return undefined;
  const off = (r: number) => Math.abs(fps - r) / r;
  const nearest = STANDARD_RATES.reduce((a, b) => (off(b) < off(a) ? b : a));
  return round3(off(nearest) < 0.005 ? nearest : fps);
}

/**
 * Picks the nominal rate from what a tool reports: the "real base" rate (r_frame_rate, tbr)
 * when it is a plausible picture rate, else the average. Both tools report the base rate, so
 * both parsers give the same figure for the same file.
 */
export function pickFrameRate(base: number | undefined, average: number | undefined): number | undefined {
  const plausible = (r: number | undefined) => r !== undefined && r > 0 && r <= 240;
  return nominalRate(plausible(base) ? base : plausible(average) ? average : undefined);
}

/** Degrees from a display matrix (counter-clockwise, any sign) → 0, 90, 180 or 270. */
export function normalizeRotation(deg: number | undefined): number | undefined {
  if (deg === undefined || !Number.isFinite(deg)) return undefined;
  const r = (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
  return r === 0 ? undefined : r;
}

/** Decides `image`, drops values that mean nothing, refuses what is not usable media. */
export function finishProbe(p: ParsedProbe, stderr: string, filePath?: string): ParsedProbe {
  if (p.streams.length === 0 || (!p.video && !p.audio)) {
    throw new MediaError('NO_STREAMS', 'the file holds no audio or video stream');
  }
  // A stream whose size or rate the decoder could not find is one ffmpeg cannot decode, e.g. a
  // cut-off PNG: the demuxer opens it, the decoder gives up before reading the header.
  const videoOk = !p.video || (p.video.width > 0 && p.video.height > 0);
  const audioOk = !p.audio || p.audio.sampleRate > 0;
  if (!videoOk || !audioOk) throw undecodable(stderr, filePath);

  const image = p.video !== undefined && !p.audio && p.formatNames.some((n) => IMAGE_DEMUXER.test(n));
  const animated = p.formatNames.includes('gif') || p.formatNames.includes('apng');
  const still = image && !animated;
  return stripUndefined({
    ...p,
    // The demuxers give a still picture a default rate of 25 fps, and image2 then calls it a
    // 0.04 s "video"; neither is a property of the picture.
    durationSec: still ? undefined : p.durationSec,
    bitRate: still ? undefined : p.bitRate,
    video: p.video && stripUndefined(image ? { ...p.video, fps: undefined } : p.video),
    audio: p.audio && stripUndefined(p.audio),
    image,
  });
}

export function undecodable(stderr: string, filePath?: string): MediaError {
  const why = summarizeStderr(stderr, filePath);
  return new MediaError(
    'UNDECODABLE',
    why ? `cannot decode the file: ${why}` : 'not a recognised media file',
  );
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
