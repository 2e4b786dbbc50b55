// The avatar's pictures for a stream, made once at start: the still body (a PAM file the
// encoder reads once) and every face the stream can show (each mouth sprite × open / half /
// closed eyes) as raw RGBA in memory, so a frame costs one buffer write. Uses the render
// engine's precompose, so a live avatar looks exactly like a rendered one.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AvatarPackage, EyeState } from '../render/avatar-package.ts';
import type { AvatarLayer } from '../render/compose-args.ts';
import { type FrameKey, frameKey } from '../render/frame-plan.ts';
import { precomposeFrames, scaledSize } from '../render/precompose.ts';
import { defaultPlacement } from '../render/render.ts';
import type { Viseme } from '../speech/visemes.ts';

export interface StreamFaces {
  /** The encoder's avatar layer (body file, position, face offset, idle motion). */
  layer: AvatarLayer;
  face: { width: number; height: number };
  /** RGBA of the face box for a mouth sprite and eye state. */
  get(mouth: Viseme, eyes: EyeState): Buffer;
}

/** Every key the avatar can show: its mouth sprites × the three eye states. */
export function allKeys(avatar: AvatarPackage): FrameKey[] {
  const keys: FrameKey[] = [];
  for (const mouth of Object.keys(avatar.mouth.shapes) as Viseme[])
    for (const eyes of ['open', 'half', 'closed'] as const)
      keys.push({ key: frameKey(mouth, eyes), mouth, eyes });
  return keys;
}

/** The RGBA bytes after a PAM header. */
export function pamPixels(pam: Buffer): Buffer {
  const end = pam.indexOf('ENDHDR\n', 0, 'latin1');
  if (end < 0) throw new Error('not a PAM picture');
  return pam.subarray(end + 'ENDHDR\n'.length);
}

export async function prepareFaces(
  avatar: AvatarPackage,
  out: { width: number; height: number },
  dir: string,
  signal?: AbortSignal,
): Promise<StreamFaces> {
  const place = defaultPlacement(avatar.canvas, out);
  const keys = allKeys(avatar);
  const pics = await precomposeFrames(avatar, keys, dir, {
    scale: place.scale,
    ...(signal ? { signal } : {}),
  });
  const faces = new Map<string, Buffer>();
  for (const k of keys)
    faces.set(k.key, pamPixels(await fs.readFile(path.join(dir, pics.faces.get(k.key) as string))));
  const { box, faceBox } = pics;
  const idle = avatar.idle;
  const layer: AvatarLayer = {
    base: path.join(dir, pics.base),
    faces: '',
    x: Math.round(place.x) + box.x,
    y: Math.round(place.y) + box.y,
    faceAt: { x: faceBox.x - box.x, y: faceBox.y - box.y },
    ...(idle && idle.swayPx > 0 && idle.breathPeriodSec > 0
      ? {
          idle: {
            swayPx: idle.swayPx * place.scale,
            bobPx: scaledSize(avatar.canvas, place.scale).height / 200,
            periodSec: idle.breathPeriodSec,
          },
        }
      : {}),
  };
  const fallback = faces.get(frameKey('sil', 'open')) ?? (faces.values().next().value as Buffer);
  return {
    layer,
    face: { width: faceBox.width, height: faceBox.height },
    get: (mouth, eyes) => faces.get(frameKey(mouth, eyes)) ?? fallback,
  };
}
