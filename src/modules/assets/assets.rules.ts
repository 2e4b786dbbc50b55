// The asset state machine (SEMANTICS §3.1) and the field rules of SEMANTICS §5, as pure
// functions: what a user may do to an asset in a given state, and how create/update input
// becomes stored values. No I/O here; the service asks, these answer or throw.
import type { SystemPropertyRow } from '../../core/db/schema.ts';
import { AssetErrors } from './assets.errors.ts';

export const ASSET_STATES = [
  'CREATING',
  'FAILED',
  'UNACTIVED',
  'ACTIVED',
  'DELETING',
  'DELETED',
  'BLOCK',
  'WAITING_DELETE',
] as const;
export type AssetState = (typeof ASSET_STATES)[number];

export const ASSET_TYPES = [
  'HUMAN_MODEL',
  'VOICE_MODEL',
  'SCENE',
  'ANIMATION',
  'VIDEO',
  'IMAGE',
  'PPT',
  'MATERIAL',
  'NORMAL_MODEL',
  'COMMON_FILE',
  'HUMAN_MODEL_2D',
  'BUSINESS_CARD_TEMPLET',
  'MUSIC',
  'AUDIO',
] as const;

/** In the recycle bin or gone: invisible to anyone but the owner (and DELETED to everyone). */
export const GONE_STATES = ['DELETING', 'DELETED'] as const;
/** The states UpdateDigitalAsset may set, and the only ones it may set them from. */
export const USER_SETTABLE_STATES = ['UNACTIVED', 'ACTIVED', 'WAITING_DELETE'] as const;
export const USER_SWITCHABLE_FROM = ['UNACTIVED', 'ACTIVED'] as const;
/** Made only by training jobs, never uploaded by users (SEMANTICS §5). */
export const SYSTEM_MADE_TYPES = ['VOICE_MODEL', 'HUMAN_MODEL_2D'] as const;
/** Days an asset stays restorable in the recycle bin before the purge finalises it. */
export const RECYCLE_BIN_DAYS = 7;

export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 128;
export const MAX_SYSTEM_PROPERTIES = 50;

const includes = (list: readonly string[], s: string) => list.includes(s);
export const isGone = (state: string): boolean => includes(GONE_STATES, state);

// ── transitions ────────────────────────────────────────────────────────────

/** UpdateDigitalAsset / batch ACTIVE, UNACTIVE: only between the user's own states. */
export function checkUserStateChange(assetId: string, from: string, to: string): void {
  if (!includes(USER_SETTABLE_STATES, to)) {
    throw AssetErrors.invalid(`asset_state may only be set to ${USER_SETTABLE_STATES.join(', ')}`);
  }
  if (!includes(USER_SWITCHABLE_FROM, from)) throw AssetErrors.badState(assetId, from, `set it to ${to}`);
}

/** Field updates: not while in the recycle bin (restore first) nor while frozen by moderation. */
export function checkEditable(assetId: string, state: string): void {
  if (state === 'DELETING' || state === 'BLOCK') throw AssetErrors.badState(assetId, state, 'update it');
}

/**
 * DeleteAsset without `mode=force`: 'move' to the recycle bin, or 'noop' when it is already
 * there (a repeated delete succeeds). DELETED assets do not exist for the caller.
 */
export function softDeleteAction(state: string): 'move' | 'noop' {
  return state === 'DELETING' ? 'noop' : 'move';
}

/** RestoreAsset: back to the state the asset had before it was deleted. */
export function restoreTarget(assetId: string, state: string, stateBeforeDelete: string | null): string {
  if (state !== 'DELETING')
    throw AssetErrors.badState(assetId, state, 'restore it (it is not in the recycle bin)');
  // Rows deleted by something that did not record the prior state come back inactive.
  return stateBeforeDelete && !isGone(stateBeforeDelete) ? stateBeforeDelete : 'UNACTIVED';
}

/** The recycle bin keeps an asset for 7 days after `deletedAt`. */
export function purgeCutoff(now: Date): Date {
  return new Date(now.getTime() - RECYCLE_BIN_DAYS * 24 * 3600 * 1000);
}

/** CreateDigitalAsset / UpdateDigitalAsset: types only training jobs make (403 MSS.00000004, ERRATA). */
export function checkUserCreatableType(assetType: string): void {
  if (includes(SYSTEM_MADE_TYPES, assetType)) {
    throw AssetErrors.forbidden(
      `${assetType} assets are made by MetaStudio's training jobs and cannot be created or retyped by users`,
    );
  }
}

// ── fields ─────────────────────────────────────────────────────────────────

// C0 and C1 control characters (tab and newline included): never part of a name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The docs say "Chinese and English characters only"; real names carry digits, spaces,
 * `_`, `-` and punctuation, so only control characters are refused.
 */
export function checkName(field: string, name: string): string {
  if (CONTROL.test(name)) throw AssetErrors.invalid(`${field} must not contain control characters`);
  return name;
}

/** ≤ 50 tags of ≤ 128 characters; duplicates collapse (first occurrence wins the order). */
export function normaliseTags(tags: readonly string[]): string[] {
  if (tags.length > MAX_TAGS) throw AssetErrors.invalid(`tags: at most ${MAX_TAGS} tags are allowed`);
  for (const t of tags) {
    if (t.length > MAX_TAG_LENGTH) {
      throw AssetErrors.invalid(`tags: each tag is at most ${MAX_TAG_LENGTH} characters`);
    }
    if (CONTROL.test(t)) throw AssetErrors.invalid('tags must not contain control characters');
  }
  return [...new Set(tags)];
}

