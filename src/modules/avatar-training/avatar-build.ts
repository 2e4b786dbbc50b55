// Builds a 2D avatar package (docs/avatar-package.md) from one frame of the person and its 68
// face landmarks, pure: pixels in, PNG files out. The frame is the base; every mouth shape is
// the frame's own mouth region warped open (the lower lip and chin pushed down along an
// elliptical lip profile, the gap filled with a shaded mouth cavity and, when open enough, a
// band of upper teeth; the lips narrowed or widened per viseme); the blink sprites close the
// eyelids by mirroring the lid skin above each eye down over it, with a lash line.
// docs/design/2026-12-02-avatar-modeling.md says why warping rather than cut-out patches.
import { encodePngRgba } from '../../core/media/encode.ts';
import type { RgbaImage } from '../../core/media/index.ts';
import { VISEMES, type Viseme } from '../../engines/speech/visemes.ts';

type P = [number, number];

/** How far each viseme opens the lips (× mouth width) and how it scales their width. */
export const VISEME_SHAPES: Record<Viseme, { open: number; width: number }> = {
  sil: { open: 0, width: 1 },
  PP: { open: 0, width: 0.96 },
  FF: { open: 0.05, width: 0.98 },
  TH: { open: 0.08, width: 1 },
  DD: { open: 0.1, width: 1.02 },
  kk: { open: 0.14, width: 1.03 },
  CH: { open: 0.1, width: 0.92 },
  SS: { open: 0.06, width: 1.06 },
  nn: { open: 0.08, width: 1 },
  RR: { open: 0.12, width: 0.88 },
  aa: { open: 0.36, width: 1 },
  E: { open: 0.16, width: 1.08 },
  ih: { open: 0.11, width: 1.04 },
  oh: { open: 0.27, width: 0.84 },
  ou: { open: 0.14, width: 0.74 },
};

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
const smooth = (t: number) => {
  const c = clamp(t, 0, 1);
  return c * c * (3 - 2 * c);
};

/** Bilinear sample of an RGBA image (edges clamped), into out[0..3]. */
function sample(img: RgbaImage, x: number, y: number, out: number[]): void {
  const xi = clamp(Math.floor(x), 0, img.width - 1);
  const yi = clamp(Math.floor(y), 0, img.height - 1);
  const x1 = Math.min(img.width - 1, xi + 1);
  const y1 = Math.min(img.height - 1, yi + 1);
  const fx = clamp(x - xi, 0, 1);
  const fy = clamp(y - yi, 0, 1);
  const d = img.data;
  for (let c = 0; c < 4; c++) {
    const a = d[(yi * img.width + xi) * 4 + c]!;
    const b = d[(yi * img.width + x1) * 4 + c]!;
    const e = d[(y1 * img.width + xi) * 4 + c]!;
    const f = d[(y1 * img.width + x1) * 4 + c]!;
    out[c] = (a * (1 - fx) + b * fx) * (1 - fy) + (e * (1 - fx) + f * fx) * fy;
  }
}

function rectOf(x0: number, y0: number, x1: number, y1: number, img: RgbaImage): Rect {
  const x = clamp(Math.floor(x0), 0, img.width - 2);
  const y = clamp(Math.floor(y0), 0, img.height - 2);
  const r = clamp(Math.ceil(x1), x + 2, img.width);
  const b = clamp(Math.ceil(y1), y + 2, img.height);
  return { x, y, width: r - x, height: b - y };
}

export interface MouthGeometry {
  rect: Rect;
  cx: number;
  /** Where the lips meet. */
  lipY: number;
  /** Mouth width, px. */
  w: number;
  chinY: number;
}

export function mouthGeometry(l: P[], img: RgbaImage): MouthGeometry {
  const outer = l.slice(48, 60);
  const inner = l.slice(60, 68);
  const xs = outer.map((p) => p[0]);
  const ys = outer.map((p) => p[1]);
  const w = Math.max(4, Math.max(...xs) - Math.min(...xs));
  const h = Math.max(2, Math.max(...ys) - Math.min(...ys));
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const lipY = inner.reduce((s, p) => s + p[1], 0) / inner.length;
  const chinY = Math.max(l[8]![1], lipY + h);
  const rect = rectOf(
    cx - 0.95 * w,
    Math.min(...ys) - 0.5 * h,
    cx + 0.95 * w,
    chinY + 0.2 * (chinY - lipY),
    img,
  );
  return { rect, cx, lipY, w, chinY };
}

