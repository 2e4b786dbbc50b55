// The asset lifecycle's decisions: create, list, show, update, recycle bin (delete,
// restore, force delete), sharing and summaries. No Fastify here: routes translate, this
// decides, the repo and the object store do I/O. State rules live in assets.rules.ts.
import type { OperationTypes } from '../../contract/generated/types.ts';
import type { Db } from '../../core/db/index.ts';
import { newId } from '../../core/util/ids.ts';
import type { ModuleDeps } from '../types.ts';
import { AssetErrors } from './assets.errors.ts';
import { parseListQuery } from './assets.list.ts';
import {
  type AssetFileRow,
  type AssetPatch,
  type AssetRow,
  AssetsRepo,
  isNameViolation,
  type NewAsset,
} from './assets.repo.ts';
import {
  applySystemProperties,
  checkEditable,
  checkName,
  checkUserCreatableType,
  checkUserStateChange,
  mergeExtraMetaParts,
  normaliseTags,
  restoreTarget,
  shareConfigOf,
  softDeleteAction,
} from './assets.rules.ts';
import { meterReleased } from './assets.usage.ts';
import { assetView, type PresignDownload, summaryView } from './assets.view.ts';
import { URL_TTL_SEC } from './files.rules.ts';

type Types = OperationTypes;
type CreateBody = Types['CreateDigitalAsset']['body'];
type UpdateBody = Types['UpdateDigitalAsset']['body'];

/** Job tasks of the asset lifecycle (handlers in assets.jobs.ts). */
export const AssetTasks = {
  /** Deletes the objects of a DELETED asset (after force delete or purge); re-runnable. */
  deleteObjects: 'assets.delete-objects',
  /** Hourly: finalises recycle-bin entries older than 7 days. */
  purge: 'assets.purge-recycle-bin',
  /** Copies a replicated asset's files into the new asset. */
  replicate: 'assets.replicate',
} as const;

/** Everything of an asset lives under this object-key prefix (files.rules objectKeyFor). */
export const assetObjectPrefix = (projectId: string, assetId: string): string =>
  `assets/${projectId}/${assetId}/`;

/** SummaryS and batches take at most this many ids (ERRATA). */
export const MAX_IDS_PER_CALL = 100;

export class AssetsService {
  constructor(private readonly deps: ModuleDeps) {}

  /** Download URLs for `projectId`: they stop working when it loses access (downloadGate). */
  presignFor(projectId: string): PresignDownload {
    return (f) =>
      this.deps.objects.presignGet(f.object_key, {
        expiresInSec: URL_TTL_SEC,
        downloadName: f.file_name,
        audience: projectId,
      });
  }