export interface SystemPropertyInput {
  action?: 'ADD' | 'DELETE';
  key?: string;
  value?: string;
}

/**
 * Applies system-property changes in order: ADD (the default) sets a key's value (replacing
 * it in place when present), DELETE removes the key. Create starts from []; the result
 * holds each key once and at most 50 of them.
 */
export function applySystemProperties(
  existing: readonly SystemPropertyRow[],
  changes: readonly SystemPropertyInput[],
): SystemPropertyRow[] {
  if (changes.length > MAX_SYSTEM_PROPERTIES) {
    throw AssetErrors.invalid(`system_properties: at most ${MAX_SYSTEM_PROPERTIES} are allowed`);
  }
  const out = existing.map((p) => ({ key: p.key, value: p.value }));
  changes.forEach((c, i) => {
    if (!c.key) throw AssetErrors.invalid(`system_properties[${i}].key is required`);
    const at = out.findIndex((p) => p.key === c.key);
    if (c.action === 'DELETE') {
      if (at >= 0) out.splice(at, 1);
      return;
    }
    if (c.value === undefined) throw AssetErrors.invalid(`system_properties[${i}].value is required to ADD`);
    if (at >= 0) out[at] = { key: c.key, value: c.value };
    else out.push({ key: c.key, value: c.value });
  });
  if (out.length > MAX_SYSTEM_PROPERTIES) {
    throw AssetErrors.invalid(`system_properties: at most ${MAX_SYSTEM_PROPERTIES} are allowed`);
  }
  return out;
}

/**
 * Shallow merge of `asset_extra_meta`: each top-level part given (video_meta, …) replaces
 * the stored one, the others stay, so a client updating one part cannot wipe what the
 * media probe filled in another.
 */
export function mergeExtraMetaParts(
  existing: Record<string, unknown>,
  given: Record<string, unknown>,
): Record<string, unknown> {
  return { ...existing, ...given };
}

// ── sharing ────────────────────────────────────────────────────────────────

export interface ShareConfig {
  sharees: string[];
  expiresAt: Date | null;
}

const PROJECT_ID = /^[0-9a-f]{32}$/;

/** shared_config → who may see the asset. PRIVATE and PUBLIC share with no project (ERRATA). */
export function shareConfigOf(
  owner: string,
  cfg: { shared_type?: string; expire_time?: string; allowed_project_ids?: string[] },
  now: Date,
): ShareConfig {
  const expiresAt = cfg.expire_time ? parseWireTime('shared_config.expire_time', cfg.expire_time) : null;
  if (expiresAt && expiresAt <= now) throw AssetErrors.invalid('shared_config.expire_time is in the past');
  if (cfg.shared_type !== 'SHARED') return { sharees: [], expiresAt };
  return {
    sharees: checkProjectIds('shared_config.allowed_project_ids', cfg.allowed_project_ids ?? [], owner),
    expiresAt,
  };
}

/** 32-hex project ids, deduplicated, without the owner itself; at most 100. */
export function checkProjectIds(field: string, ids: readonly unknown[], owner: string): string[] {
  if (ids.length > 100) throw AssetErrors.invalid(`${field}: at most 100 projects`);
  for (const id of ids) {
    if (typeof id !== 'string' || !PROJECT_ID.test(id)) {
      throw AssetErrors.invalid(`${field} must hold 32-character lowercase hex project ids`);
    }
  }
  return [...new Set(ids as string[])].filter((id) => id !== owner);
}

/**
 * SHARE / UNSHARE `params`: a JSON string `{"allowed_project_ids":[…]}` as MetaStudio's
 * console sends it (ERRATA). UNSHARE without params removes every share.
 */
export function parseShareParams(
  action: 'SHARE' | 'UNSHARE',
  params: string | undefined,
  owner: string,
): string[] | 'all' {
  if (params === undefined || params.trim() === '') {
    if (action === 'UNSHARE') return 'all';
    throw AssetErrors.invalid('params is required for SHARE: {"allowed_project_ids":["<project id>", …]}');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(params);
  } catch {
    throw AssetErrors.invalid(
      'params must be a JSON string such as {"allowed_project_ids":["<project id>"]}',
    );
  }
  const ids = (parsed as { allowed_project_ids?: unknown })?.allowed_project_ids;
  if (!Array.isArray(ids) || (action === 'SHARE' && ids.length === 0)) {
    throw AssetErrors.invalid('params.allowed_project_ids must be a non-empty array of project ids');
  }
  return checkProjectIds('params.allowed_project_ids', ids, owner);
}

// ── times ──────────────────────────────────────────────────────────────────

const WIRE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 (`2024-01-10T08:43:17Z`; an offset or fraction is tolerated) → Date, or 400. */
export function parseWireTime(field: string, s: string): Date {
  const t = WIRE_TIME.test(s) ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(t)) throw AssetErrors.invalid(`${field} must be a time like 2024-01-10T08:43:17Z`);
  return new Date(t);
}
