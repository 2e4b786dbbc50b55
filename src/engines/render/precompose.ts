// Composes the avatar's pictures once per render, in JS: the body (the base, which never
// changes) and, per distinct frame key, the face (base + eyes sprite + mouth sprite, alpha-over,
// in the box those sprites can affect). Both are scaled to their size in the video and cut to
// the avatar's visible bounding box, and written as raw RGBA (PAM) for ffmpeg. A few dozen
// images at most (≤ 15 mouths × 3 eye states, typically 15–30): no extra process, and the same
// result on every ffmpeg build. ffmpeg reads a face again for every run (hundreds a minute), so
// what it reads must be cheap: a whole 1080 × 1080 PNG took it ~17 ms to decode and ~8 ms to
// scale each time; a small, already scaled PAM is a memcpy and one colour conversion.
import fs from 'node:fs/promises';
import path from 'node:path';
import { decodePng, type RgbaImage } from '../../core/media/png-decode.ts';
import type { Viseme } from '../speech/visemes.ts';
import type { AvatarPackage, AvatarSprite, Point } from './avatar-package.ts';
import type { FrameKey } from './frame-plan.ts';

/** Draws `src` over `dst` at (x, y), straight alpha, clipped to dst. Mutates dst. */
export function alphaOver(dst: RgbaImage, src: RgbaImage, at: Point): void {
  const x0 = Math.max(0, at.x);
  const y0 = Math.max(0, at.y);
  const x1 = Math.min(dst.width, at.x + src.width);
  const y1 = Math.min(dst.height, at.y + src.height);
  const d = dst.data;
  const s = src.data;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const si = ((y - at.y) * src.width + (x - at.x)) * 4;
      const sa = s[si + 3];
      if (sa === 0) continue;
      const di = (y * dst.width + x) * 4;
      if (sa === 255) {
        d[di] = s[si];
        d[di + 1] = s[si + 1];
        d[di + 2] = s[si + 2];
        d[di + 3] = 255;
        continue;
      }
      const a = sa / 255;
      const da = (d[di + 3] / 255) * (1 - a);
      const oa = a + da;
      for (let c = 0; c < 3; c++) d[di + c] = Math.round((s[si + c] * a + d[di + c] * da) / oa);
      d[di + 3] = Math.round(oa * 255);
    }
  }
}

/** An image's pixels composed for one key. */
export function composeKey(
  base: RgbaImage,
  mouth: RgbaImage,
  mouthAt: Point,
  eyes: RgbaImage,
  eyesAt: Point,
): RgbaImage {
  const out: RgbaImage = { width: base.width, height: base.height, data: new Uint8Array(base.data) };
  alphaOver(out, eyes, eyesAt);
  alphaOver(out, mouth, mouthAt);
  return out;
}

/** A rectangle, in pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);

/** The canvas scaled by `scale`, as the video gets it: both sides rounded to even pixels. */
export function scaledSize(canvas: { width: number; height: number }, scale: number) {
  return { width: even(canvas.width * scale), height: even(canvas.height * scale) };
}

