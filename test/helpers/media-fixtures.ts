// Small real media for tests, made on the fly so the repository carries no binaries: PNG and
// WAV in plain JS (byte-for-byte deterministic), MP4 with ffmpeg's synthetic sources. Also the
// tool "legs" the media integration tests run on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePng, encodeWav } from '../../src/core/media/encode.ts';
import {
  type MediaTool,
  type MediaTools,
  resolveMediaTools,
  runTool,
  systemProbes,
} from '../../src/core/media/index.ts';

// ── PNG ─────────────────────────────────────────────────────────────────────

export { crc32 } from '../../src/core/media/encode.ts';

/** A valid 8-bit RGB PNG of one colour. */
export function pngBytes(width: number, height: number, rgb: [number, number, number]): Buffer {
  return encodePng(width, height, () => rgb);
}

// ── WAV ─────────────────────────────────────────────────────────────────────

/** Mono 16-bit PCM sine wave in a RIFF/WAVE container. */
export function wavBytes(opts: { seconds: number; sampleRate?: number; freq?: number }): Buffer {
  const { seconds, sampleRate = 16_000, freq = 440 } = opts;
  const samples = Array.from(
    { length: Math.round(seconds * sampleRate) },
    (_, i) => Math.sin((2 * Math.PI * freq * i) / sampleRate) * 0.5,
  );
  return encodeWav(samples, sampleRate);
}

// ── MP4 ─────────────────────────────────────────────────────────────────────

/** The tools from this process's environment, the way the server will resolve them. */
export const envTools = (): MediaTools =>
  resolveMediaTools({
    FFMPEG_PATH: process.env.FFMPEG_PATH,
    FFPROBE_PATH: process.env.FFPROBE_PATH,
    PATH: process.env.PATH,
    DOPPEL_MEDIA_TOOLS: process.env.DOPPEL_MEDIA_TOOLS,
  });

const libx264Cache = new Map<string, Promise<boolean>>();

/** Whether this ffmpeg has libx264 (`-encoders`), asked once per binary. */
function hasLibx264(ffmpeg: string): Promise<boolean> {
  let p = libx264Cache.get(ffmpeg);
  if (!p) {
    p = runTool(ffmpeg, ['-hide_banner', '-encoders']).then((r) => /\blibx264\b/.test(r.stdout));
    libx264Cache.set(ffmpeg, p);
  }
  return p;
}

/**
 * An MP4 of ffmpeg's test pattern (plus a 440 Hz tone) written into `dir`. H.264 when the
 * ffmpeg has libx264, else MPEG-4 part 2, which every build has. The moov atom stays at the end
 * (no +faststart), so cutting the file short loses it: that is the truncated-file test.
 */
export async function mp4File(
  dir: string,
  opts: { seconds?: number; width?: number; height?: number; withAudio?: boolean; name?: string } = {},
): Promise<string> {
  const { seconds = 2, width = 160, height = 120, withAudio = true, name = 'sample.mp4' } = opts;
  const ffmpeg = envTools().ffmpeg.path;
  const vcodec = (await hasLibx264(ffmpeg)) ? 'libx264' : 'mpeg4';
  const out = path.join(dir, name);
  const args = [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${width}x${height}:rate=25:duration=${seconds}`,
    ...(withAudio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`] : []),
    '-c:v',
    vcodec,
    '-pix_fmt',
    'yuv420p',
    ...(withAudio ? ['-c:a', 'aac', '-b:a', '64k'] : []),
    // No encoder/version strings or timestamps in the file, so reruns give the same bytes.
    '-map_metadata',
    '-1',
    '-fflags',
    '+bitexact',
    '-flags',
    '+bitexact',
    out,
  ];
  const r = await runTool(ffmpeg, args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`making ${name} failed: ${r.stderr}`);
  return out;
}

// ── tool legs ───────────────────────────────────────────────────────────────

export interface ToolLeg {
  name: string;
  tools?: MediaTools;
  /** Why the leg cannot run here; the tests show it as a skip. */
  skip?: string;
}

/**
 * The ways probing can run on this machine: with ffprobe, with ffmpeg alone (`ffmpeg -i`), and
 * with the npm-shipped 2018 ffmpeg alone when it is a different binary from the resolved one.
 */
export function toolLegs(): ToolLeg[] {
  let resolved: MediaTools | undefined;
  let problem = '';
  try {
    resolved = envTools();
  } catch (e) {
    problem = String(e);
  }
  const npmPath = systemProbes.npmFfmpeg();
  const npm: MediaTool | undefined =
    npmPath && systemProbes.isExecutable(npmPath) ? { path: npmPath, source: 'npm' } : undefined;
  const legs: ToolLeg[] = [
    resolved?.ffprobe
      ? { name: 'ffprobe', tools: resolved }
      : { name: 'ffprobe', skip: 'no ffprobe: not on PATH and FFPROBE_PATH unset' },
    resolved
      ? { name: `ffmpeg-only (${resolved.ffmpeg.source})`, tools: { ffmpeg: resolved.ffmpeg } }
      : { name: 'ffmpeg-only', skip: `no ffmpeg: ${problem}` },
  ];
  const npmLeg = 'npm ffmpeg only';
  if (npm && npm.path !== resolved?.ffmpeg.path) legs.push({ name: npmLeg, tools: { ffmpeg: npm } });
  else legs.push({ name: npmLeg, skip: npm ? 'the npm ffmpeg is the one resolved above' : 'no npm ffmpeg' });
  return legs;
}

export const mkTmp = (prefix: string): string =>
  fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), `${prefix}-`));