  private get repo(): AssetsRepo {
    return new AssetsRepo(this.deps.db);
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /**
   * Runs `fn` in one transaction. A clash with another live asset's name (the unique index)
   * becomes MSS.10001005, naming the name `nameOf` reports once `fn` has run.
   */
  async tx<T>(fn: (repo: AssetsRepo, trx: Db) => Promise<T>, nameOf?: () => string | undefined): Promise<T> {
    try {
      return await this.deps.db.transaction().execute((trx) => fn(new AssetsRepo(trx), trx));
    } catch (e) {
      if (isNameViolation(e)) throw AssetErrors.nameExists(nameOf?.() ?? '');
      throw e;
    }
  }

  // ── create / read ─────────────────────────────────────────────────────────

  async create(projectId: string, body: CreateBody, appUserId: string | undefined) {
    checkUserCreatableType(body.asset_type);
    const now = this.now();
    const row = newAssetRow(projectId, body, { appUserId, now });
    const share = body.shared_config ? shareConfigOf(projectId, body.shared_config, now) : undefined;
    await this.tx(
      async (repo) => {
        await repo.insert(row);
        if (share) await repo.addShares(projectId, row.asset_id, share.sharees, share.expiresAt);
      },
      () => row.asset_name,
    );
    return { asset_id: row.asset_id };
  }

  async list(projectId: string, query: Types['ListAssets']['query']) {
    const spec = parseListQuery(query);
    const now = this.now();
    const [rows, count] = await Promise.all([
      this.repo.page(projectId, spec, now),
      this.repo.count(projectId, spec, now),
    ]);
    const files = await this.filesByAsset(rows);
    const assets = await Promise.all(
      rows.map((r) => assetView(r, files.get(r.asset_id) ?? [], this.presignFor(projectId))),
    );
    return { count, assets };
  }

  async show(projectId: string, assetId: string) {
    const [row] = await this.repo.visible(projectId, [assetId], this.now());
    if (!row || row.asset_state === 'DELETED') throw AssetErrors.assetNotFound(assetId);
    const files = await this.repo.filesOf(row.project_id, [assetId]);
    return assetView(row, files, this.presignFor(projectId));
  }

  /** DigitalAssetSummary for each requested id the caller can see (own tombstones included). */
  async summaries(projectId: string, assetIds: readonly string[]) {
    if (assetIds.length > MAX_IDS_PER_CALL) {
      throw AssetErrors.invalid(`asset_ids: at most ${MAX_IDS_PER_CALL} per call`);
    }
    const ids = [...new Set(assetIds)];
    const rows = await this.repo.visible(projectId, ids, this.now());
    const byId = new Map(rows.map((r) => [r.asset_id, r]));
    const files = await this.filesByAsset(rows);
    const ordered = ids.flatMap((id) => byId.get(id) ?? []);
    return {
      asset_list: await Promise.all(
        ordered.map((r) => summaryView(r, files.get(r.asset_id) ?? [], this.presignFor(projectId))),
      ),
    };
  }

  /** Files of rows that may belong to several projects (ALL, SHAREE lists), by asset id. */
  private async filesByAsset(rows: readonly AssetRow[]): Promise<Map<string, AssetFileRow[]>> {
    const byProject = new Map<string, string[]>();
    for (const r of rows) {
      const ids = byProject.get(r.project_id);
      if (ids) ids.push(r.asset_id);
      else byProject.set(r.project_id, [r.asset_id]);
    }
    const out = new Map<string, AssetFileRow[]>();
    for (const [project, ids] of byProject) {
      for (const f of await this.repo.filesOf(project, ids)) {
        const files = out.get(f.asset_id);
        if (files) files.push(f);
        else out.set(f.asset_id, [f]);
      }
    }
    return out;
  }

  // ── update ────────────────────────────────────────────────────────────────

  /**
   * The caller's own asset, locked for the transaction (unless `lock` is false). One it can
   * see but not own (a system or shared asset) is read-only: 403 MSS.00000004; anything
   * else: MSS.10001001.
   */
  async lockOwned(repo: AssetsRepo, projectId: string, assetId: string, lock = true): Promise<AssetRow> {
    const row = await repo.get(projectId, assetId, { forUpdate: lock });
    if (row && row.asset_state !== 'DELETED') return row;
    const [seen] = row ? [] : await repo.visible(projectId, [assetId], this.now());
    if (seen)
      throw AssetErrors.forbidden(`asset ${assetId} belongs to another project and is read-only here`);
    throw AssetErrors.assetNotFound(assetId);
  }

  async update(projectId: string, assetId: string, body: UpdateBody) {
    const now = this.now();
    let name = body.asset_name;
    await this.tx(
      async (repo) => {
        const row = await this.lockOwned(repo, projectId, assetId);
        name ??= row.asset_name;
        checkEditable(assetId, row.asset_state);
        const patch = updatePatch(row, body, now);
        if (body.shared_config) {
          const share = shareConfigOf(projectId, body.shared_config, now);
          await repo.removeShares(projectId, assetId, 'all');
          await repo.addShares(projectId, assetId, share.sharees, share.expiresAt);
        }
        await repo.update(projectId, assetId, patch);
      },
      () => name,
    );
    return this.show(projectId, assetId);
  }

  /** ACTIVE / UNACTIVE (batch): the state part of UpdateDigitalAsset. */
  async setUserState(projectId: string, assetId: string, to: 'ACTIVED' | 'UNACTIVED'): Promise<void> {
    await this.tx(async (repo) => {
      const row = await this.lockOwned(repo, projectId, assetId);
      checkUserStateChange(assetId, row.asset_state, to);
      await repo.update(projectId, assetId, { asset_state: to, update_time: this.now() });
    });
  }

  // ── recycle bin ───────────────────────────────────────────────────────────

  /** DeleteAsset: into the recycle bin (a repeated delete succeeds). */
  async softDelete(projectId: string, assetId: string): Promise<void> {
    const now = this.now();
    await this.tx(async (repo) => {
      const row = await this.lockOwned(repo, projectId, assetId);
      if (softDeleteAction(row.asset_state) === 'noop') return;
      await repo.update(projectId, assetId, {
        asset_state: 'DELETING',
        state_before_delete: row.asset_state,
        deleted_at: now,
        update_time: now,
      });
    });
  }

  /** DeleteAsset `mode=force` and DELETE_FORCE: gone for good, from any state. */
  async forceDelete(projectId: string, assetId: string): Promise<void> {
    await this.tx(async (repo, trx) => {
      await this.lockOwned(repo, projectId, assetId);
      await this.finalizeDeletion(repo, trx, projectId, assetId);
    });
    await this.deleteObjectsNow(projectId, assetId);
  }

  /**
   * Marks the asset and its files DELETED (the row stays as a tombstone, so summaries can
   * say the asset is gone), drops its shares, and enqueues the deletion of its objects in
   * the same transaction: once this commits, the bytes go even if this process dies.
   */
  async finalizeDeletion(repo: AssetsRepo, trx: Db, projectId: string, assetId: string): Promise<void> {
    const now = this.now();
    await repo.update(projectId, assetId, { asset_state: 'DELETED', update_time: now });
    for (const f of await repo.retireFiles(projectId, assetId, now))
      await meterReleased(
        trx,
        { projectId, fileId: f.file_id, size: f.file_size, assetType: f.asset_type },
        now,
      );
    await repo.removeShares(projectId, assetId, 'all');
    await this.deps.queue.enqueue(
      AssetTasks.deleteObjects,
      { projectId, assetId },
      { trx, projectId, jobKey: `${AssetTasks.deleteObjects}:${projectId}:${assetId}` },
    );
  }

  /**
   * Deletes the objects at once, so a force delete is visible immediately; the queued job
   * repeats it (idempotently) and is what guarantees it when this attempt fails.
   */
  async deleteObjectsNow(projectId: string, assetId: string): Promise<void> {
    try {
      await this.deps.objects.deletePrefix(assetObjectPrefix(projectId, assetId));
    } catch (err) {
      this.deps.logger.warn(
        { err, projectId, assetId },
        'deleting asset objects failed; the queued job retries',
      );
    }
  }

  async restore(projectId: string, assetId: string): Promise<void> {
    const now = this.now();
    let name: string | undefined;
    // The name may have been taken by another live asset while this one was in the bin.
    await this.tx(
      async (repo) => {
        const row = await this.lockOwned(repo, projectId, assetId);
        name = row.asset_name;
        const to = restoreTarget(assetId, row.asset_state, row.state_before_delete);
        await repo.update(projectId, assetId, {
          asset_state: to,
          state_before_delete: null,
          deleted_at: null,
          update_time: now,
        });
      },
      () => name,
    );
  }

  // ── sharing ───────────────────────────────────────────────────────────────

  /** SHARE / UNSHARE (batch): adds or removes sharee projects; keeps shared_config in step. */
  async changeShares(
    projectId: string,
    assetId: string,
    change: { add: string[] } | { remove: string[] | 'all' },
  ) {
    await this.tx(async (repo) => {
      const row = await this.lockOwned(repo, projectId, assetId);
      checkEditable(assetId, row.asset_state);
      if ('add' in change) await repo.addShares(projectId, assetId, change.add, null);
      else await repo.removeShares(projectId, assetId, change.remove);
      const sharees = await repo.sharees(projectId, assetId);
      const config = sharees.length
        ? { shared_type: 'SHARED', allowed_project_ids: sharees }
        : { shared_type: 'PRIVATE' };
      await repo.update(projectId, assetId, {
        shared_config: JSON.stringify(config),
        update_time: this.now(),
      });
    });
  }
}

// ── pure helpers ──────────────────────────────────────────────────────────────

const json = (v: unknown): string => JSON.stringify(v);

export function newAssetRow(
  projectId: string,
  body: CreateBody,
  opts: { appUserId: string | undefined; now: Date; assetId?: string; state?: string },
): NewAsset & { asset_id: string; asset_name: string } {
  return {
    project_id: projectId,
    asset_id: opts.assetId ?? newId(),
    asset_name: checkName('asset_name', body.asset_name),
    asset_description: body.asset_description ?? '',
    asset_type: body.asset_type,
    asset_state: opts.state ?? 'CREATING',
    state_before_delete: null,
    deleted_at: null,
    fail_type: null,
    reason: null,
    block_reason_code: null,
    app_user_id: opts.appUserId ?? null,
    produce_id: null,
    tags: normaliseTags(body.tags ?? []),
    system_properties: json(applySystemProperties([], body.system_properties ?? [])),
    asset_extra_meta: json(body.asset_extra_meta ?? {}),
    shared_config: body.shared_config ? json(body.shared_config) : null,
    review_config: body.review_config ? json(body.review_config) : null,
    supported_service: [...new Set(body.supported_service ?? [])],
    auto_operation_config: body.auto_operation_config ? json(body.auto_operation_config) : null,
    asset_order: body.asset_order ?? null,
    is_need_generate_cover: body.is_need_generate_cover ?? false,
    create_time: opts.now,
    update_time: opts.now,
  };
}

/** UpdateDigitalAsset body → the columns it changes (a partial update). */
export function updatePatch(row: AssetRow, body: UpdateBody, now: Date): AssetPatch {
  const patch: AssetPatch = { update_time: now };
  if (body.asset_state !== undefined) {
    checkUserStateChange(row.asset_id, row.asset_state, body.asset_state);
    patch.asset_state = body.asset_state;
  }
  if (body.asset_type !== undefined && body.asset_type !== row.asset_type) {
    checkUserCreatableType(row.asset_type);
    checkUserCreatableType(body.asset_type);
    patch.asset_type = body.asset_type;
  }
  if (body.asset_name !== undefined) patch.asset_name = checkName('asset_name', body.asset_name);
  if (body.asset_description !== undefined) patch.asset_description = body.asset_description;
  if (body.tags !== undefined) patch.tags = normaliseTags(body.tags);
  if (body.system_properties !== undefined) {
    patch.system_properties = json(applySystemProperties(row.system_properties, body.system_properties));
  }
  if (body.asset_extra_meta !== undefined) {
    patch.asset_extra_meta = json(
      mergeExtraMetaParts(row.asset_extra_meta, body.asset_extra_meta as Record<string, unknown>),
    );
  }
  if (body.shared_config !== undefined) patch.shared_config = json(body.shared_config);
  if (body.review_config !== undefined) patch.review_config = json(body.review_config);
  if (body.asset_order !== undefined) patch.asset_order = body.asset_order;
  if (body.supported_service !== undefined) patch.supported_service = [...new Set(body.supported_service)];
  if (body.auto_operation_config !== undefined)
    patch.auto_operation_config = json(body.auto_operation_config);
  return patch;
}