/** The bounding box of the pixels with alpha > 0 (undefined when all are transparent). */
export function opaqueBounds(img: RgbaImage): Box | undefined {
  const { width: w, height: h, data } = img;
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w * 4;
    let first = -1;
    for (let x = 0; x < w; x++) {
      if (data[row + x * 4 + 3] !== 0) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    let last = first;
    for (let x = w - 1; x > first; x--) {
      if (data[row + x * 4 + 3] !== 0) {
        last = x;
        break;
      }
    }
    if (y < y0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

// Cubic convolution (Keys, a = -0.6: B = 0, C = 0.6, the parameters of ffmpeg's default
// `bicubic` scaler), radius 2, widened by the reduction factor when shrinking.
const cubic = (t: number): number => {
  const x = Math.abs(t);
  const a = -0.6;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
};

interface Taps {
  /** Per output index: `size` source indices and weights (weights sum to 1). */
  index: Int32Array;
  weight: Float32Array;
  size: number;
}

/** Filter taps for output pixels [from, to) of an axis scaled from `srcLen` by `scale`. */
function taps(srcLen: number, scale: number, from: number, to: number): Taps {
  const shrink = Math.min(1, scale);
  const support = 2 / shrink;
  const size = Math.ceil(support) * 2 + 1;
  const n = to - from;
  const index = new Int32Array(n * size);
  const weight = new Float32Array(n * size);
  for (let j = 0; j < n; j++) {
    const centre = (from + j + 0.5) / scale - 0.5;
    const lo = Math.floor(centre - support) + 1;
    let sum = 0;
    for (let k = 0; k < size; k++) {
      const w = cubic((lo + k - centre) * shrink);
      index[j * size + k] = Math.min(srcLen - 1, Math.max(0, lo + k));
      weight[j * size + k] = w;
      sum += w;
    }
    for (let k = 0; k < size; k++) weight[j * size + k] /= sum;
  }
  return { index, weight, size };
}

/** Source range [lo, hi] the taps read. */
function tapRange(t: Taps): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = -1;
  for (let i = 0; i < t.index.length; i++) {
    if (t.weight[i] === 0) continue;
    if (t.index[i] < lo) lo = t.index[i];
    if (t.index[i] > hi) hi = t.index[i];
  }
  return hi < 0 ? [0, 0] : [lo, hi];
}

/**
 * Resamples `src` (straight alpha) scaled by (sx, sy) and writes output pixels `region` (in
 * scaled coordinates) into `dst` (whose top-left is `dstAt` in scaled coordinates). Colours are
 * filtered premultiplied, so transparent pixels never bleed their colour into the edges.
 */
export function resampleInto(
  src: RgbaImage,
  sx: number,
  sy: number,
  region: Box,
  dst: RgbaImage,
  dstAt: Point,
): void {
  if (region.width <= 0 || region.height <= 0) return;
  const th = taps(src.width, sx, region.x, region.x + region.width);
  const tv = taps(src.height, sy, region.y, region.y + region.height);
  const [r0, r1] = tapRange(tv);
  const rows = r1 - r0 + 1;
  const w = region.width;
  const s = src.data;
  // Horizontal pass over the source rows the vertical taps read: premultiplied RGBA floats.
  const mid = new Float32Array(rows * w * 4);
  for (let r = 0; r < rows; r++) {
    const srow = (r0 + r) * src.width * 4;
    const mrow = r * w * 4;
    for (let j = 0; j < w; j++) {
      let cr = 0;
      let cg = 0;
      let cb = 0;
      let ca = 0;
      const t0 = j * th.size;
      for (let k = 0; k < th.size; k++) {
        const wt = th.weight[t0 + k];
        if (wt === 0) continue;
        const p = srow + th.index[t0 + k] * 4;
        const a = s[p + 3];
        if (a === 0) continue;
        const wa = wt * a;
        cr += wa * s[p];
        cg += wa * s[p + 1];
        cb += wa * s[p + 2];
        ca += wa;
      }
      const m = mrow + j * 4;
      mid[m] = cr;
      mid[m + 1] = cg;
      mid[m + 2] = cb;
      mid[m + 3] = ca;
    }
  }
  // Vertical pass, then back to straight alpha.
  const d = dst.data;
  for (let i = 0; i < region.height; i++) {
    const drow = (region.y + i - dstAt.y) * dst.width;
    const t0 = i * tv.size;
    for (let j = 0; j < w; j++) {
      let cr = 0;
      let cg = 0;
      let cb = 0;
      let ca = 0;
      for (let k = 0; k < tv.size; k++) {
        const wt = tv.weight[t0 + k];
        if (wt === 0) continue;
        const m = ((tv.index[t0 + k] - r0) * w + j) * 4;
        cr += wt * mid[m];
        cg += wt * mid[m + 1];
        cb += wt * mid[m + 2];
        ca += wt * mid[m + 3];
      }
      const di = (drow + region.x + j - dstAt.x) * 4;
      const a = Math.round(ca);
      if (a <= 0) {
        d[di] = d[di + 1] = d[di + 2] = d[di + 3] = 0;
        continue;
      }
      d[di] = Math.min(255, Math.max(0, Math.round(cr / ca)));
      d[di + 1] = Math.min(255, Math.max(0, Math.round(cg / ca)));
      d[di + 2] = Math.min(255, Math.max(0, Math.round(cb / ca)));
      d[di + 3] = Math.min(255, a);
    }
  }
}

/** The header of a PAM (netpbm P7) file of RGBA pixels: ffmpeg reads one without decoding. */
export const pamHeader = (width: number, height: number): Buffer =>
  Buffer.from(
    `P7\nWIDTH ${width}\nHEIGHT ${height}\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n`,
    'latin1',
  );

async function writePam(file: string, img: RgbaImage): Promise<void> {
  const fh = await fs.open(file, 'w');
  try {
    await fh.writev([pamHeader(img.width, img.height), img.data]);
  } finally {
    await fh.close();
  }
}

export interface PrecomposeOptions {
  /** Canvas scale in the video (the pictures are written at that size). Default 1. */
  scale?: number;
  signal?: AbortSignal;
}

export interface Precomposed {
  /**
   * The still body: the base scaled, cut to the bounding box of every visible pixel (`box`, in
   * the scaled canvas of `scaledSize`), with the face box made transparent.
   */
  base: string;
  box: Box;
  /**
   * Per key, the face box of its composition (mouth and eyes with the pixels the scaler lets
   * them reach), drawn over the body's transparent face box. File names are relative to the
   * directory.
   */
  faces: Map<string, string>;
  faceBox: Box;
}

/** `box` clipped to w × h, widened to even offsets and sizes (4:2:0 chroma never straddles it). */
function evenBox(box: Box, w: number, h: number): Box {
  const x0 = Math.max(0, Math.floor(box.x / 2) * 2);
  const y0 = Math.max(0, Math.floor(box.y / 2) * 2);
  const x1 = Math.min(w, Math.ceil((box.x + box.width) / 2) * 2);
  const y1 = Math.min(h, Math.ceil((box.y + box.height) / 2) * 2);
  return { x: x0, y: y0, width: Math.max(2, x1 - x0), height: Math.max(2, y1 - y0) };
}

/** The scaled-canvas pixels a change inside canvas box `b` can reach (filter radius included). */
function reach(b: Box, sx: number, sy: number): Box {
  const rx = 2 / Math.min(1, sx) + 1;
  const ry = 2 / Math.min(1, sy) + 1;
  const x0 = Math.floor((b.x - rx + 0.5) * sx - 0.5);
  const y0 = Math.floor((b.y - ry + 0.5) * sy - 0.5);
  const x1 = Math.ceil((b.x + b.width + rx + 0.5) * sx);
  const y1 = Math.ceil((b.y + b.height + ry + 0.5) * sy);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

const intersect = (a: Box, b: Box): Box => {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - x),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - y),
  };
};

