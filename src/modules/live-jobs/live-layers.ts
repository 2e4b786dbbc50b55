// Image layers of a live job: the picture of a paragraph's relation_product while it plays, and
// the IMAGE layer_config of a SHOW_LAYER rule's hit for its display_duration (ERRATA 63, 88).
// Pictures are fetched once (an asset's MAIN file, or an http(s) URL through the SSRF guard) and
// re-encoded to PNG by ffmpeg, which also proves they decode; the stream engine draws them over
// the avatar, restarting its encoder behind the same outputs when the set changes
// (LiveStream.setLayers). Product pictures are loaded at the job's start: one that cannot be
// used fails the job with the unusable-input code.
import fs from 'node:fs';
import path from 'node:path';
import type { SmartLayerConfig } from '../../contract/generated/types.ts';
import { runTool } from '../../core/media/index.ts';
import type { StreamLayer } from '../../engines/stream/index.ts';
import { AssetUnusable, fetchMainFile } from '../assets/index.ts';
import type { LiveRooms, LiveSceneScript } from '../live/index.ts';
import type { ModuleDeps } from '../types.ts';
import { fetchForLive } from './live-fetch.ts';

/** A SHOW_LAYER layer whose display_duration is 0 or absent stays this long. */
export const DEFAULT_LAYER_SECONDS = 10;
/** Pictures are < 50 MB (the IMAGE asset limit). */
const MAX_PICTURE_BYTES = 50 * 1024 * 1024;

/** A picture that cannot be shown (not fetched, not decoded, no picture at all). */
export class LayerUnusable extends Error {}

type LayerDeps = Pick<ModuleDeps, 'mediaTools' | 'allowPrivateFetch' | 'db' | 'objects' | 'tmpDir' | 'clock'>;

/**
 * Where a layer goes: its position/size when given (a missing width or height keeps the box
 * square), else a square a quarter of the picture's width in the top right corner.
 */
export function layerBox(
  l: Pick<SmartLayerConfig, 'position' | 'size'> | undefined,
  video: { width: number; height: number },
): Omit<StreamLayer, 'image'> {
  const side = Math.round(video.width / 4 / 2) * 2;
  const w = even(l?.size?.width ?? l?.size?.height ?? side);
  const h = even(l?.size?.height ?? l?.size?.width ?? side);
  const x = l?.position?.dx ?? video.width - w - Math.round(video.width / 25);
  const y = l?.position?.dy ?? Math.round(video.height / 20);
  return { x, y, width: w, height: h };
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

let seq = 0;

/** An asset's MAIN file or a URL → a PNG in `dir`; LayerUnusable when it cannot be shown. */
export async function preparePicture(
  deps: LayerDeps,
  projectId: string,
  from: { assetId?: string; url?: string },
  dir: string,
  field: string,
  signal?: AbortSignal,
): Promise<string> {
  await fs.promises.mkdir(dir, { recursive: true });
  let src: string;
  if (from.assetId) {
    try {
      src = await fetchMainFile(deps, projectId, from.assetId, dir, field);
    } catch (e) {
      if (e instanceof AssetUnusable) throw new LayerUnusable(e.message);
      throw e;
    }
  } else if (from.url) {
    const got = await fetchForLive(
      deps,
      from.url,
      { timeoutMs: 30_000, maxBodyBytes: MAX_PICTURE_BYTES },
      signal,
    );
    if ('why' in got) throw new LayerUnusable(`${field} ${got.why}`);
    src = path.join(dir, `picture-${++seq}.src`);
    await fs.promises.writeFile(src, got.body);
  } else throw new LayerUnusable(`${field} names no picture`);
  const out = path.join(dir, `layer-${++seq}.png`);
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', src, '-frames:v', '1'];
  const r = await runTool(deps.mediaTools().ffmpeg.path, [...args, '-c:v', 'png', '-f', 'image2', out], {
    timeoutMs: 30_000,
    ...(signal ? { signal } : {}),
  });
  if (r.code !== 0 || !fs.existsSync(out))
    throw new LayerUnusable(`${field} is not a picture ffmpeg can read`);
  return out;
}

/** relation_product of every paragraph: product id → its picture (PNG), loaded at the job's start. */
export async function productPictures(
  deps: LayerDeps & { rooms: LiveRooms },
  projectId: string,
  scenes: readonly LiveSceneScript[],
  dir: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [i, scene] of scenes.entries())
    for (const [j, p] of scene.shoot_scripts.entries()) {
      const id = p.relation_product?.product_id;
      if (!id || out.has(id)) continue;
      const field = `scene_scripts[${i}].shoot_scripts[${j}].relation_product.product_id`;
      const product = await deps.rooms.product(projectId, id);
      if (!product) throw new LayerUnusable(`${field}: product ${id} does not exist`);
      if (!product.image_asset_id)
        throw new LayerUnusable(
          `${field}: product ${id} has no picture (no cover, no IMAGE in its portfolio)`,
        );
      out.set(id, await preparePicture(deps, projectId, { assetId: product.image_asset_id }, dir, field));
    }
  return out;
}

/**
 * The layers on screen: the playing paragraph's product (bottom) and SHOW_LAYER pictures (in
 * the order they came). Every change goes to the stream at once.
 */
export class LayerBoard {
  private product: StreamLayer | undefined;
  private readonly shown = new Map<number, StreamLayer>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private next = 0;

  constructor(private readonly apply: (layers: StreamLayer[]) => void) {}

  setProduct(layer: StreamLayer | undefined): void {
    this.product = layer;
    this.push();
  }

  /** Shows a layer for `seconds`; `onDone` when it is taken down (not when the job ends first). */
  show(layer: StreamLayer, seconds: number, onDone: () => void): void {
    const id = ++this.next;
    this.shown.set(id, layer);
    this.push();
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.shown.delete(id);
      this.push();
      onDone();
    }, seconds * 1000);
    this.timers.add(t);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private push(): void {
    this.apply([...(this.product ? [this.product] : []), ...this.shown.values()]);
  }
}
