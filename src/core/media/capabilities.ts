// What an ffmpeg binary can do: its filters and encoders, asked once per binary. Builds differ
// (a minimal distribution build may lack libx264, libvpx, libmp3lame or libass), so work that
// needs a component checks for it first and fails with a reason that names what is missing
// and how to get it, instead of an ffmpeg exit code in the middle of a job.
import { MediaError } from './errors.ts';
import { runTool } from './run.ts';
import type { MediaTools } from './tools.ts';

const cache = new Map<string, Promise<Set<string>>>();

function listed(ffmpegPath: string, what: 'filters' | 'encoders', line: RegExp): Promise<Set<string>> {
  const key = `${what}\0${ffmpegPath}`;
  let p = cache.get(key);
  if (!p) {
    p = runTool(ffmpegPath, ['-hide_banner', `-${what}`], { timeoutMs: 15_000 }).then(
      (r) => new Set([...r.stdout.matchAll(line)].map((m) => m[1])),
    );
    // A failed listing is not remembered: the next call asks again.
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** The filter names an ffmpeg binary has (`-filters`: ` ... ass  V->V  …`). */
export const ffmpegFilters = (ffmpegPath: string): Promise<Set<string>> =>
  listed(ffmpegPath, 'filters', /^ [.A-Z|]{2,3} (\S+)/gm);

/** The encoder names an ffmpeg binary has (`-encoders`: ` V..... libx264  …`). */
export const ffmpegEncoders = (ffmpegPath: string): Promise<Set<string>> =>
  listed(ffmpegPath, 'encoders', /^ [VASFXBD.]{6} ([A-Za-z0-9_-]+) /gm);

/**
 * Throws TOOL_MISSING when the resolved ffmpeg lacks one of `encoders`. The reason is meant
 * for users (a job's error_info): no server path, the tool's origin and the way out.
 */
export async function requireEncoders(tools: MediaTools, encoders: string[], purpose: string): Promise<void> {
  const have = await ffmpegEncoders(tools.ffmpeg.path);
  const missing = encoders.filter((e) => !have.has(e));
  if (missing.length === 0) return;
  const origin = { env: 'FFMPEG_PATH', path: 'the one on PATH', npm: 'the bundled npm build' }[
    tools.ffmpeg.source
  ];
  throw new MediaError(
    'TOOL_MISSING',
    `${purpose} needs the ffmpeg encoder${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which this ffmpeg (${origin}) lacks: install a full build (apt-get install ffmpeg) or set DOPPEL_MEDIA_TOOLS=bundled`,
  );
}
