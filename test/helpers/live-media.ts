// Live-stream test tools: an RTMP receiver (the bundled ffmpeg listening on 127.0.0.1, writing
// what it gets to an FLV file), and checks on a received file made with ffmpeg alone (no
// ffprobe): decoded sound level, and how much a region of the picture changes over time.
import net from 'node:net';
import { type LiveProcess, runToolBinary, spawnLiveProcess } from '../../src/core/media/index.ts';

/** A free TCP port on 127.0.0.1 (ffmpeg's RTMP server cannot listen on port 0). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface RtmpReceiver {
  url: string;
  file: string;
  proc: LiveProcess;
  /** Ends the receiver (its file is then complete up to what arrived). */
  close(): Promise<void>;
}

/** `ffmpeg -listen 1 -i rtmp://127.0.0.1:PORT/live -c copy FILE`: one publisher, then it exits. */
export async function rtmpReceiver(ffmpeg: string, port: number, file: string): Promise<RtmpReceiver> {
  const url = `rtmp://127.0.0.1:${port}/live`;
  const proc = spawnLiveProcess(ffmpeg, [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-listen',
    '1',
    '-timeout',
    '120',
    '-i',
    url,
    '-c',
    'copy',
    '-y',
    '-f',
    'flv',
    file,
  ]);
  // ffmpeg's server takes one connection, so a probe would use it up: give it a moment to
  // bind instead (a publisher that comes too early is refused and retries).
  await new Promise((r) => setTimeout(r, 700));
  return {
    url,
    file,
    proc,
    async close() {
      await proc.stop(5000);
    },
  };
}

/** Mean absolute sample level (16-bit) of a file's sound, decoded at 8 kHz mono. */
export async function soundLevel(ffmpeg: string, file: string, from = 0, seconds = 600): Promise<number> {
  const r = await runToolBinary(
    ffmpeg,
    [
      '-hide_banner',
      '-v',
      'error',
      '-ss',
      String(from),
      '-t',
      String(seconds),
      '-i',
      file,
      '-vn',
      '-ac',
      '1',
      '-ar',
      '8000',
      '-f',
      's16le',
      'pipe:1',
    ],
    { maxStdoutBytes: 64 * 1024 * 1024, timeoutMs: 120_000 },
  );
  const pcm = new Int16Array(r.stdout.buffer, r.stdout.byteOffset, Math.floor(r.stdout.length / 2));
  let sum = 0;
  for (const v of pcm) sum += Math.abs(v);
  return pcm.length ? sum / pcm.length : 0;
}

/** Grey crops of a region, `fps` a second, over the whole file. */
export async function regionFrames(
  ffmpeg: string,
  file: string,
  box: { x: number; y: number; width: number; height: number },
  fps = 5,
): Promise<Buffer[]> {
  const r = await runToolBinary(
    ffmpeg,
    [
      '-hide_banner',
      '-v',
      'error',
      '-i',
      file,
      '-an',
      '-vf',
      `fps=${fps},crop=${box.width}:${box.height}:${box.x}:${box.y},format=gray`,
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { maxStdoutBytes: 256 * 1024 * 1024, timeoutMs: 120_000 },
  );
  const size = box.width * box.height;
  const out: Buffer[] = [];
  for (let at = 0; at + size <= r.stdout.length; at += size) out.push(r.stdout.subarray(at, at + size));
  return out;
}

export const meanDiff = (a: Buffer, b: Buffer): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
};

/** How many consecutive pairs of crops differ visibly (mean grey difference over 1.5). */
export const changes = (frames: Buffer[]): number =>
  frames.slice(1).filter((f, i) => meanDiff(f, frames[i]) > 1.5).length;

/**
 * Mean grey difference between the inner part of `a` (a `m`-pixel margin cut off) and the
 * same-size window of `b` at the shift (within ±m) where they match best.
 */
export function shiftedDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  w: number,
  h: number,
  m: number,
): number {
  let best = Number.POSITIVE_INFINITY;
  for (let dy = -m; dy <= m; dy += 1)
    for (let dx = -m; dx <= m; dx += 1) {
      let sum = 0;
      for (let y = m; y < h - m; y += 2) {
        const ra = y * w;
        const rb = (y + dy) * w + dx;
        for (let x = m; x < w - m; x += 2) sum += Math.abs((a[ra + x] as number) - (b[rb + x] as number));
      }
      best = Math.min(best, sum);
    }
  return best / (Math.ceil((h - 2 * m) / 2) * Math.ceil((w - 2 * m) / 2));
}

/**
 * Runs of a steady tone in a file's sound: the file decoded at 8 kHz mono, cut into 0.25 s
 * windows, a window "tone" when it is not quiet and most of its energy (Goertzel) sits at
 * `freq`. Returns the lengths in seconds of the runs of consecutive tone windows, in order.
 */
export async function toneRuns(ffmpeg: string, file: string, freq: number): Promise<number[]> {
  const rate = 8000;
  const r = await runToolBinary(
    ffmpeg,
    [
      '-hide_banner',
      '-v',
      'error',
      '-i',
      file,
      '-vn',
      '-ac',
      '1',
      '-ar',
      String(rate),
      '-f',
      's16le',
      'pipe:1',
    ],
    { maxStdoutBytes: 64 * 1024 * 1024, timeoutMs: 120_000 },
  );
  const pcm = new Int16Array(
    r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + (r.stdout.length & ~1)),
  );
  const n = rate / 4;
  const w = (2 * Math.PI * freq) / rate;
  const runs: number[] = [];
  let run = 0;
  for (let at = 0; at + n <= pcm.length; at += n) {
    let re = 0;
    let im = 0;
    let energy = 0;
    for (let i = 0; i < n; i++) {
      const x = pcm[at + i] / 32768;
      re += x * Math.cos(w * i);
      im -= x * Math.sin(w * i);
      energy += x * x;
    }
    // 1 for a pure sine at freq; speech and silence are far below.
    const share = energy > 0 ? (2 * (re * re + im * im)) / (n * energy) : 0;
    const loud = Math.sqrt(energy / n) > 0.02;
    if (loud && share > 0.7) run++;
    else {
      if (run > 0) runs.push(run / 4);
      run = 0;
    }
  }
  if (run > 0) runs.push(run / 4);
  return runs;
}
