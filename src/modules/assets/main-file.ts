// An asset's MAIN file copied to local disk for an engine that reads files (a stream's avatar
// package or background picture): only an ACTIVED asset the project may use, only a stored
// file. What is wrong comes back as AssetUnusable naming the request field, for the caller
// to turn into its own error (a live job's FAILED, a dialog start's 400).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ModuleDeps } from '../types.ts';
import { AssetsRepo } from './assets.repo.ts';

export class AssetUnusable extends Error {}

export async function fetchMainFile(
  deps: Pick<ModuleDeps, 'db' | 'objects' | 'clock'>,
  projectId: string,
  assetId: string,
  dir: string,
  field: string,
): Promise<string> {
  const repo = new AssetsRepo(deps.db);
  const [asset] = await repo.visible(projectId, [assetId], deps.clock.now());
  if (asset?.asset_state !== 'ACTIVED')
    throw new AssetUnusable(`${field}: asset ${assetId} is not an active asset of this project`);
  const main = (await repo.filesOf(asset.project_id, [assetId])).find(
    (f) => f.asset_file_category === 'MAIN' && f.state === 'CREATED',
  );
  const obj = main && (await deps.objects.get(main.object_key));
  if (!main || !obj) throw new AssetUnusable(`${field}: asset ${assetId} has no stored MAIN file`);
  const local = path.join(dir, `asset-${assetId}.${main.file_type.replace(/[^a-z0-9]/gi, '') || 'bin'}`);
  const chunks: Buffer[] = [];
  for await (const c of obj.body) chunks.push(Buffer.from(c));
  await fs.writeFile(local, Buffer.concat(chunks));
  return local;
}
