// Digital assets and files: the data backbone every other API group stores its inputs
// and outputs in. Routes → services → repos / object store / job queue.
import type { Module, ModuleDeps } from '../index.ts';
import { assetTasks, PURGE_EVERY_MS } from './assets.jobs.ts';
import { createAssetHandlers } from './assets.routes.ts';
import { AssetsService, AssetTasks } from './assets.service.ts';
import { filesTasks } from './files.jobs.ts';
import { createFilesHandlers } from './files.routes.ts';

/**
 * What the asset module needs from media tooling (core/media, adapted in the composition
 * root). Narrow on purpose: tests and other backends can supply their own.
 */
export interface AssetsMedia {
  /**
   * Reads a local file's media facts. Throws `MediaUnreadable` (with a short reason fit for
   * the API's `reason` field) when the file is not decodable media.
   */
  inspect(file: string, opts: { signal?: AbortSignal }): Promise<InspectedMedia>;
  /** Writes a JPEG cover (≤ 720 px on the long side) made from a video or image file. */
  makeCover(input: string, output: string, opts: { signal?: AbortSignal }): Promise<void>;
}

export interface InspectedMedia {
  /** What the bytes are, sniffed and probed: 'video' | 'audio' | 'image' | 'other'. */
  kind: 'video' | 'audio' | 'image' | 'other';
  /** Container/format as sniffed from magic bytes, lowercase (png, jpeg, mp4, wav, …). */
  format: string | undefined;
  durationSec?: number;
  width?: number;
  height?: number;
  /** The contract's `asset_extra_meta` parts the probe could fill (video_meta, image_meta, audio_meta). */
  extraMeta: Record<string, unknown>;
}

export class MediaUnreadable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MediaUnreadable';
  }
}

export function createAssetsModule(
  deps: ModuleDeps,
): Module & { schedules: Array<{ task: string; everyMs: number }> } {
  const assets = new AssetsService(deps);
  return {
    // "Digital Asset Management" (assets.*) and "File Management" (files.*).
    handlers: { ...createAssetHandlers(deps, assets), ...createFilesHandlers(deps) },
    tasks: [...assetTasks(deps, assets), ...filesTasks(deps)],
    schedules: [{ task: AssetTasks.purge, everyMs: PURGE_EVERY_MS }],
  };
}
