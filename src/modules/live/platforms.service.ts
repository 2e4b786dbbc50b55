// Third-party live platforms (MSS_STANDARD): where a room's products come from. Authorization
// follows the platform's own answers: a product query it accepts makes the platform
// AUTHORIZED, a 401/403 makes it UNAUTHORIZED again, and so does a new key or product URL.
import type {
  CreateLivePlatformReq,
  LivePlatformInfo,
  OperationTypes,
  UpdateLivePlatformReq,
} from '../../contract/generated/types.ts';
import { signCallback } from '../../core/net/mss-auth.ts';
import { BlockedAddressError, safeFetch } from '../../core/net/safe-fetch.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import type { ModuleDeps } from '../types.ts';
import { LiveErrors } from './live.errors.ts';
import { checkPlainText } from './live.text.ts';
import { type PlatformRow, PlatformsRepo } from './platforms.repo.ts';
import {
  checkCallbackConfig,
  checkKey,
  PLATFORM_MAX_BODY,
  PLATFORM_TIMEOUT_MS,
  parsePlatformProducts,
} from './platforms.rules.ts';
import { RoomsRepo } from './rooms.repo.ts';

type Types = OperationTypes;

/** Keys are write-only: shows and lists carry this in their place. */
export const MASKED_KEY = '********';

export class PlatformsService {
  constructor(private readonly deps: ModuleDeps) {}

  async create(projectId: string, req: CreateLivePlatformReq | undefined) {
    if (!req) throw LiveErrors.invalid('a request body is required');
    checkPlainText(req.name, 'name');
    checkKey(req.auth_config.key, 'auth_config.key');
    const callbacks = checkCallbackConfig(req.callback_config);
    const now = this.deps.clock.now();
    const platformId = newId();
    await new PlatformsRepo(this.deps.db).insert({
      project_id: projectId,
      platform_id: platformId,
      name: req.name,
      access_type: 'MSS_STANDARD',
      auth_key: req.auth_config.key,
      callback_config: JSON.stringify(callbacks),
      authorize_state: 'UNAUTHORIZED',
      authorized_time: null,
      account: null,
      create_time: now,
      update_time: now,
    });
    return { platform_id: platformId };
  }

