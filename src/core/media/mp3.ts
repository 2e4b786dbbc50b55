// MP3 from WAV bytes through ffmpeg's libmp3lame, entirely over pipes (no temp files). Both
// the Debian ffmpeg and the npm static build (@ffmpeg-installer, 2018) ship libmp3lame.

import { requireEncoders } from './capabilities.ts';
import { MediaError, summarizeStderr } from './errors.ts';
import { runToolBinary } from './run.ts';
import type { MediaTools } from './tools.ts';

export interface Mp3Options {
  /** Constant bitrate; default 128 kbit/s. */
  bitrateKbps?: number;
  signal?: AbortSignal;
  /** Default: 60 s plus 1 s per 10 MB of input. */
  timeoutMs?: number;
}

/** ffmpeg argv for WAV on stdin → CBR MP3 on stdout (pure, for unit tests). */
export function mp3Args(bitrateKbps = 128): string[] {
  if (!Number.isInteger(bitrateKbps) || bitrateKbps < 8 || bitrateKbps > 320) {
    throw new RangeError(`bad MP3 bitrate ${bitrateKbps} kbit/s`);
  }
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-f',
    'wav',
    '-i',
    'pipe:0',
    '-vn',
    '-c:a',
    'libmp3lame',
    '-b:a',
    `${bitrateKbps}k`,
    // A pipe cannot be seeked back to fill in a Xing header; plain CBR frames need none.
    '-write_xing',
    '0',
    '-f',
    'mp3',
    'pipe:1',
  ];
}

export async function encodeMp3(tools: MediaTools, wav: Buffer, opts: Mp3Options = {}): Promise<Buffer> {
  await requireEncoders(tools, ['libmp3lame'], 'MP3 audio');
  const r = await runToolBinary(tools.ffmpeg.path, mp3Args(opts.bitrateKbps), {
    input: wav,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? 60_000 + Math.ceil(wav.length / 10_000_000) * 1000,
    // MP3 at ≤ 320 kbit/s is far smaller than 16-bit PCM; the WAV size bounds it with room.
    maxStdoutBytes: Math.max(1 << 20, wav.length),
  });
  if (r.code !== 0 || r.stdout.length === 0) {
    throw new MediaError('FAILED', 'ffmpeg could not encode MP3', { detail: summarizeStderr(r.stderr) });
  }
  return r.stdout;
}
