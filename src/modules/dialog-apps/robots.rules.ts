// Pure rules of robots (dialog applications): which app_types a self-hosted Doppel answers
// and how (ERRATA 90-92), the LLM URL check, and the stored shape a create or an update leaves.
import type { CreateRobotReq, UpdateRobotReq } from '../../contract/generated/types.ts';
import { type BlockedAddressError, blockedReason, checkUrlShape } from '../../core/net/ssrf.ts';
import { DialogAppsErrors } from './dialog-apps.errors.ts';
import { canonLanguage } from './dialog-apps.rules.ts';

export type Backing = 'LLM' | 'KNOWLEDGE_BASE';

interface AppTypeRule {
  vendor: string;
  /** How Doppel answers a robot of this type; absent when the type is refused. */
  backing?: Backing;
  /** Why a refused type is refused (the 400's message). */
  refusal?: string;
}

const UNREACHABLE = 'a self-hosted Doppel cannot reach this vendor';

/** MetaStudio's app_type values (SEMANTICS.md §4.4 step 1) and what Doppel makes of them. */
export const APP_TYPES: Readonly<Record<number, AppTypeRule>> = {
  0: { vendor: 'iFLYTEK AIUI', backing: 'KNOWLEDGE_BASE' },
  1: { vendor: 'Huawei Cloud CBS', refusal: `${UNREACHABLE} (Huawei Cloud's hosted bot service)` },
  2: { vendor: 'iFLYTEK Spark', backing: 'KNOWLEDGE_BASE' },
  5: {
    vendor: 'third-party driver',
    refusal: 'Doppel has no third-party dialog driver; use app_type 6 (third-party LLM)',
  },
  6: { vendor: 'third-party LLM', backing: 'LLM' },
  7: { vendor: 'interaction assistant', refusal: `${UNREACHABLE} (Huawei Cloud's WiseBrain assistant)` },
  8: { vendor: 'Mobvoi', refusal: `${UNREACHABLE} (Mobvoi's hosted dialog service)` },
};

export const ACCEPTED_APP_TYPES = '0 (iFLYTEK AIUI), 2 (iFLYTEK Spark) or 6 (third-party LLM)';

/** The backing of an accepted app_type; a refused or unknown type is a 400 that says why. */
export function backingOf(appType: number): Backing {
  const rule = APP_TYPES[appType];
  if (!rule)
    throw DialogAppsErrors.invalid(`app_type ${appType} is not a known type; use ${ACCEPTED_APP_TYPES}`);
  if (!rule.backing)
    throw DialogAppsErrors.invalid(
      `app_type ${appType} (${rule.vendor}) is not supported: ${rule.refusal}; use ${ACCEPTED_APP_TYPES}`,
    );
  return rule.backing;
}

/**
 * The LLM URL rule at create and update: http(s), no credentials in it, and — unless the
 * server may fetch private addresses — no literal private, loopback or metadata address and
 * no `localhost`. Names are resolved and checked again on each request (safe-fetch).
 */
export function checkLlmUrl(raw: string, allowPrivate: boolean): string {
  let u: URL;
  try {
    u = checkUrlShape(raw);
  } catch (e) {
    throw DialogAppsErrors.llmUrlInvalid((e as BlockedAddressError).reason ?? (e as Error).message);
  }
  if (allowPrivate) return raw;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const lower = host.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost'))
    throw DialogAppsErrors.llmUrlInvalid(`${host} is loopback`);
  const why = /^[\d.]+$/.test(host) || host.includes(':') ? blockedReason(host) : undefined;
  if (why) throw DialogAppsErrors.llmUrlInvalid(`${host} is ${why}`);
  return raw;
}

/** Vendor fields a robot stores; which are set depends on app_type. */
export interface RobotVendorFields {
  app_type: number;
  backing: Backing;
  app_id: string | null;
  llm_url: string | null;
  is_stream: boolean | null;
  chat_rounds: number | null;
  is_ifly_production: boolean | null;
  sis_region: number | null;
  sis_project_id: string | null;
  enable_hot_words: boolean | null;
  asr_type: string | null;
  asr_account: string | null;
}

/** The keys kept sealed; never answered back. */
export interface RobotSecrets {
  app_key?: string;
  api_secret?: string;
  asr_secret?: string;
}

/** What Show and List answer in place of a stored key. */
export const MASKED_KEY = '********';