  async update(projectId: string, platformId: string, req: UpdateLivePlatformReq | undefined) {
    if (!req) throw LiveErrors.invalid('a request body is required');
    checkPlainText(req.name, 'name');
    if (req.auth_config?.key !== undefined) checkKey(req.auth_config.key, 'auth_config.key');
    const callbacks = checkCallbackConfig(req.callback_config);
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new PlatformsRepo(trx);
      const row = await repo.get(projectId, platformId, { forUpdate: true });
      if (!row) throw LiveErrors.platformNotFound('platform_id', platformId);
      const key = req.auth_config?.key ?? row.auth_key;
      const productUrl = (c: Array<{ api_type: string; url: string }>) =>
        c.find((x) => x.api_type === 'PRODUCT_QUERY')?.url;
      const reauthorize = key !== row.auth_key || productUrl(callbacks) !== productUrl(row.callback_config);
      await repo.update(projectId, platformId, {
        name: req.name,
        auth_key: key,
        callback_config: JSON.stringify(callbacks),
        ...(reauthorize ? { authorize_state: 'UNAUTHORIZED', authorized_time: null, account: null } : {}),
        update_time: this.deps.clock.now(),
      });
    });
    return { platform_id: platformId };
  }

  async delete(projectId: string, platformId: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new PlatformsRepo(trx);
      if (!(await repo.get(projectId, platformId, { forUpdate: true })))
        throw LiveErrors.platformNotFound('platform_id', platformId);
      const rooms = await new RoomsRepo(trx).roomsUsingPlatform(projectId, platformId);
      if (rooms.length > 0)
        throw LiveErrors.inUse(
          `live platform ${platformId} is linked to live room(s) ${rooms.slice(0, 5).join(', ')}`,
        );
      await repo.delete(projectId, platformId);
    });
  }

  async list(projectId: string, q: Types['ListLivePlatforms']['query']) {
    const accessTypes = q.access_type ? q.access_type.split(',').map((s) => s.trim()) : [];
    const rows = await new PlatformsRepo(this.deps.db).page(projectId, {
      offset: q.offset,
      limit: q.limit,
      accessTypes,
    });
    return { live_platforms: rows.map(infoOf) };
  }

  async show(projectId: string, platformId: string) {
    const row = await new PlatformsRepo(this.deps.db).get(projectId, platformId);
    if (!row) throw LiveErrors.platformNotFound('platform_id', platformId);
    return infoOf(row);
  }

  /** Asks the platform's PRODUCT_QUERY endpoint (docs/live-platforms.md), through the SSRF guard. */
  async products(projectId: string, q: Types['ListLivePlatformProducts']['query']) {
    const repo = new PlatformsRepo(this.deps.db);
    const row = await repo.get(projectId, q.platform_id);
    if (!row) throw LiveErrors.platformNotFound('platform_id', q.platform_id);
    const endpoint = row.callback_config.find((c) => c.api_type === 'PRODUCT_QUERY')?.url;
    const fail = (why: string) => LiveErrors.platformQueryFailed(row.platform_id, why);
    if (!endpoint) throw fail('the platform has no PRODUCT_QUERY url in callback_config');
    const url = new URL(endpoint);
    url.searchParams.set('live_id', q.live_id);
    url.searchParams.set('offset', String(q.offset));
    url.searchParams.set('limit', String(q.limit));
    const signed = signCallback(
      url.toString(),
      { type: 'MSS_A_HEAD', key: row.auth_key },
      this.deps.clock.now().getTime(),
    );
    let res: Awaited<ReturnType<typeof safeFetch>>;
    try {
      res = await safeFetch(signed.url, {
        method: 'GET',
        headers: { accept: 'application/json', ...signed.headers },
        allowPrivate: this.deps.allowPrivateFetch,
        timeoutMs: PLATFORM_TIMEOUT_MS,
        maxRedirects: 0,
        maxBodyBytes: PLATFORM_MAX_BODY,
      });
    } catch (e) {
      throw fail(e instanceof BlockedAddressError ? e.message : `no answer (${(e as Error).message})`);
    }
    if (res.status === 401 || res.status === 403) {
      await repo.update(projectId, row.platform_id, {
        authorize_state: 'UNAUTHORIZED',
        authorized_time: null,
      });
      throw fail(`the platform refused the authorization (HTTP ${res.status})`);
    }
    if (res.status !== 200) throw fail(`the platform answered HTTP ${res.status}`);
    const parsed = parsePlatformProducts(res.body, q.limit);
    if (typeof parsed === 'string') throw fail(parsed);
    if (row.authorize_state !== 'AUTHORIZED' || (parsed.account && parsed.account !== row.account))
      await repo.update(projectId, row.platform_id, {
        authorize_state: 'AUTHORIZED',
        authorized_time: row.authorize_state === 'AUTHORIZED' ? row.authorized_time : this.deps.clock.now(),
        ...(parsed.account ? { account: parsed.account } : {}),
      });
    return { count: parsed.count, products: parsed.products };
  }
}

function infoOf(row: PlatformRow): LivePlatformInfo {
  return {
    platform_id: row.platform_id,
    access_type: row.access_type as LivePlatformInfo['access_type'],
    name: row.name,
    authorization_info: {
      authorize_state: row.authorize_state,
      ...(row.authorized_time ? { authorized_time: wireTime(row.authorized_time) } : {}),
      ...(row.account ? { account: row.account } : {}),
    },
    auth_config: { key: MASKED_KEY },
    callback_config: row.callback_config as LivePlatformInfo['callback_config'],
  };
}