/** One mouth sprite: the rect of the base with the lips opened by `open` × width. */
export function mouthSprite(
  img: RgbaImage,
  g: MouthGeometry,
  shape: { open: number; width: number },
): Uint8Array {
  const { rect, cx, lipY, w } = g;
  const out = new Uint8Array(rect.width * rect.height * 4);
  const px = [0, 0, 0, 0];
  const D = shape.open * w;
  const halfLip = 0.55 * w * shape.width;
  const bottom = rect.y + rect.height;
  for (let j = 0; j < rect.height; j++) {
    const y = rect.y + j + 0.5;
    // The chin follows the jaw fully near the lips, not at all at the sprite's bottom edge.
    const fall = 1 - smooth((y - lipY) / Math.max(1, bottom - lipY));
    // Width change only around the lips.
    const near = 1 - smooth(Math.abs(y - lipY) / (0.6 * w));
    for (let i = 0; i < rect.width; i++) {
      const x = rect.x + i + 0.5;
      const dx = x - cx;
      const hmask = 1 - smooth((Math.abs(dx) - 0.5 * w) / (0.4 * w));
      const scale = 1 + (shape.width - 1) * near * hmask;
      const sx = cx + dx / scale;
      const e = 1 - (dx / halfLip) ** 2;
      const profile = e > 0 ? Math.sqrt(e) : 0;
      const gap = D * profile;
      const o = (j * rect.width + i) * 4;
      if (gap > 0.5 && y >= lipY && y < lipY + gap) {
        // The cavity: teeth at the top when open enough, dark below, soft at the lips.
        const t = (y - lipY) / gap;
        const teeth = shape.open >= 0.12 && t < 0.28;
        const c = teeth ? [214, 208, 198] : [58 - 30 * t, 22 - 10 * t, 26 - 12 * t];
        const edge = smooth(Math.min(t, 1 - t) * gap * 0.8);
        sample(img, sx, lipY, px);
        for (let k = 0; k < 3; k++) out[o + k] = Math.round(c[k]! * edge + px[k]! * (1 - edge));
        out[o + 3] = 255;
        continue;
      }
      const sy = y >= lipY ? y - gap * fall : y;
      sample(img, sx, sy, px);
      out[o] = px[0]!;
      out[o + 1] = px[1]!;
      out[o + 2] = px[2]!;
      out[o + 3] = px[3]!;
    }
  }
  feather(out, rect.width, rect.height, Math.max(2, Math.round(0.12 * Math.min(rect.width, rect.height))));
  return out;
}

/** Fades alpha to 0 over `band` px at every edge, so a sprite blends into the base. */
function feather(rgba: Uint8Array, w: number, h: number, band: number): void {
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const d = Math.min(i, j, w - 1 - i, h - 1 - j);
      if (d >= band) continue;
      const o = (j * w + i) * 4 + 3;
      rgba[o] = Math.round(rgba[o]! * smooth((d + 0.5) / band));
    }
  }
}

/** The eye region: both eyes with a margin of about one eye height above and below. */
export function eyesRect(l: P[], img: RgbaImage): Rect {
  const eyes = l.slice(36, 48);
  const xs = eyes.map((p) => p[0]);
  const ys = eyes.map((p) => p[1]);
  const eyeW = Math.max(4, l[39]![0] - l[36]![0]);
  return rectOf(
    Math.min(...xs) - 0.35 * eyeW,
    Math.min(...ys) - 0.7 * eyeW,
    Math.max(...xs) + 0.35 * eyeW,
    Math.max(...ys) + 0.45 * eyeW,
    img,
  );
}

