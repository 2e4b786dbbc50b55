// Job-end callbacks (TTS, video, subtitle files): one signed JSON POST through the SSRF guard,
// no redirects, a short timeout. Throws when the receiver does not answer 2xx, so the calling
// job can retry with backoff; a BlockedAddressError means retrying is pointless.
import type { TaskHelpers } from '../jobs/index.ts';
import { type DeliveryRef, WebhookLog } from '../webhooks/webhook-log.ts';
import { type MssAuthType, signCallback } from './mss-auth.ts';
import { BlockedAddressError, safeFetch } from './safe-fetch.ts';
import { checkUrlShape } from './ssrf.ts';

export const CALLBACK_TIMEOUT_MS = 10_000;

export interface CallbackTarget {
  url: string;
  authType: MssAuthType;
  key?: string;
}

/** The wire `callback_config` of TTS, video and subtitle jobs (Doppel's auth_type / key: ERRATA 31). */
export interface CallbackConfigInput {
  callback_url?: string;
  auth_type?: unknown;
  key?: unknown;
}

/**
 * The one create-time rule for every job's `callback_config`: http(s) only, no credentials
 * in the URL, a known auth_type, a key when signing. Throws an Error naming the field (the
 * caller turns it into its 400); undefined when no callback is asked for.
 */
export function callbackTargetOf(
  cfg: CallbackConfigInput | null | undefined,
  field = 'callback_config',
): CallbackTarget | undefined {
  if (!cfg?.callback_url) return undefined;
  const key = typeof cfg.key === 'string' && cfg.key.length > 0 ? cfg.key : undefined;
  const requested = typeof cfg.auth_type === 'string' ? cfg.auth_type : undefined;
  if (requested !== undefined && !['NONE', 'MSS_A', 'MSS_A_HEAD'].includes(requested)) {
    throw new Error(`${field}.auth_type must be NONE, MSS_A or MSS_A_HEAD`);
  }
  if ((requested === 'MSS_A' || requested === 'MSS_A_HEAD') && !key) {
    throw new Error(`${field}.auth_type ${requested} needs ${field}.key`);
  }
  if (typeof cfg.callback_url !== 'string') throw new Error(`${field}.callback_url must be a string`);
  try {
    checkUrlShape(cfg.callback_url);
  } catch (e) {
    throw new Error(`${field}.callback_url: ${(e as Error).message}`);
  }
  const authType = (requested ?? (key ? 'MSS_A' : 'NONE')) as MssAuthType;
  return { url: cfg.callback_url, authType, ...(key ? { key } : {}) };
}

/** Where an attempt is written in the webhook log, and whether another attempt may follow. */
export interface CallbackRecording {
  log: WebhookLog;
  ref: DeliveryRef;
  /** No retry follows a failure of this attempt: the delivery ends FAILED. */
  lastAttempt: boolean;
}

export async function postCallback(
  target: CallbackTarget,
  body: unknown,
  opts: { now: number; allowPrivate: boolean; signal?: AbortSignal; record?: CallbackRecording },
): Promise<void> {
  const rec = opts.record;
  const deliveryId = rec
    ? await rec.log.open(
        rec.ref,
        { url: target.url, auth_type: target.authType, ...(target.key ? { key: target.key } : {}) },
        body,
        new Date(opts.now),
      )
    : undefined;
  const startedAt = new Date();
  const t0 = performance.now();
  let status: number | undefined;
  let failure: Error | undefined;
  try {
    const signed = signCallback(target.url, { type: target.authType, key: target.key }, opts.now);
    const res = await safeFetch(signed.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed.headers },
      body: JSON.stringify(body),
      allowPrivate: opts.allowPrivate,
      timeoutMs: CALLBACK_TIMEOUT_MS,
      maxRedirects: 0,
      maxBodyBytes: 4096,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    status = res.status;
    if (status < 200 || status >= 300) failure = new Error(`callback answered HTTP ${status}`);
  } catch (e) {
    failure = e as Error;
  }
  if (rec && deliveryId) {
    const final = rec.lastAttempt || failure instanceof BlockedAddressError;
    await rec.log.record(rec.ref.projectId, deliveryId, {
      startedAt,
      latencyMs: performance.now() - t0,
      ...(status !== undefined ? { status } : {}),
      ...(failure ? { error: failure.message } : {}),
      state: failure ? (final ? 'FAILED' : 'PENDING') : 'DELIVERED',
    });
  }
  if (failure) throw failure;
}

/**
 * One attempt of a callback job: POST, then record DELIVERED; on failure record FAILED once
 * the job is out of attempts (or the address is refused by the SSRF guard, which retrying
 * cannot change), else throw so the queue retries with its backoff.
 */
export async function callbackAttempt(
  target: CallbackTarget,
  body: unknown,
  ctx: {
    now: number;
    allowPrivate: boolean;
    helpers: TaskHelpers;
    /** Names the job in the log line, e.g. "TTS" or "video". */
    what: string;
    /** The webhook log's names for this callback (the project and job it is about). */
    ref: DeliveryRef;
    settle: (state: 'DELIVERED' | 'FAILED') => Promise<void>;
  },
): Promise<void> {
  const h = ctx.helpers;
  try {
    await postCallback(target, body, {
      now: ctx.now,
      allowPrivate: ctx.allowPrivate,
      signal: h.signal,
      record: { log: new WebhookLog(h.db), ref: ctx.ref, lastAttempt: h.job.attempts >= h.job.max_attempts },
    });
    await ctx.settle('DELIVERED');
  } catch (e) {
    h.logger.warn({ err: e, attempt: h.job.attempts }, `${ctx.what} callback not delivered`);
    if (e instanceof BlockedAddressError || h.job.attempts >= h.job.max_attempts) {
      await ctx.settle('FAILED');
      return;
    }
    throw e;
  }
}
