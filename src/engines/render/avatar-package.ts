// Loads and validates a 2D avatar package (docs/avatar-package.md): a directory (system avatars)
// or a zip (an uploaded HUMAN_MODEL_2D asset). Every problem is reported with the manifest field
// or file it concerns, so a designer can fix the package without reading code.
import fs from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { readPngHeader, unsupportedPng } from '../../core/media/png-decode.ts';
import { VISEMES, type Viseme } from '../speech/visemes.ts';

export const AVATAR_FORMAT = 'doppel.avatar2d';
export const AVATAR_MAX_SIDE = 4096;
export const REQUIRED_VISEMES = ['sil', 'PP', 'FF', 'aa', 'E', 'ih', 'oh', 'ou'] as const;
/** Optional visemes and the required one drawn in their place when a package lacks them. */
export const VISEME_FALLBACK: Partial<Record<Viseme, Viseme>> = {
  TH: 'ih',
  DD: 'ih',
  SS: 'ih',
  nn: 'ih',
  kk: 'E',
  CH: 'E',
  RR: 'ou',
};

export type EyeState = 'open' | 'half' | 'closed';

export interface Point {
  x: number;
  y: number;
}

/** One PNG layer of the package. */
export interface AvatarSprite {
  file: string;
  png: Buffer;
  width: number;
  height: number;
}

export interface AvatarPackage {
  name: string;
  canvas: { width: number; height: number };
  base: AvatarSprite;
  mouth: { anchor: Point; shapes: Partial<Record<Viseme, AvatarSprite>> };
  eyes: { anchor: Point } & Record<EyeState, AvatarSprite>;
  /** Absent in the manifest: no idle motion. */
  idle: { swayPx: number; breathPeriodSec: number };
  preview?: AvatarSprite;
}

export class AvatarPackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AvatarPackageError';
  }
}

export const isAvatarPackageError = (e: unknown): e is AvatarPackageError => e instanceof AvatarPackageError;

/** The sprite name the package draws for a viseme (its own, or the documented fallback). */
export function mouthShapeFor(pkg: AvatarPackage, v: Viseme): Viseme {
  if (pkg.mouth.shapes[v]) return v;
  return VISEME_FALLBACK[v] ?? 'sil';
}

/** Loads a package from a directory path or from the bytes of a zip. */
export async function loadAvatarPackage(source: string | Uint8Array): Promise<AvatarPackage> {
  const files = typeof source === 'string' ? await readDir(source) : readZip(source);
  return parseAvatarPackage(files);
}

/** Validates a package given as relative path → bytes (what loadAvatarPackage reads). */
export function parseAvatarPackage(files: Map<string, Buffer>): AvatarPackage {
  const manifestBytes = files.get('manifest.json');
  if (!manifestBytes) throw new AvatarPackageError('manifest.json is missing at the package root');
  let m: unknown;
  try {
    m = JSON.parse(manifestBytes.toString('utf8'));
  } catch (e) {
    throw new AvatarPackageError(`manifest.json is not valid JSON: ${(e as Error).message}`);
  }
  const root = obj(m, 'manifest');
  if (root.format !== AVATAR_FORMAT)
    throw new AvatarPackageError(
      `manifest.format must be "${AVATAR_FORMAT}", got ${JSON.stringify(root.format)}`,
    );
  if (root.version !== 1)
    throw new AvatarPackageError(
      `manifest.version ${JSON.stringify(root.version)} is not supported (expected 1)`,
    );
  if (typeof root.name !== 'string' || !root.name.trim())
    throw new AvatarPackageError('manifest.name must be a non-empty string');
  const canvasObj = obj(root.canvas, 'canvas');
  const canvas = {
    width: side(canvasObj.width, 'canvas.width'),
    height: side(canvasObj.height, 'canvas.height'),
  };

  const named = new Set<string>(['manifest.json']);
  const sprite = (p: unknown, field: string): AvatarSprite => {
    const file = relPath(p, field);
    const png = files.get(file);
    if (!png) throw new AvatarPackageError(`${field}: file "${file}" is not in the package`);
    const h = readPngHeader(png);
    if (!h) throw new AvatarPackageError(`${field}: "${file}" is not a PNG`);
    const why = unsupportedPng(h);
    if (why) throw new AvatarPackageError(`${field}: "${file}" is an unsupported PNG: ${why}`);
    if (h.width < 1 || h.height < 1 || h.width > AVATAR_MAX_SIDE || h.height > AVATAR_MAX_SIDE)
      throw new AvatarPackageError(
        `${field}: "${file}" is ${h.width}×${h.height}; at most ${AVATAR_MAX_SIDE}×${AVATAR_MAX_SIDE}`,
      );
    named.add(file);
    return { file, png, width: h.width, height: h.height };
  };

  const base = sprite(root.base, 'base');
  if (base.width !== canvas.width || base.height !== canvas.height)
    throw new AvatarPackageError(
      `base: "${base.file}" is ${base.width}×${base.height} but canvas is ${canvas.width}×${canvas.height}`,
    );

  const mouthObj = obj(root.mouth, 'mouth');
  const mouthAnchor = point(mouthObj.anchor, 'mouth.anchor');
  const shapesObj = obj(mouthObj.shapes, 'mouth.shapes');
  const shapes: Partial<Record<Viseme, AvatarSprite>> = {};
  for (const [name, p] of Object.entries(shapesObj)) {
    if (!(VISEMES as readonly string[]).includes(name))
      throw new AvatarPackageError(
        `mouth.shapes.${name}: unknown viseme (expected one of ${VISEMES.join(', ')})`,
      );
    shapes[name as Viseme] = sprite(p, `mouth.shapes.${name}`);
  }
  const missing = REQUIRED_VISEMES.filter((v) => !shapes[v]);
  if (missing.length)
    throw new AvatarPackageError(`mouth.shapes lacks required visemes: ${missing.join(', ')}`);
  sameSize(Object.values(shapes), 'mouth.shapes');
  inside(shapes.sil as AvatarSprite, mouthAnchor, canvas, 'mouth');

  const eyesObj = obj(root.eyes, 'eyes');
  const eyeAnchor = point(eyesObj.anchor, 'eyes.anchor');
  const eyes = {
    anchor: eyeAnchor,
    open: sprite(eyesObj.open, 'eyes.open'),
    half: sprite(eyesObj.half, 'eyes.half'),
    closed: sprite(eyesObj.closed, 'eyes.closed'),
  };
  sameSize([eyes.open, eyes.half, eyes.closed], 'eyes');
  inside(eyes.open, eyeAnchor, canvas, 'eyes');

  let idle = { swayPx: 0, breathPeriodSec: 0 };
  if (root.idle !== undefined) {
    const i = obj(root.idle, 'idle');
    const swayPx = num(i.swayPx ?? 0, 'idle.swayPx', 0, 200);
    const breathPeriodSec = num(i.breathPeriodSec ?? 0, 'idle.breathPeriodSec', 0, 60);
    if (swayPx > 0 && breathPeriodSec <= 0)
      throw new AvatarPackageError('idle.breathPeriodSec must be > 0 when idle.swayPx is set');
    idle = { swayPx, breathPeriodSec };
  }
  const preview =
    root.preview !== undefined
      ? sprite(root.preview, 'preview')
      : files.has('preview.png')
        ? sprite('preview.png', 'preview.png')
        : undefined;

  const extra = [...files.keys()].filter((f) => !named.has(f));
  if (extra.length)
    throw new AvatarPackageError(
      `the package holds files the manifest does not name: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`,
    );
  return {
    name: root.name.trim(),
    canvas,
    base,
    mouth: { anchor: mouthAnchor, shapes },
    eyes,
    idle,
    ...(preview ? { preview } : {}),
  };
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new AvatarPackageError(`${field} must be an object`);
  return v as Record<string, unknown>;
}

