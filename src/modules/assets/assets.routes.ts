// The ten "Digital Asset Management" operations: thin translations from the contract's
// input to the service and back. The tenant is the authenticated caller's project.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { ModuleDeps } from '../types.ts';
import { runBatch } from './assets.batch.ts';
import { AssetErrors } from './assets.errors.ts';
import { AssetReplication } from './assets.replication.ts';
import type { AssetsService } from './assets.service.ts';

export function createAssetHandlers(deps: ModuleDeps, svc: AssetsService): HandlerMap {
  const replication = new AssetReplication(deps, svc);
  return {
    CreateDigitalAsset: ({ caller, body, appUserId }) => svc.create(caller.projectId, body, appUserId),

    ListAssets: ({ caller, query }) => svc.list(caller.projectId, query),

    ShowAsset: ({ caller, params }) => svc.show(caller.projectId, params.asset_id),

    UpdateDigitalAsset: ({ caller, params, body }) => svc.update(caller.projectId, params.asset_id, body),

    DeleteAsset: async ({ caller, params, query }) => {
      if (query.mode !== undefined && query.mode !== 'force') throw AssetErrors.invalid('mode must be force');
      if (query.mode === 'force') await svc.forceDelete(caller.projectId, params.asset_id);
      else await svc.softDelete(caller.projectId, params.asset_id);
      return undefined;
    },

    RestoreAsset: async ({ caller, params }) => {
      await svc.restore(caller.projectId, params.asset_id);
      return undefined;
    },

    BatchExecuteAssetAction: ({ caller, body }) => runBatch(svc, deps.logger, caller.projectId, body),

    ListAssetSummary: ({ caller, body }) => svc.summaries(caller.projectId, body.asset_ids),

    ShowAssetReplicationInfo: ({ caller, params }) => replication.info(caller.projectId, params.asset_id),

    CreateAssetByReplicationInfo: async ({ caller, body, appUserId }) => {
      await replication.copy(caller.projectId, body, appUserId);
      return undefined;
    },
  };
}
