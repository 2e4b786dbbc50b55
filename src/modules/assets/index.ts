// Digital assets and files: the data backbone every other API group stores its inputs
// and outputs in. Routes → services → repos / object store / job queue.
import type { Module, ModuleDeps } from '../types.ts';
import { assetTasks, PURGE_EVERY_MS } from './assets.jobs.ts';
import { createAssetHandlers } from './assets.routes.ts';
import { AssetsService, AssetTasks } from './assets.service.ts';
import { filesTasks } from './files.jobs.ts';
import { createFilesHandlers } from './files.routes.ts';

export { AssetsRepo } from './assets.repo.ts';
export { newAssetRow } from './assets.service.ts';
export { type AssetsMedia, type InspectedMedia, MediaUnreadable } from './media.ts';

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
