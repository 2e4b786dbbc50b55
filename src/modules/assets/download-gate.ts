// The download gate for asset files (object keys `assets/<owner>/<asset>/…`): a download URL
// keeps working only while the project it was issued to can still see the asset as a live
// one — its owner until the asset is deleted, a sharee until the share is withdrawn or
// expires, anyone for a live system asset. Keys outside assets/ (TTS outputs, training
// uploads) are the issuing module's own and carry no sharing, so they are not gated.
import type { DownloadGate } from '../../core/object-store/index.ts';
import type { ModuleDeps } from '../types.ts';
import { AssetsRepo } from './assets.repo.ts';
import { isGone } from './assets.rules.ts';

const ASSET_KEY = /^assets\/([^/]+)\/([^/]+)\//;

export function assetDownloadGate(deps: Pick<ModuleDeps, 'db' | 'clock'>): DownloadGate {
  return async (key, audience) => {
    const m = ASSET_KEY.exec(key);
    if (!m) return true;
    const [, owner, assetId] = m as unknown as [string, string, string];
    const rows = await new AssetsRepo(deps.db).visible(audience ?? owner, [assetId], deps.clock.now());
    return rows.some((r) => r.project_id === owner && !isGone(r.asset_state));
  };
}