const union = (a: Box | undefined, b: Box): Box => {
  if (!a || a.width <= 0 || a.height <= 0) return b;
  if (b.width <= 0 || b.height <= 0) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
};

/** Copies `box` of `src` into `dst` (both the same size). */
function copyBox(dst: RgbaImage, src: RgbaImage, box: Box): void {
  for (let y = box.y; y < box.y + box.height; y++) {
    const at = (y * src.width + box.x) * 4;
    dst.data.set(src.data.subarray(at, at + box.width * 4), at);
  }
}

// Decoded sprites, for as long as their package is loaded: a system avatar rendered again skips
// decoding its 1080 × 1080 base (~70 ms). Nothing here mutates a decoded sprite.
const decodedSprites = new WeakMap<AvatarSprite, RgbaImage>();
const decoded = (s: AvatarSprite): RgbaImage => {
  let img = decodedSprites.get(s);
  if (!img) {
    img = decodePng(s.png);
    decodedSprites.set(s, img);
  }
  return img;
};

/**
 * Writes the avatar's pictures into dir at their size in the video: `base.pam`, the body with
 * the face box cut out, and one face picture per key (f000.pam, f001.pam, …). The face is what
 * changes from run to run, so the per-run work ffmpeg does (a read and a colour conversion)
 * covers a small box instead of the whole avatar. Scaling is done once for the base and once
 * per key for the face box.
 */