/** Upper and lower lid at column x of one eye (landmarks 36–41 or 42–47), or undefined outside it. */
function lids(eye: P[], x: number): { top: number; bottom: number } | undefined {
  const corner0 = eye[0]!;
  const corner1 = eye[3]!;
  if (x < Math.min(corner0[0], corner1[0]) || x > Math.max(corner0[0], corner1[0])) return undefined;
  const along = (pts: P[]) => {
    for (let k = 0; k + 1 < pts.length; k++) {
      const a = pts[k]!;
      const b = pts[k + 1]!;
      const lo = Math.min(a[0], b[0]);
      const hi = Math.max(a[0], b[0]);
      if (x >= lo && x <= hi) return a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0] || 1);
    }
    return (pts[0]![1] + pts[pts.length - 1]![1]) / 2;
  };
  const top = along([eye[0]!, eye[1]!, eye[2]!, eye[3]!]);
  const bottom = along([eye[3]!, eye[4]!, eye[5]!, eye[0]!]);
  return { top: Math.min(top, bottom), bottom: Math.max(top, bottom) };
}

/** Eye sprite: `closure` 0 (as in the base) to 1 (lids shut). */
export function eyesSprite(img: RgbaImage, l: P[], rect: Rect, closure: number): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height * 4);
  const px = [0, 0, 0, 0];
  const eyes = [l.slice(36, 42), l.slice(42, 48)];
  const eyeW = Math.max(4, l[39]![0] - l[36]![0]);
  const pad = Math.max(1, eyeW * 0.06);
  for (let j = 0; j < rect.height; j++) {
    const y = rect.y + j + 0.5;
    for (let i = 0; i < rect.width; i++) {
      const x = rect.x + i + 0.5;
      let sy = y;
      let lash = 0;
      for (const eye of eyes) {
        const lid = lids(eye, x);
        if (!lid || closure <= 0) continue;
        const top = lid.top - pad;
        const bottom = lid.bottom + pad;
        const edge = top + (bottom - top) * closure;
        if (y >= top && y <= edge) {
          // The lid: skin from above the eye, mirrored down (keeps its shading and texture).
          sy = top - (y - top) - pad;
          const toEdge = edge - y;
          lash = Math.max(lash, 1 - smooth(toEdge / Math.max(1, eyeW * 0.07)));
        }
      }
      sample(img, x, sy, px);
      const o = (j * rect.width + i) * 4;
      const dark = 1 - 0.6 * lash;
      out[o] = Math.round(px[0]! * dark);
      out[o + 1] = Math.round(px[1]! * dark);
      out[o + 2] = Math.round(px[2]! * dark);
      out[o + 3] = px[3]!;
    }
  }
  feather(out, rect.width, rect.height, Math.max(2, Math.round(0.15 * Math.min(rect.width, rect.height))));
  return out;
}

export interface BuiltPackage {
  manifest: Record<string, unknown>;
  files: Map<string, Buffer>;
}

/** The whole package: base, 15 mouth shapes, 3 eye states and the manifest. */
export function buildAvatarPackage(name: string, img: RgbaImage, landmarks: P[]): BuiltPackage {
  const files = new Map<string, Buffer>();
  const base = new Uint8Array(img.data);
  // Opaque: the person's own background stays (it is part of the picture).
  for (let k = 3; k < base.length; k += 4) base[k] = 255;
  const opaque: RgbaImage = { width: img.width, height: img.height, data: base };
  files.set('base.png', encodePngRgba(img.width, img.height, base));
  const g = mouthGeometry(landmarks, opaque);
  const shapes: Record<string, string> = {};
  for (const v of VISEMES) {
    const file = `mouth/${v}.png`;
    files.set(file, encodePngRgba(g.rect.width, g.rect.height, mouthSprite(opaque, g, VISEME_SHAPES[v])));
    shapes[v] = file;
  }
  const er = eyesRect(landmarks, opaque);
  files.set('eyes/open.png', encodePngRgba(er.width, er.height, eyesSprite(opaque, landmarks, er, 0)));
  files.set('eyes/half.png', encodePngRgba(er.width, er.height, eyesSprite(opaque, landmarks, er, 0.55)));
  files.set('eyes/closed.png', encodePngRgba(er.width, er.height, eyesSprite(opaque, landmarks, er, 1)));
  const manifest = {
    format: 'doppel.avatar2d',
    version: 1,
    name,
    canvas: { width: img.width, height: img.height },
    base: 'base.png',
    mouth: { anchor: { x: g.rect.x, y: g.rect.y }, shapes },
    eyes: {
      anchor: { x: er.x, y: er.y },
      open: 'eyes/open.png',
      half: 'eyes/half.png',
      closed: 'eyes/closed.png',
    },
  };
  files.set('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
  return { manifest, files };
}
