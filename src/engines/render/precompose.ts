// Composes each distinct frame of a plan once: base + eyes sprite + mouth sprite, alpha-over,
// written as RGBA PNGs for the concat list. Done here in JS rather than with ffmpeg because it
// is a few dozen images at most (≤ 15 mouths × 3 eye states, typically 15–30), decoded once:
// no extra process, no multi-output filter graph to build and escape, and the result is the
// same whichever ffmpeg build is installed. No per-frame work happens in JS: ffmpeg holds each
// picture for its run.
import fs from 'node:fs/promises';
import path from 'node:path';
import { encodePngRgba } from '../../core/media/encode.ts';
import { decodePng, type RgbaImage } from '../../core/media/png-decode.ts';
import type { Viseme } from '../speech/visemes.ts';
import type { AvatarPackage, AvatarSprite, EyeState, Point } from './avatar-package.ts';
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

/**
 * Writes one PNG per key into dir (f000.png, f001.png, …); returns key → file name (relative
 * to dir, as the concat list wants it).
 */
export async function precomposeFrames(
  pkg: AvatarPackage,
  keys: FrameKey[],
  dir: string,
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const cache = new Map<AvatarSprite, RgbaImage>();
  const decoded = (s: AvatarSprite): RgbaImage => {
    let img = cache.get(s);
    if (!img) {
      img = decodePng(s.png);
      cache.set(s, img);
    }
    return img;
  };
  const mouth = (v: Viseme): AvatarSprite => {
    const s = pkg.mouth.shapes[v] ?? pkg.mouth.shapes.sil;
    if (!s) throw new Error(`avatar has no mouth sprite for ${v}`);
    return s;
  };
  const eyes = (e: EyeState): AvatarSprite => pkg.eyes[e];
  const files = new Map<string, string>();
  for (const [i, k] of keys.entries()) {
    signal?.throwIfAborted();
    const img = composeKey(
      decoded(pkg.base),
      decoded(mouth(k.mouth)),
      pkg.mouth.anchor,
      decoded(eyes(k.eyes)),
      pkg.eyes.anchor,
    );
    const name = `f${String(i).padStart(3, '0')}.png`;
    // Level 1: these are read once by ffmpeg and deleted; speed beats size.
    await fs.writeFile(path.join(dir, name), encodePngRgba(img.width, img.height, img.data, 1));
    files.set(k.key, name);
  }
  return files;
}
