// Any audio file as mono 16 kHz signed 16-bit PCM, decoded by ffmpeg: what the lips (viseme
// planning) and the stream engine's mixer read. At most an hour of audio is taken.
import { runToolBinary } from './run.ts';

export const PCM_SAMPLE_RATE = 16_000;

export function monoPcmArgs(file: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-i',
    file,
    '-ac',
    '1',
    '-ar',
    '16000',
    '-f',
    's16le',
    'pipe:1',
  ];
}

/** The samples, or undefined when ffmpeg cannot decode the file (the caller names the error). */
export async function decodeMonoPcm(
  ffmpegPath: string,
  file: string,
  opts: { signal?: AbortSignal } = {},
): Promise<Int16Array | undefined> {
  const r = await runToolBinary(ffmpegPath, monoPcmArgs(file), {
    ...(opts.signal ? { signal: opts.signal } : {}),
    timeoutMs: 120_000,
    maxStdoutBytes: PCM_SAMPLE_RATE * 2 * 60 * 60,
  });
  if (r.code !== 0 || r.stdout.length < 2) return undefined;
  // A copy: the output buffer need not start on an even byte.
  return new Int16Array(
    r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + (r.stdout.length & ~1)),
  );
}
