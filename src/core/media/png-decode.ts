// A tiny PNG reader for the images Doppel composes itself (the 2D avatar's layers): 8-bit
// greyscale, grey+alpha, RGB, RGBA and palette (with tRNS) PNGs, not interlaced. That covers
// what design tools and pngquant export; anything else gets a clear error instead of a guess.
// Pure: bytes in, RGBA pixels out.
import { inflateSync } from 'node:zlib';
import { paeth } from './encode.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, straight (not premultiplied) alpha. */
  data: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The IHDR fields, or undefined when the bytes are not a PNG. */
export function readPngHeader(buf: Uint8Array): PngHeader | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 33 || !b.subarray(0, 8).equals(SIGNATURE) || b.toString('latin1', 12, 16) !== 'IHDR')
    return undefined;
  return {
    width: b.readUInt32BE(16),
    height: b.readUInt32BE(20),
    bitDepth: b[24],
    colorType: b[25],
    interlace: b[28],
  };
}

/** Why this header cannot be decoded here, or undefined when it can. */
export function unsupportedPng(h: PngHeader): string | undefined {
  if (h.bitDepth !== 8) return `bit depth ${h.bitDepth} (only 8-bit PNGs are supported)`;
  if (!(h.colorType in CHANNELS)) return `colour type ${h.colorType}`;
  if (h.interlace !== 0) return 'interlaced PNG (save it without interlacing)';
  return undefined;
}

export function decodePng(buf: Uint8Array): RgbaImage {
  const h = readPngHeader(buf);
  if (!h) throw new Error('not a PNG');
  const why = unsupportedPng(h);
  if (why) throw new Error(`unsupported PNG: ${why}`);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const idat: Buffer[] = [];
  let palette: Buffer | undefined;
  let trns: Buffer | undefined;
  for (let off = 8; off + 8 <= b.length; ) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    const data = b.subarray(off + 8, off + 8 + len);
    if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const bpp = CHANNELS[h.colorType];
  const stride = h.width * bpp;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length < (stride + 1) * h.height) throw new Error('truncated PNG data');
  const px = Buffer.alloc(stride * h.height);
  for (let y = 0; y < h.height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? px[row + i - bpp] : 0;
      const up = y > 0 ? px[row - stride + i] : 0;
      const c = i >= bpp && y > 0 ? px[row - stride + i - bpp] : 0;
      const pred =
        filter === 0
          ? 0
          : filter === 1
            ? a
            : filter === 2
              ? up
              : filter === 3
                ? (a + up) >> 1
                : paeth(a, up, c);
      if (filter > 4) throw new Error(`bad PNG row filter ${filter}`);
      px[row + i] = (raw[src + i] + pred) & 0xff;
    }
  }
  const out = new Uint8Array(h.width * h.height * 4);
  const n = h.width * h.height;
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    switch (h.colorType) {
      case 6:
        out[o] = px[p * 4];
        out[o + 1] = px[p * 4 + 1];
        out[o + 2] = px[p * 4 + 2];
        out[o + 3] = px[p * 4 + 3];
        break;
      case 2:
        out[o] = px[p * 3];
        out[o + 1] = px[p * 3 + 1];
        out[o + 2] = px[p * 3 + 2];
        out[o + 3] = 255;
        break;
      case 0:
        out[o] = out[o + 1] = out[o + 2] = px[p];
        out[o + 3] = 255;
        break;
      case 4:
        out[o] = out[o + 1] = out[o + 2] = px[p * 2];
        out[o + 3] = px[p * 2 + 1];
        break;
      default: {
        const i = px[p];
        if (!palette || i * 3 + 2 >= palette.length) throw new Error('PNG palette index out of range');
        out[o] = palette[i * 3];
        out[o + 1] = palette[i * 3 + 1];
        out[o + 2] = palette[i * 3 + 2];
        out[o + 3] = trns && i < trns.length ? trns[i] : 255;
      }
    }
  }
  return { width: h.width, height: h.height, data: out };
}