export async function precomposeFrames(
  pkg: AvatarPackage,
  keys: FrameKey[],
  dir: string,
  opts: PrecomposeOptions = {},
): Promise<Precomposed> {
  const { signal } = opts;
  const mouth = (v: Viseme): AvatarSprite => {
    const s = pkg.mouth.shapes[v] ?? pkg.mouth.shapes.sil;
    if (!s) throw new Error(`avatar has no mouth sprite for ${v}`);
    return s;
  };
  const base = decoded(pkg.base);
  const canvas = { width: base.width, height: base.height };
  const canvasBox = { x: 0, y: 0, ...canvas };
  const full = scaledSize(canvas, opts.scale ?? 1);
  const fullBox = { x: 0, y: 0, ...full };
  const sx = full.width / canvas.width;
  const sy = full.height / canvas.height;
  const identity = full.width === canvas.width && full.height === canvas.height;
  const scaledReach = (b: Box): Box => (identity ? b : reach(b, sx, sy));

  // Every sprite the package may draw, placed: the face box covers them all (so it does not
  // depend on the keys), the visible box their opaque pixels and the base's.
  const placed = [
    ...Object.values(pkg.mouth.shapes).map((s) => ({ img: decoded(s), at: pkg.mouth.anchor })),
    ...(['open', 'half', 'closed'] as const).map((e) => ({ img: decoded(pkg.eyes[e]), at: pkg.eyes.anchor })),
  ];
  const rectOf = (p: { img: RgbaImage; at: Point }): Box =>
    intersect({ x: p.at.x, y: p.at.y, width: p.img.width, height: p.img.height }, canvasBox);
  let visible = opaqueBounds(base);
  let face: Box | undefined;
  for (const p of placed) {
    const b = opaqueBounds(p.img);
    if (b) visible = union(visible, intersect({ ...b, x: b.x + p.at.x, y: b.y + p.at.y }, canvasBox));
    face = union(face, rectOf(p));
  }
  const box = evenBox(visible ? scaledReach(visible) : fullBox, full.width, full.height);
  const faceBox = evenBox(
    intersect(face ? scaledReach(face) : { x: box.x, y: box.y, width: 2, height: 2 }, box),
    full.width,
    full.height,
  );

  /** Pixels `region` (scaled canvas) of canvas image `src`, scaled, into `dst` placed at `at`. */
  const draw = (src: RgbaImage, region: Box, dst: RgbaImage, at: Point) => {
    if (identity) {
      for (let y = region.y; y < region.y + region.height; y++) {
        const from = (y * src.width + region.x) * 4;
        dst.data.set(
          src.data.subarray(from, from + region.width * 4),
          ((y - at.y) * dst.width + region.x - at.x) * 4,
        );
      }
    } else resampleInto(src, sx, sy, region, dst, at);
  };
  const blank = (b: Box): RgbaImage => ({
    width: b.width,
    height: b.height,
    data: new Uint8Array(b.width * b.height * 4),
  });

  // The body: the face box keeps its colours (the 4:2:0 conversion filters chroma across the
  // edge) but is fully transparent, so the face drawn over it is exact.
  const body = blank(box);
  draw(base, box, body, box);
  for (let y = faceBox.y; y < faceBox.y + faceBox.height; y++) {
    const row = ((y - box.y) * box.width + faceBox.x - box.x) * 4;
    for (let i = 3; i < faceBox.width * 4; i += 4) body.data[row + i] = 0;
  }
  await writePam(path.join(dir, 'base.pam'), body);

  const work: RgbaImage = { width: base.width, height: base.height, data: new Uint8Array(base.data) };
  const faces = new Map<string, string>();
  for (const [i, k] of keys.entries()) {
    signal?.throwIfAborted();
    const parts = [
      { img: decoded(pkg.eyes[k.eyes]), at: pkg.eyes.anchor },
      { img: decoded(mouth(k.mouth)), at: pkg.mouth.anchor },
    ];
    for (const p of parts) alphaOver(work, p.img, p.at);
    const out = blank(faceBox);
    draw(work, faceBox, out, faceBox);
    for (const p of parts) copyBox(work, base, rectOf(p)); // back to the bare base
    const name = `f${String(i).padStart(3, '0')}.pam`;
    await writePam(path.join(dir, name), out);
    faces.set(k.key, name);
  }
  return { base: 'base.pam', box, faces, faceBox };
}
