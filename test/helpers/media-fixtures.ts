// Small real media for tests, made on the fly so the repository carries no binaries: PNG and
// WAV in plain JS (byte-for-byte deterministic), MP4 with ffmpeg's synthetic sources. Also the
// tool "legs" the media integration tests run on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  type MediaTool,
  type MediaTools,
  resolveMediaTools,
  runTool,
  systemProbes,
} from '../../src/core/media/index.ts';

// ── PNG ─────────────────────────────────────────────────────────────────────

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks use it (zlib.crc32 only exists from Node 20.15). */
export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid 8-bit RGB PNG of one colour. */
export function pngBytes(width: number, height: number, rgb: [number, number, number]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, default compression/filter/interlace
  const row = Buffer.alloc(1 + width * 3); // leading 0: filter type None
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ── WAV ─────────────────────────────────────────────────────────────────────

/** Mono 16-bit PCM sine wave in a RIFF/WAVE container. */
export function wavBytes(opts: { seconds: number; sampleRate?: number; freq?: number }): Buffer {
  const { seconds, sampleRate = 16_000, freq = 440 } = opts;
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * freq * i) / sampleRate) * 0.5 * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // channels
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

// ── MP4 ─────────────────────────────────────────────────────────────────────

/** The tools from this process's environment, the way the server will resolve them. */
export const envTools = (): MediaTools =>
  resolveMediaTools({
    FFMPEG_PATH: process.env.FFMPEG_PATH,
    FFPROBE_PATH: process.env.FFPROBE_PATH,
    PATH: process.env.PATH,
  });

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
  const encoders = await runTool(ffmpeg, ['-hide_banner', '-encoders']);
  const vcodec = /\blibx264\b/.test(encoders.stdout) ? 'libx264' : 'mpeg4';
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