function num(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new AvatarPackageError(`${field} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

function side(v: unknown, field: string): number {
  const n = num(v, field, 1, AVATAR_MAX_SIDE);
  if (!Number.isInteger(n)) throw new AvatarPackageError(`${field} must be an integer`);
  return n;
}

function point(v: unknown, field: string): Point {
  const p = obj(v, field);
  const x = num(p.x, `${field}.x`, 0, AVATAR_MAX_SIDE);
  const y = num(p.y, `${field}.y`, 0, AVATAR_MAX_SIDE);
  if (!Number.isInteger(x) || !Number.isInteger(y))
    throw new AvatarPackageError(`${field} must be integer pixels`);
  return { x, y };
}

function relPath(v: unknown, field: string): string {
  if (typeof v !== 'string' || !v) throw new AvatarPackageError(`${field} must be a file path`);
  const parts = v.split('/');
  if (v.startsWith('/') || v.includes('\\') || parts.some((s) => s === '' || s === '.' || s === '..'))
    throw new AvatarPackageError(
      `${field}: "${v}" must be a relative path inside the package, separated by /`,
    );
  return v;
}

function sameSize(sprites: AvatarSprite[], field: string): void {
  const [first] = sprites;
  for (const s of sprites)
    if (s.width !== first.width || s.height !== first.height)
      throw new AvatarPackageError(
        `${field}: all sprites must be the same size; "${s.file}" is ${s.width}×${s.height}, "${first.file}" ${first.width}×${first.height}`,
      );
}

function inside(s: AvatarSprite, at: Point, canvas: { width: number; height: number }, field: string): void {
  if (at.x + s.width > canvas.width || at.y + s.height > canvas.height)
    throw new AvatarPackageError(
      `${field}: a ${s.width}×${s.height} sprite at (${at.x}, ${at.y}) overflows the ${canvas.width}×${canvas.height} canvas`,
    );
}

const MAX_PACKAGE_BYTES = 256 * 1024 * 1024;

async function readDir(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile())
        out.set(path.relative(root, full).split(path.sep).join('/'), await fs.readFile(full));
    }
  };
  try {
    await walk(root);
  } catch (e) {
    throw new AvatarPackageError(
      `cannot read the package directory: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
  }
  return out;
}

function readZip(bytes: Uint8Array): Map<string, Buffer> {
  let entries: Record<string, Uint8Array>;
  let total = 0;
  try {
    entries = unzipSync(bytes, {
      // Bounds the inflated size before anything is inflated (a zip bomb stops here).
      filter: (f) => {
        total += f.originalSize;
        if (total > MAX_PACKAGE_BYTES)
          throw new AvatarPackageError('the package inflates to more than 256 MiB');
        return !f.name.endsWith('/');
      },
    });
  } catch (e) {
    if (isAvatarPackageError(e)) throw e;
    throw new AvatarPackageError(`the package is not a valid zip: ${(e as Error).message}`);
  }
  const out = new Map<string, Buffer>();
  for (const [name, data] of Object.entries(entries)) out.set(name, Buffer.from(data));
  return out;
}
