// probeMedia: what a file on local disk is. ffprobe when there is one, else `ffmpeg -i`.
// Cheap checks run first so an empty or mislabelled upload never costs a process.
import fs from 'node:fs/promises';
import { ffmpegInfoArgs, ffprobeArgs } from './argv.ts';
import { MediaError } from './errors.ts';
import type { MediaInfo } from './media-info.ts';
import { parseFfmpegInfo } from './parse-ffmpeg.ts';
import { parseFfprobe } from './parse-ffprobe.ts';
import { runTool } from './run.ts';
import { mislabelReason, SNIFF_BYTES, sniffFormat } from './sniff.ts';
import type { MediaTools } from './tools.ts';

export interface ProbeOptions {
  signal?: AbortSignal;
  /** Default 30 s: probing reads headers only, so anything slower is a stuck demuxer. */
  timeoutMs?: number;
  /**
   * The name the client gave the file (e.g. `photo.png`). When set, content that contradicts the
   * extension is refused as MISLABELLED before any tool runs.
   */
  declaredName?: string;
}

export async function probeMedia(
  tools: MediaTools,
  filePath: string,
  opts: ProbeOptions = {},
): Promise<MediaInfo> {
  const { size, head } = await readHead(filePath);
  if (size === 0) throw new MediaError('EMPTY', 'the file is empty');
  const sniffed = sniffFormat(head);
  if (opts.declaredName !== undefined) {
    const why = mislabelReason(opts.declaredName, sniffed);
    if (why) throw new MediaError('MISLABELLED', why);
  }
  // Text, PDF and ZIP are never media assets; saying so beats ffmpeg's "Invalid data found".
  if (sniffed === 'text' || sniffed === 'pdf' || sniffed === 'zip') {
    throw new MediaError(
      'UNDECODABLE',
      `not a media file (the content is ${sniffed === 'text' ? 'plain text' : sniffed.toUpperCase()})`,
    );
  }
  const run = { signal: opts.signal, timeoutMs: opts.timeoutMs ?? 30_000 };
  const parsed = tools.ffprobe
    ? parseFfprobe(await runTool(tools.ffprobe.path, ffprobeArgs(filePath), run), filePath)
    : parseFfmpegInfo(await runTool(tools.ffmpeg.path, ffmpegInfoArgs(filePath), run), filePath);
  return sniffed ? { ...parsed, sizeBytes: size, sniffed } : { ...parsed, sizeBytes: size };
}

async function readHead(filePath: string): Promise<{ size: number; head: Buffer }> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(filePath, 'r');
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
    await handle.read(head, 0, head.length, 0);
    return { size, head };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // No path in the reason: it ends up in API responses.
    throw new MediaError(
      'UNREADABLE',
      code === 'ENOENT' ? 'the file does not exist' : `cannot read the file (${code ?? 'error'})`,
      {
        cause: e,
      },
    );
  } finally {
    await handle?.close();
  }
}
