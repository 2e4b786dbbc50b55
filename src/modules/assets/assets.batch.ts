// BatchExecuteAssetAction: one action over many assets, each in its own transaction, so
// one asset's failure never undoes or blocks another's success. The answer groups every
// succeeded id in one SUCCESS result and gives each failed id its own FAILED result with
// the error it would have had alone.
import type { AssetActionResult, BatchAssetActionReq } from '../../contract/generated/types.ts';
import { Errors, isAppError } from '../../core/errors/index.ts';
import type { Logger } from '../../core/logger.ts';
import { AssetErrors } from './assets.errors.ts';
import { parseShareParams } from './assets.rules.ts';
import { type AssetsService, MAX_IDS_PER_CALL } from './assets.service.ts';

type Step = (assetId: string) => Promise<void>;

/** The per-asset step of each action; request-level parameters are checked here, once. */
export function stepFor(svc: AssetsService, projectId: string, req: BatchAssetActionReq): Step {
  switch (req.action) {
    case 'DELETE':
      return (id) => svc.softDelete(projectId, id);
    case 'DELETE_FORCE':
      return (id) => svc.forceDelete(projectId, id);
    case 'RESTORE':
      return (id) => svc.restore(projectId, id);
    case 'ACTIVE':
      return (id) => svc.setUserState(projectId, id, 'ACTIVED');
    case 'UNACTIVE':
      return (id) => svc.setUserState(projectId, id, 'UNACTIVED');
    case 'SHARE': {
      const add = parseShareParams('SHARE', req.params, projectId);
      if (add === 'all') throw AssetErrors.invalid('params.allowed_project_ids is required for SHARE');
      return (id) => svc.changeShares(projectId, id, { add });
    }
    case 'UNSHARE': {
      const remove = parseShareParams('UNSHARE', req.params, projectId);
      return (id) => svc.changeShares(projectId, id, { remove });
    }
  }
}

export async function runBatch(
  svc: AssetsService,
  logger: Logger,
  projectId: string,
  req: BatchAssetActionReq,
): Promise<{ results: AssetActionResult[] }> {
  const ids = [...new Set(req.asset_ids)];
  if (ids.length === 0) throw AssetErrors.invalid('asset_ids must not be empty');
  if (ids.length > MAX_IDS_PER_CALL)
    throw AssetErrors.invalid(`asset_ids: at most ${MAX_IDS_PER_CALL} per call`);
  const step = stepFor(svc, projectId, req);

  const succeeded: string[] = [];
  const failed: AssetActionResult[] = [];
  for (const id of ids) {
    try {
      await step(id);
      succeeded.push(id);
    } catch (err) {
      // A failure we did not foresee still fails only its own asset; it is logged as a bug.
      if (!isAppError(err))
        logger.error({ err, projectId, assetId: id, action: req.action }, 'batch step failed');
      const e = isAppError(err) ? err : Errors.internal();
      failed.push({ ret_status: 'FAILED', asset_ids: [id], error_info: e.toBody() });
    }
  }
  const results: AssetActionResult[] = [];
  if (succeeded.length) results.push({ ret_status: 'SUCCESS', asset_ids: succeeded });
  return { results: [...results, ...failed] };
}
