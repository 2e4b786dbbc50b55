// Pure rules for third-party live platforms: the request checks and the product-list answer a
// platform must give (docs/live-platforms.md). Unit-tested through the integration suite.
import type { StandardPlatformApiConfig } from '../../contract/generated/types.ts';
import { LiveErrors } from './live.errors.ts';
import { checkHttpUrl, checkPlainText } from './live.text.ts';

export const API_TYPES = ['PRODUCT_QUERY', 'LIVE_EVENT_CALLBACK'] as const;
/** The platform's whole answer, connect to last byte. */
export const PLATFORM_TIMEOUT_MS = 10_000;
export const PLATFORM_MAX_BODY = 1024 * 1024;

/** callback_config: each api_type at most once, each URL http(s) without credentials. */
export function checkCallbackConfig(list: readonly StandardPlatformApiConfig[]): StandardPlatformApiConfig[] {
  const seen = new Set<string>();
  for (const [i, c] of list.entries()) {
    if (seen.has(c.api_type))
      throw LiveErrors.invalid(`callback_config[${i}].api_type ${c.api_type} is repeated`);
    seen.add(c.api_type);
    checkHttpUrl(c.url, `callback_config[${i}].url`);
  }
  return list.map((c) => ({ api_type: c.api_type, url: c.url }));
}

export function checkKey(key: string, field: string): void {
  checkPlainText(key, field);
}

export interface PlatformProducts {
  count: number;
  products: Array<{ product_id: string; product_title: string }>;
  account?: string;
}

/** The product endpoint's JSON → the list, or the reason it is not what docs/live-platforms.md says. */
export function parsePlatformProducts(body: Buffer, limit: number): PlatformProducts | string {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the answer is not JSON';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return 'the answer is not a JSON object';
  const o = json as Record<string, unknown>;
  if (!Array.isArray(o.products)) return '"products" is not an array';
  if (o.products.length > limit) return `${o.products.length} products for limit ${limit}`;
  const products: PlatformProducts['products'] = [];
  for (const [i, p] of o.products.entries()) {
    const item = p as Record<string, unknown> | null;
    const id = item?.product_id;
    const title = item?.product_title;
    if (typeof id !== 'string' || id.length === 0 || id.length > 64)
      return `products[${i}].product_id must be a string of 1-64 characters`;
    if (typeof title !== 'string' || title.length > 256)
      return `products[${i}].product_title must be a string of at most 256 characters`;
    products.push({ product_id: id, product_title: title });
  }
  const count = o.count === undefined ? products.length : o.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < products.length)
    return '"count" must be an integer, at least the number of products';
  const account = o.account;
  if (account !== undefined && (typeof account !== 'string' || account.length > 256))
    return '"account" must be a string';
  return { count, products, ...(typeof account === 'string' ? { account } : {}) };
}
