// Parses the stream list `ffmpeg -hide_banner -i file` writes to stderr: the probe used when
// there is no ffprobe (the npm-shipped ffmpeg comes without one). This text is not a stable
// interface, so the unit tests pin it with output captured from ffmpeg 5.1 and from the 2018
// static build @ffmpeg-installer ships; their differences are noted where they matter. Pure.
import {
  type AudioInfo,
  finishProbe,
  normalizeRotation,
  type ParsedProbe,
  pickFrameRate,
  positive,
  round3,
  type StreamSummary,
  toStreamKind,
  undecodable,
  type VideoInfo,
} from './media-info.ts';
import type { RunResult } from './run.ts';

// 5.1 prints `Stream #0:0[0x1](und): Video: …`; the 2018 build has no `[0x1]` and indents more.
const STREAM_LINE = /^\s*Stream #0:(\d+)(?:\[[^\]]*\])?(?:\([^)]*\))?: (\w+): (.*)$/gm;
const DURATION_LINE =
  /^\s*Duration: (?:N\/A|(\d+):(\d\d):(\d\d(?:\.\d+)?))(?:, start: [-\d.]+)?, bitrate: (?:N\/A|(\d+) kb\/s)/m;
// Picture codecs: a stream of these without a real frame rate, next to audio, is cover art.
const PICTURE_CODECS = new Set(['mjpeg', 'png', 'bmp', 'gif', 'webp', 'tiff']);

/**
 * ffmpeg exits 1 here ("At least one output file must be specified") even when the file is
 * fine, so success means "an Input #0 block", not the exit code.
 */
export function parseFfmpegInfo(result: RunResult, filePath?: string): ParsedProbe {
  const text = result.stderr;
  const input = /^Input #0, (.+?), from '/m.exec(text);
  if (!input) throw undecodable(text, filePath);
  const formatName = input[1];
  const dur = DURATION_LINE.exec(text);
  const durationSec = dur?.[1] === undefined ? undefined : +dur[1] * 3600 + +dur[2] * 60 + +dur[3];

  const matches = [...text.matchAll(STREAM_LINE)];
  const found = matches.map((m, i) => {
    const parts = splitTopLevel(m[3]);
    const codec = /^[^\s,(]+/.exec(parts[0] ?? '')?.[0] ?? 'unknown';
    // The stream's own block (metadata, side data) runs up to the next stream line.
    const block = text.slice((m.index ?? 0) + m[0].length, matches[i + 1]?.index ?? text.length);
    return { index: Number(m[1]), kind: toStreamKind(m[2].toLowerCase()), codec, parts, line: m[3], block };
  });
  const hasAudio = found.some((s) => s.kind === 'audio');
  // 5.1 marks cover art "(attached pic)"; the 2018 build does not, so there a picture codec
  // without "fps" in a file that also has audio (an MP3 with its album art) counts as one.
  const isPic = (s: (typeof found)[number]): boolean =>
    s.kind === 'video' &&
    (/\(attached pic\)/.test(s.line) ||
      (hasAudio && PICTURE_CODECS.has(s.codec) && rate(s.parts, 'fps') === undefined));

  const streams: StreamSummary[] = found.map((s) => ({
    index: s.index,
    kind: s.kind,
    codec: s.codec,
    ...(isPic(s) ? { attachedPic: true } : {}),
  }));
  const v = found.find((s) => s.kind === 'video' && !isPic(s));
  const a = found.find((s) => s.kind === 'audio');
  return finishProbe(
    {
      formatName,
      formatNames: formatName.split(','),
      durationSec: positive(durationSec),
      bitRate: dur?.[4] ? Number(dur[4]) * 1000 : undefined,
      streams,
      video: v && { ...videoFromParts(v.codec, v.parts), rotation: rotationOf(v.block) },
      audio: a && audioFromParts(a.codec, a.parts),
      image: false,
      probedWith: 'ffmpeg',
    },
    text,
    filePath,
  );
}

/** Splits on commas outside brackets: `yuv420p(tv, bt709), 160x120` → 2 parts. */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** `25 fps`, `29.97 fps`, `90k tbr` → numbers. */
function rate(parts: string[], unit: 'fps' | 'tbr'): number | undefined {
  for (const p of parts) {
    const m = new RegExp(`^([\\d.]+)(k?) ${unit}\\b`).exec(p);
    if (m) return positive(round3(Number(m[1]) * (m[2] ? 1000 : 1)));
  }
  return undefined;
}

function kbps(parts: string[]): number | undefined {
  const p = parts.find((x) => /^\d+ kb\/s\b/.test(x));
  return p === undefined ? undefined : positive(Number.parseInt(p, 10) * 1000);
}

function videoFromParts(codec: string, parts: string[]): VideoInfo {
  const sizeAt = parts.findIndex((p) => /^\d+x\d+\b/.test(p));
  const size = sizeAt >= 0 ? /^(\d+)x(\d+)/.exec(parts[sizeAt]) : null;
  // The pixel format follows the codec unless that part is already the size.
  const pix = sizeAt !== 1 && parts[1] !== undefined ? /^[a-z0-9_]+/.exec(parts[1])?.[0] : undefined;
  return {
    codec,
    width: size ? Number(size[1]) : 0,
    height: size ? Number(size[2]) : 0,
    // "tbr" is the stream's base rate (ffprobe's r_frame_rate) and "fps" its average; the 2018
    // build omits "fps" where 5.1 prints it for a guessed rate.
    fps: pickFrameRate(rate(parts, 'tbr'), rate(parts, 'fps')),
    pixFmt: pix && pix !== 'none' ? pix : undefined,
    bitRate: kbps(parts),
  };
}

/**
 * Both builds print a rotated video's display matrix under the stream ("displaymatrix: rotation
 * of -90.00 degrees"); the 2018 build also prints a `rotate` tag, clockwise, which is not used.
 */
function rotationOf(block: string): number | undefined {
  const m = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(block);
  return m ? normalizeRotation(Number(m[1])) : undefined;
}

function audioFromParts(codec: string, parts: string[]): AudioInfo {
  const hzAt = parts.findIndex((p) => /^\d+ Hz$/.test(p));
  const layout = hzAt >= 0 ? parts[hzAt + 1] : undefined;
  return {
    codec,
    sampleRate: hzAt >= 0 ? Number.parseInt(parts[hzAt], 10) : 0,
    channels: layout ? channelsOf(layout) : 0,
    channelLayout: layout,
    bitRate: kbps(parts),
  };
}

/** Channel count from a layout as ffmpeg prints it: `mono`, `stereo`, `5.1(side)`, `6 channels`. */
export function channelsOf(layout: string): number {
  const named: Record<string, number> = {
    mono: 1,
    stereo: 2,
    downmix: 2,
    quad: 4,
    hexagonal: 6,
    octagonal: 8,
  };
  const base = layout.replace(/\(.*\)$/, '').trim();
  if (Object.hasOwn(named, base)) return named[base];
  const dotted = /^(\d+)\.(\d+)$/.exec(base);
  if (dotted) return Number(dotted[1]) + Number(dotted[2]);
  const counted = /^(\d+) channels?$/.exec(base);
  return counted ? Number(counted[1]) : 0;
}