const CONFIG_BLOCKS = [
  'huawei_ei_cbs',
  'iflytek_aiui_config',
  'iflytek_spark',
  'third_party_model_config',
  'mobvoi_config',
  'wise_brain_config',
] as const;
const BLOCK_OF: Record<number, (typeof CONFIG_BLOCKS)[number]> = {
  0: 'iflytek_aiui_config',
  2: 'iflytek_spark',
  6: 'third_party_model_config',
};

type VendorReq = Pick<CreateRobotReq | UpdateRobotReq, (typeof CONFIG_BLOCKS)[number]>;

/**
 * The vendor fields and secrets a create or an update leaves. A request may carry only its
 * own type's config block. An update that keeps the type changes the fields it names
 * (a key left out, or sent back as the mask, stays); one that changes the type starts afresh.
 */
export function resolveVendor(
  appType: number,
  req: VendorReq,
  opts: { allowPrivate: boolean; stored?: { fields: RobotVendorFields; secrets: RobotSecrets } },
): { fields: RobotVendorFields; secrets: RobotSecrets } {
  const backing = backingOf(appType);
  const own = BLOCK_OF[appType];
  for (const b of CONFIG_BLOCKS) {
    if (b !== own && req[b] !== undefined)
      throw DialogAppsErrors.invalid(`${b} does not belong to app_type ${appType}; send ${own} or nothing`);
  }
  const base = opts.stored && opts.stored.fields.app_type === appType ? opts.stored : undefined;
  const keep = (v: string | undefined, old: string | undefined) =>
    v === undefined || v === MASKED_KEY ? old : v;
  const fields: RobotVendorFields = {
    app_type: appType,
    backing,
    app_id: null,
    llm_url: null,
    is_stream: null,
    chat_rounds: null,
    is_ifly_production: null,
    sis_region: null,
    sis_project_id: null,
    enable_hot_words: null,
    asr_type: null,
    asr_account: null,
  };
  const secrets: RobotSecrets = {};
  const set = <K extends keyof RobotSecrets>(k: K, v: string | undefined) => {
    if (v !== undefined) secrets[k] = v;
  };
  if (appType === 6) {
    const c = req.third_party_model_config;
    if (c === undefined && !base) throw DialogAppsErrors.llmConfigMissing();
    const url = c?.llm_url ?? base?.fields.llm_url ?? undefined;
    if (url === undefined || url.trim() === '') throw DialogAppsErrors.llmUrlEmpty();
    fields.llm_url = checkLlmUrl(url, opts.allowPrivate);
    fields.app_id = c?.app_id ?? base?.fields.app_id ?? null;
    fields.is_stream = c?.is_stream ?? base?.fields.is_stream ?? false;
    // 1 round: only the question is sent; more sends that many rounds of history.
    fields.chat_rounds = c?.chat_rounds ?? base?.fields.chat_rounds ?? 1;
    fields.sis_region = c?.sis_region ?? base?.fields.sis_region ?? null;
    fields.sis_project_id = c?.sis_project_id ?? base?.fields.sis_project_id ?? null;
    fields.enable_hot_words = c?.enable_hot_words ?? base?.fields.enable_hot_words ?? false;
    fields.asr_type = c?.asr_type ?? base?.fields.asr_type ?? null;
    fields.asr_account = c?.asr_account || base?.fields.asr_account || null;
    set('app_key', keep(c?.app_key, base?.secrets.app_key));
    set('asr_secret', keep(c?.asr_secret || undefined, base?.secrets.asr_secret));
  } else {
    const c = appType === 0 ? req.iflytek_aiui_config : req.iflytek_spark;
    fields.app_id = c?.app_id ?? base?.fields.app_id ?? null;
    fields.is_ifly_production = c?.is_production ?? base?.fields.is_ifly_production ?? false;
    set('app_key', keep(c?.app_key, base?.secrets.app_key));
    set('api_secret', keep(c?.api_secret, base?.secrets.api_secret));
  }
  return { fields, secrets };
}

/** Common robot fields with their defaults (tail_silence_time 500 ms per SEMANTICS.md §4.4). */
export const TAIL_SILENCE_DEFAULT_MS = 500;
export const ROBOT_TYPE_DEFAULT = 'CHAT';

export function checkRobotName(name: string): string {
  const n = name.trim();
  if (n.length === 0) throw DialogAppsErrors.invalid('name must not be blank');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
  if (/[\u0000-\u001f\u007f]/.test(n))
    throw DialogAppsErrors.invalid('name must not contain control characters');
  return n;
}

export const robotLanguage = canonLanguage;
