// Pure rules for usage and resource packages: what an order makes, how a usage quantity is
// spread over a tenant's packages, and the list filters. No I/O; unit-tested.
import type { OperationTypes, PublicCloudServiceOrder } from '../../contract/generated/types.ts';
import { BUSINESS_TYPES, METRICS, PACKAGE_SPECS, type UsageMetric } from './usage.catalog.ts';
import { UsageErrors } from './usage.errors.ts';

type Types = OperationTypes;

export const MAX_SERVICES_PER_ORDER = 20;
/** Upper bounds that keep expiry dates and amounts sane (the wire's amount is ≤ 1,000,000). */
const MAX_MONTHS = 1200;
const MAX_AMOUNT = 1_000_000;

/** period_type: 2 month, 3 year, 6 one-off (valid period_num years, ERRATA 82). */
const PERIODS: Record<number, { months: number; mode: 'PERIODIC' | 'ONE_TIME' }> = {
  2: { months: 1, mode: 'PERIODIC' },
  3: { months: 12, mode: 'PERIODIC' },
  6: { months: 12, mode: 'ONE_TIME' },
};

export interface NewPackage {
  resourceType: string;
  metric: UsageMetric;
  business: string;
  unit: string;
  basePerUnit: number;
  /** In the metric's base unit. */
  quota: number;
  chargingMode: 'PERIODIC' | 'ONE_TIME';
  autoRenew: boolean;
  expireTime: Date;
}

function addMonths(d: Date, months: number): Date {
  const out = new Date(d.getTime());
  out.setUTCMonth(out.getUTCMonth() + months);
  return out;
}

/** CreateMetaStudioOrders' body → the packages it makes, or a 400 naming the field. */
export function packagesOf(req: Types['CreateMetaStudioOrders']['body'], now: Date): NewPackage[] {
  const services = req.cloud_services;
  if (!Array.isArray(services) || services.length === 0)
    throw UsageErrors.invalid('cloud_services must list at least one cloud service');
  if (services.length > MAX_SERVICES_PER_ORDER)
    throw UsageErrors.invalid(`cloud_services: at most ${MAX_SERVICES_PER_ORDER} per order`);
  return services.map((s, i) => packageOf(s, `cloud_services[${i}]`, now));
}

function packageOf(s: PublicCloudServiceOrder, at: string, now: Date): NewPackage {
  const spec = PACKAGE_SPECS[s.resource_spec_code];
  if (!spec) {
    const perUse = Object.values(METRICS).some((m) => m.onDemandCode === s.resource_spec_code);
    throw UsageErrors.invalid(
      perUse
        ? `${at}.resource_spec_code ${s.resource_spec_code} is billed per use: there is nothing to order`
        : `${at}.resource_spec_code ${JSON.stringify(s.resource_spec_code)} is not a resource type Doppel sells (see ERRATA 81)`,
    );
  }
  const period = PERIODS[s.period_type];
  if (!period) throw UsageErrors.invalid(`${at}.period_type must be 2 (month), 3 (year) or 6 (one-off)`);
  const months = period.months * s.period_num;
  if (!Number.isInteger(s.period_num) || s.period_num < 1 || months > MAX_MONTHS)
    throw UsageErrors.invalid(`${at}.period_num must be an integer from 1 to ${MAX_MONTHS / period.months}`);
  const units = spec.units * s.subscription_num;
  if (!Number.isInteger(s.subscription_num) || s.subscription_num < 1 || units > MAX_AMOUNT)
    throw UsageErrors.invalid(
      `${at}.subscription_num must be an integer from 1 to ${Math.floor(MAX_AMOUNT / spec.units)}`,
    );
  for (const f of ['is_auto_pay', 'is_auto_renew'] as const) {
    const v = s[f];
    if (v !== undefined && v !== 0 && v !== 1) throw UsageErrors.invalid(`${at}.${f} must be 0 or 1`);
  }
  const m = METRICS[spec.metric];
  return {
    resourceType: s.resource_spec_code,
    metric: spec.metric,
    business: m.business,
    unit: m.unit,
    basePerUnit: m.basePerUnit,
    quota: units * m.basePerUnit,
    chargingMode: period.mode,
    autoRenew: s.is_auto_renew === 1,
    expireTime: addMonths(now, months),
  };
}

export interface PackageBalance {
  resourceId: string;
  quota: number;
  used: number;
}

/**
 * How a usage quantity lands on a tenant's live packages (given soonest-to-expire first):
 * a positive one fills them in that order, a negative one (a release) empties them from the
 * last. What no package takes is unallocated (pay-per-use; negative for a release beyond).
 */
export function allocate(
  packages: readonly PackageBalance[],
  quantity: number,
): { deltas: Array<{ resourceId: string; delta: number }>; unallocated: number } {
  const deltas: Array<{ resourceId: string; delta: number }> = [];
  let rest = quantity;
  if (quantity > 0) {
    for (const p of packages) {
      if (rest <= 0) break;
      const take = Math.min(rest, Math.max(0, p.quota - p.used));
      if (take > 0) deltas.push({ resourceId: p.resourceId, delta: take });
      rest -= take;
    }
  } else {
    for (const p of [...packages].reverse()) {
      if (rest >= 0) break;
      const give = Math.min(-rest, p.used);
      if (give > 0) deltas.push({ resourceId: p.resourceId, delta: -give });
      rest += give;
    }
  }
  return { deltas, unallocated: rest };
}

/** Wire amounts are floats in the package unit; rounded only to hide floating-point noise. */
export const inUnits = (base: number, basePerUnit: number): number =>
  Math.round((base / basePerUnit) * 1e9) / 1e9;

// ── filters ─────────────────────────────────────────────────────────────────

const WIRE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function parseTime(field: string, s: string): Date {
  const t = WIRE_TIME.test(s) ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(t)) throw UsageErrors.invalid(`${field} must be a time like 2024-01-10T08:43:17Z`);
  return new Date(t);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A comma-separated filter → its values (empty items dropped), each checked when `allowed` is given. */
export function csv(
  field: string,
  raw: string | undefined,
  allowed?: readonly string[],
): string[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const v of items) {
    if (CONTROL.test(v)) throw UsageErrors.invalid(`${field} holds a control character`);
    if (allowed && !allowed.includes(v))
      throw UsageErrors.invalid(`${field}: ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
  }
  return items.length ? items : undefined;
}

export interface ExpiryWindow {
  from?: Date;
  to?: Date;
}

export function expiryWindow(q: {
  resource_expire_start_time?: string;
  resource_expire_end_time?: string;
}): ExpiryWindow {
  const w: ExpiryWindow = {};
  if (q.resource_expire_start_time)
    w.from = parseTime('resource_expire_start_time', q.resource_expire_start_time);
  if (q.resource_expire_end_time) w.to = parseTime('resource_expire_end_time', q.resource_expire_end_time);
  if (w.from && w.to && w.from > w.to)
    throw UsageErrors.invalid('resource_expire_start_time is after resource_expire_end_time');
  return w;
}

export const RESOURCE_SOURCES = ['PURCHASED', 'SP_ALLOCATED', 'ADMIN_ALLOCATED'] as const;
export const CHARGING_MODES = ['PERIODIC', 'ONE_TIME', 'ON_DEMAND'] as const;
export { BUSINESS_TYPES };
