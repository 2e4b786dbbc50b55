// Copying an asset into another project (ShowAssetReplicationInfo → CreateAssetByReplicationInfo).
//
// The replication info is a bearer token the owner hands to another project: `asset_info`
// is `base64url(JSON payload) "." base64url(HMAC-SHA256)` under the server's replication
// key, the payload naming the source project, the asset and an expiry (24 h). It is
// signed, not encrypted: the payload holds only ids. `encryption_info` describes the MAC
// (ERRATA). The copy creates the new asset at once (CREATING) and enqueues, in the same
// transaction, a job that copies the files' bytes (assets.jobs.ts).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OperationTypes, ReplicationEncInfo, SystemProperty } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import type { ModuleDeps } from '../types.ts';
import { AssetErrors } from './assets.errors.ts';
import { type AssetRow, AssetsRepo } from './assets.repo.ts';
import { type AssetsService, AssetTasks, newAssetRow } from './assets.service.ts';

export const REPLICATION_TTL_MS = 24 * 3600 * 1000;
export const REPLICATION_ALGORITHM = 'HMAC-SHA256';
const MAC_CONTEXT = 'doppel-asset-replication-v1.';

export interface ReplicationPayload {
  v: 1;
  /** Source project and asset. */
  p: string;
  a: string;
  /** Expiry, epoch ms. */
  exp: number;
  /** Random, so two infos for the same asset differ. */
  n: string;
}

export interface ReplicateJob {
  projectId: string;
  assetId: string;
  sourceProjectId: string;
  sourceAssetId: string;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const mac = (key: Buffer, body: string) =>
  createHmac('sha256', key)
    .update(MAC_CONTEXT + body)
    .digest();

/** Names the key without revealing it, so a rotated key is told apart from a tampered token. */
export const keyId = (key: Buffer): string =>
  `replication-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;

export function signReplicationInfo(
  key: Buffer,
  src: { projectId: string; assetId: string },
  now: Date,
): { asset_info: string; encryption_info: ReplicationEncInfo; expire_time: number } {
  const payload: ReplicationPayload = {
    v: 1,
    p: src.projectId,
    a: src.assetId,
    exp: now.getTime() + REPLICATION_TTL_MS,
    n: randomBytes(16).toString('hex'),
  };
  const body = b64url(JSON.stringify(payload));
  return {
    asset_info: `${body}.${b64url(mac(key, body))}`,
    encryption_info: { algorithm: REPLICATION_ALGORITHM, key_id: keyId(key), iv: payload.n },
    expire_time: payload.exp,
  };
}

/** The payload of a genuine, unexpired replication info, or a 400 saying what is wrong. */
export function verifyReplicationInfo(key: Buffer, assetInfo: string, now: Date): ReplicationPayload {
  const bad = (why: string) => AssetErrors.invalid(`asset_info is not valid replication info: ${why}`);
  const parts = assetInfo.split('.');
  if (parts.length !== 2) throw bad('malformed');
  const [body, sig] = parts as [string, string];
  const given = Buffer.from(sig, 'base64url');
  const want = mac(key, body);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw bad('the signature does not match (altered, or issued by another server)');
  }
  let p: ReplicationPayload;
  try {
    p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ReplicationPayload;
  } catch {
    throw bad('malformed');
  }
  if (p?.v !== 1 || typeof p.p !== 'string' || typeof p.a !== 'string' || typeof p.exp !== 'number') {
    throw bad('unknown version');
  }
  if (now.getTime() >= p.exp) {
    throw AssetErrors.invalid(`replication info expired at ${wireTime(p.exp)}; ask the owner for a new one`);
  }
  return p;
}

/** Source states a copy can be made from (and the state the copy ends in). */
export const REPLICABLE_STATES = ['ACTIVED', 'UNACTIVED'] as const;

export function checkReplicable(row: Pick<AssetRow, 'asset_id' | 'asset_state'>): void {
  if (!(REPLICABLE_STATES as readonly string[]).includes(row.asset_state)) {
    throw AssetErrors.badState(
      row.asset_id,
      row.asset_state,
      'replicate it (only ACTIVED or UNACTIVED assets)',
    );
  }
}

/** The copy's file id, derived so a re-run of the copy job finds the same rows and keys. */
export function copiedFileId(newAssetId: string, sourceFileId: string): string {
  const h = createHash('sha256').update(`copy:${newAssetId}:${sourceFileId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class AssetReplication {
  constructor(
    private readonly deps: ModuleDeps,
    private readonly svc: AssetsService,
  ) {}

  /** ShowAssetReplicationInfo: the owner only, of a usable asset. */
  async info(
    projectId: string,
    assetId: string,
  ): Promise<OperationTypes['ShowAssetReplicationInfo']['response']> {
    const row = await this.svc.lockOwned(new AssetsRepo(this.deps.db), projectId, assetId, false);
    checkReplicable(row);
    return {
      asset_id: assetId,
      ...signReplicationInfo(this.deps.keys.replication, { projectId, assetId }, this.deps.clock.now()),
    };
  }

  /** CreateAssetByReplicationInfo: a new asset in the caller's project; the bytes follow by job. */
  async copy(
    projectId: string,
    body: OperationTypes['CreateAssetByReplicationInfo']['body'],
    appUserId: string | undefined,
  ): Promise<string> {
    if (!body?.asset_info) throw AssetErrors.invalid('asset_info is required');
    const now = this.deps.clock.now();
    const src = verifyReplicationInfo(this.deps.keys.replication, body.asset_info, now);
    if (body.asset_id !== undefined && body.asset_id !== src.a) {
      throw AssetErrors.invalid('asset_id does not match the asset named in asset_info');
    }
    const assetId = newId();
    let name: string | undefined;
    await this.svc.tx(
      async (repo, trx) => {
        // Read through the token's project: the token is the grant.
        const source = await repo.get(src.p, src.a);
        if (!source || source.asset_state === 'DELETED' || source.asset_state === 'DELETING') {
          throw AssetErrors.assetNotFound(src.a);
        }
        checkReplicable(source);
        name = source.asset_name;
        const row = newAssetRow(
          projectId,
          {
            asset_name: source.asset_name,
            asset_description: source.asset_description,
            asset_type: source.asset_type as never,
            tags: source.tags,
            system_properties: source.system_properties as SystemProperty[],
            asset_extra_meta: source.asset_extra_meta,
            supported_service: source.supported_service as never,
            asset_order: source.asset_order ?? undefined,
            review_config: source.review_config ?? undefined,
          },
          { appUserId, now, assetId },
        );
        await repo.insert(row);
        const job: ReplicateJob = { projectId, assetId, sourceProjectId: src.p, sourceAssetId: src.a };
        await this.deps.queue.enqueue(AssetTasks.replicate, job, {
          trx,
          projectId,
          jobKey: `${AssetTasks.replicate}:${projectId}:${assetId}`,
        });
      },
      () => name,
    );
    return assetId;
  }
}
