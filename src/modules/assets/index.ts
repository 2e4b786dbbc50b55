// Digital assets and files: the data backbone every other API group stores its inputs
// and outputs in. Routes → services → repos / object store / job queue.
import type { Db } from '../../core/db/index.ts';
import type { Module, ModuleDeps } from '../types.ts';
import { assetTasks, PURGE_EVERY_MS } from './assets.jobs.ts';
import { AssetsRepo } from './assets.repo.ts';
import { createAssetHandlers } from './assets.routes.ts';
import { isGone } from './assets.rules.ts';
import { AssetsService, AssetTasks } from './assets.service.ts';
import { filesTasks } from './files.jobs.ts';
import { createFilesHandlers } from './files.routes.ts';

// The asset-name rule, for operations that name an asset they will create (video outputs).
export { checkName as checkAssetName } from './assets.rules.ts';
export { assetDownloadGate } from './download-gate.ts';
export { type AssetsMedia, type InspectedMedia, MediaUnreadable } from './media.ts';

/** What another module may know about an asset it references. */
export interface AssetRefInfo {
  asset_id: string;
  asset_type: string;
  asset_name: string;
  asset_state: string;
  asset_extra_meta: Record<string, unknown>;
}

/**
 * The live (not recycled or deleted) assets among `assetIds` that `projectId` can see — its
 * own, system ones, and those shared with it — by id. `db` may be a transaction.
 */
export async function visibleLiveAssets(
  db: Db,
  projectId: string,
  assetIds: readonly string[],
  now: Date,
): Promise<Map<string, AssetRefInfo>> {
  const rows = await new AssetsRepo(db).visible(projectId, [...new Set(assetIds)], now);
  return new Map(
    rows
      .filter((r) => !isGone(r.asset_state))
      .map((r) => [
        r.asset_id,
        {
          asset_id: r.asset_id,
          asset_type: r.asset_type,
          asset_name: r.asset_name,
          asset_state: r.asset_state,
          asset_extra_meta: (r.asset_extra_meta ?? {}) as Record<string, unknown>,
        },
      ]),
  );
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

// What other modules that make assets of their own (video outputs, trained avatars) use.
export { AssetsRepo } from './assets.repo.ts';
export { parseWireTime } from './assets.rules.ts';
export { AssetsService, newAssetRow } from './assets.service.ts';
export { FilesRepo } from './files.repo.ts';
export { objectKeyFor } from './files.rules.ts';
export { AssetUnusable, fetchMainFile } from './main-file.ts';
