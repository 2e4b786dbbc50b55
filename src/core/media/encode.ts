// Small, dependency-free encoders for the media Doppel makes itself: PNG stills (system
// backgrounds, test fixtures, later the 2D renderer's frames) and PCM WAV audio. Pure
// functions over buffers; nothing here touches a process or a disk.
import { deflateSync } from 'node:zlib';

export type Rgb = [number, number, number];

// ── PNG (8-bit RGB, adaptive row filters, like libpng's default heuristic) ────

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

/** Encodes a width×height RGB image given per pixel; rows pick the filter that compresses best. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgb): Buffer {
  const stride = width * 3;
  const cur = Buffer.alloc(stride);
  return encodeRows(width, height, 3, 9, (y) => {
    for (let x = 0; x < width; x++) cur.set(pixel(x, y), x * 3);
    return cur;
  });
}

/**
 * Encodes 8-bit RGBA pixels (row-major, straight alpha, width×height×4 bytes). `level` is the
 * zlib level: the renderer's frames are read once and thrown away, so it trades size for speed.
 */
export function encodePngRgba(width: number, height: number, rgba: Uint8Array, level = 6): Buffer {
  const stride = width * 4;
  if (rgba.length !== stride * height) throw new RangeError(`expected ${stride * height} RGBA bytes`);
  return encodeRows(width, height, 4, level, (y) => rgba.subarray(y * stride, (y + 1) * stride));
}

function encodeRows(
  width: number,
  height: number,
  bpp: 3 | 4,
  level: number,
  rowAt: (y: number) => Uint8Array,
): Buffer {
  const stride = width * bpp;
  const raw = Buffer.alloc((stride + 1) * height);
  let prev = Buffer.alloc(stride);
  const candidates = Array.from({ length: 5 }, () => Buffer.alloc(stride));
  for (let y = 0; y < height; y++) {
    const cur = rowAt(y);
    // Filters 0..4 (None, Sub, Up, Average, Paeth); keep the smallest sum of |signed byte|.
    let best = 0;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let f = 0; f < 5; f++) {
      const out = candidates[f];
      let score = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? cur[i - bpp] : 0;
        const b = prev[i];
        const c = i >= bpp ? prev[i - bpp] : 0;
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const v = (cur[i] - pred) & 0xff;
        out[i] = v;
        score += v < 128 ? v : 256 - v;
      }
      if (score < bestScore) {
        bestScore = score;
        best = f;
      }
    }
    raw[y * (stride + 1)] = best;
    candidates[best].copy(raw, y * (stride + 1) + 1);
    prev = Buffer.from(cur);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, bpp === 4 ? 6 : 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// ── WAV ─────────────────────────────────────────────────────────────────────

/**
 * 16-bit PCM in a RIFF/WAVE container; samples are floats clamped to [-1, 1]. With
 * `channels` > 1 the samples are interleaved frames (L R L R …).
 */
export function encodeWav(samples: ArrayLike<number>, sampleRate: number, channels = 1): Buffer {
  const pcm = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] ?? 0));
    pcm[i] = Math.round(v * 32767);
  }
  return encodeWavPcm16(pcm, sampleRate, channels);
}

/** Signed 16-bit PCM (interleaved when `channels` > 1) in a RIFF/WAVE container, copied as is. */
export function encodeWavPcm16(pcm: Int16Array, sampleRate: number, channels = 1): Buffer {
  if (!Number.isInteger(channels) || channels < 1 || channels > 8)
    throw new RangeError(`bad channel count ${channels}`);
  if (pcm.length % channels !== 0)
    throw new RangeError(`${pcm.length} samples is not a whole number of ${channels}-channel frames`);
  const data = Buffer.alloc(pcm.length * 2);
  // WAV is little-endian; so is every platform Node runs on, but do not rely on it.
  for (let i = 0; i < pcm.length; i++) data.writeInt16LE(pcm[i], i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2 * channels, 28); // byte rate
  header.writeUInt16LE(2 * channels, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
