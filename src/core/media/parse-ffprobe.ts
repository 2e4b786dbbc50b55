// Parses ffprobe's JSON (`-print_format json -show_format -show_streams`). Pure.
import {
  finishProbe,
  normalizeRotation,
  type ParsedProbe,
  pickFrameRate,
  positive,
  round3,
  type StreamSummary,
  toStreamKind,
  undecodable,
} from './media-info.ts';
import type { RunResult } from './run.ts';

interface FfprobeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  bit_rate?: string;
  sample_rate?: string;
  channels?: number;
  channel_layout?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

/** Display rotation: the display matrix (5.x), else the older clockwise `rotate` tag. */
function rotationOf(s: FfprobeStream): number | undefined {
  const matrix = s.side_data_list?.find((d) => typeof d.rotation === 'number');
  if (matrix) return normalizeRotation(matrix.rotation);
  const tag = num(s.tags?.rotate);
  return tag === undefined ? undefined : normalizeRotation(-tag);
}

// ffprobe writes most numbers as strings ("2.000000", "44100").
const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : undefined;

/** `30000/1001` → 29.97; `0/0` → undefined. */
export function parseRational(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const [a, b = '1'] = v.split('/');
  const r = positive(Number(a) / Number(b));
  return r === undefined ? undefined : round3(r);
}

export function parseFfprobe(result: RunResult, filePath?: string): ParsedProbe {
  let json: { format?: Record<string, unknown>; streams?: FfprobeStream[] } = {};
  try {
    json = JSON.parse(result.stdout || '{}');
  } catch {}
  // ffprobe prints `{ }` and exits 1 when it cannot open the file; the cause is on stderr.
  if (result.code !== 0 || !json.format) throw undecodable(result.stderr, filePath);
  const format = json.format;
  const formatName = String(format.format_name ?? 'unknown');
  const streams = json.streams ?? [];
  const summary: StreamSummary[] = streams.map((s, i) => ({
    index: s.index ?? i,
    kind: toStreamKind(s.codec_type),
    codec: s.codec_name ?? 'unknown',
    ...(s.disposition?.attached_pic ? { attachedPic: true } : {}),
  }));
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const a = streams.find((s) => s.codec_type === 'audio');
  const longestStream = Math.max(0, ...streams.map((s) => num(s.duration) ?? 0));
  return finishProbe(
    {
      formatName,
      formatNames: formatName.split(','),
      durationSec: positive(num(format.duration)) ?? positive(longestStream),
      bitRate: positive(num(format.bit_rate)),
      streams: summary,
      video: v && {
        codec: v.codec_name ?? 'unknown',
        width: v.width ?? 0,
        height: v.height ?? 0,
        fps: pickFrameRate(parseRational(v.r_frame_rate), parseRational(v.avg_frame_rate)),
        rotation: rotationOf(v),
        pixFmt: v.pix_fmt,
        bitRate: positive(num(v.bit_rate)),
      },
      audio: a && {
        codec: a.codec_name ?? 'unknown',
        sampleRate: num(a.sample_rate) ?? 0,
        channels: a.channels ?? 0,
        channelLayout: a.channel_layout,
        bitRate: positive(num(a.bit_rate)),
      },
      image: false,
      probedWith: 'ffprobe',
    },
    result.stderr,
    filePath,
  );
}
