// Tenant Management and Subscription Management: orders make resource packages (no payment,
// real rows); the three tenant reads answer from the packages and the usage records.
import type { OperationTypes, ResourceItemInfo, ResourceUsageInfo } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import type { ModuleDeps } from '../types.ts';
import { METRICS, type UsageMetric } from './usage.catalog.ts';
import { type PackageFilter, type PackageRow, UsageRepo } from './usage.repo.ts';
import {
  BUSINESS_TYPES,
  CHARGING_MODES,
  csv,
  expiryWindow,
  inUnits,
  packagesOf,
  RESOURCE_SOURCES,
} from './usage.rules.ts';

type Types = OperationTypes;
type Deps = Pick<ModuleDeps, 'db' | 'clock'>;

export class UsageService {
  constructor(private readonly deps: Deps) {}

  private get repo(): UsageRepo {
    return new UsageRepo(this.deps.db);
  }

  /** CreateMetaStudioOrders: one order, one package per cloud service, in one transaction. */
  async order(
    projectId: string,
    body: Types['CreateMetaStudioOrders']['body'],
  ): Promise<Types['CreateMetaStudioOrders']['response']> {
    const now = this.deps.clock.now();
    const packages = packagesOf(body, now);
    const orderId = newId();
    await this.deps.db.transaction().execute(async (trx) => {
      await new UsageRepo(trx).insertPackages(
        packages.map((p) => ({
          project_id: projectId,
          resource_id: newId(),
          order_id: orderId,
          resource_type: p.resourceType,
          business_type: p.business,
          charging_mode: p.chargingMode,
          resource_source: 'PURCHASED',
          metric: p.metric,
          unit: p.unit,
          base_per_unit: p.basePerUnit,
          quota: p.quota,
          used: 0,
          is_auto_renew: p.autoRenew,
          create_time: now,
          expire_time: p.expireTime,
        })),
      );
    });
    return { order_id: orderId };
  }

  async list(projectId: string, q: Types['ListTenantResources']['query']) {
    const f: PackageFilter = {
      ...this.common(q),
      sources: csv('resource_source', q.resource_source, RESOURCE_SOURCES),
      ...(q.resource_id ? { resourceId: q.resource_id } : {}),
      ...(q.order_id ? { orderId: q.order_id } : {}),
      ...(q.sub_resource ? { subResource: q.sub_resource } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
    };
    const chargingModes = csv('charging_mode', q.charging_mode, CHARGING_MODES);
    if (chargingModes) f.chargingModes = chargingModes;
    const [rows, count] = await Promise.all([
      this.repo.page(projectId, f, q.offset, q.limit),
      this.repo.count(projectId, f),
    ]);
    return { count, resources: rows.map((r) => itemOf(r, f.now)) };
  }

  /** Live packages summed per resource type, plus what no package covered (ON_DEMAND). */
  async usage(projectId: string, q: Types['ShowResourceUsage']['query']) {
    const f: PackageFilter = { ...this.common(q), status: 0 };
    const sums = new Map<string, ResourceUsageInfo>();
    for (const r of await this.repo.all(projectId, f)) {
      const key = [r.resource_type, r.business_type, r.charging_mode, r.resource_source, r.unit].join('|');
      const s = sums.get(key) ?? {
        resource_type: r.resource_type,
        business_type: r.business_type as ResourceUsageInfo['business_type'],
        is_sub_resource: false,
        charging_mode: r.charging_mode,
        resource_source: r.resource_source,
        amount: 0,
        usage: 0,
        unit: r.unit as ResourceUsageInfo['unit'],
      };
      s.amount = round(s.amount! + inUnits(r.quota, r.base_per_unit));
      s.usage = round(s.usage! + inUnits(r.used, r.base_per_unit));
      sums.set(key, s);
    }
    const resources = [...sums.values()];
    const unallocated = await this.repo.unallocatedByMetric(projectId);
    for (const [metric, total] of unallocated) {
      const m = METRICS[metric as UsageMetric];
      if (!m || total <= 0) continue;
      if (f.businesses && !f.businesses.includes(m.business)) continue;
      if (f.resourceTypes && !f.resourceTypes.includes(m.onDemandCode)) continue;
      resources.push({
        resource_type: m.onDemandCode,
        business_type: m.business,
        is_sub_resource: false,
        charging_mode: 'ON_DEMAND',
        resource_source: 'PURCHASED',
        amount: 0,
        usage: inUnits(total, m.basePerUnit),
        unit: m.unit,
      });
    }
    return { resources };
  }

  async count(projectId: string, q: Types['CountTenantResources']['query']) {
    const f = this.common(q);
    const rows = await this.repo.countsBy(projectId, f);
    return {
      resources_count: rows.map((r) => ({
        business_type: r.business_type,
        charging_mode: r.charging_mode,
        resource_source: r.resource_source,
        count: r.n,
      })),
    };
  }

  /** The filters the three reads share. */
  private common(q: {
    resource?: string;
    business?: string;
    resource_expire_start_time?: string;
    resource_expire_end_time?: string;
  }): PackageFilter {
    const f: PackageFilter = { now: this.deps.clock.now(), expiry: expiryWindow(q) };
    const resourceTypes = csv('resource', q.resource);
    if (resourceTypes) f.resourceTypes = resourceTypes;
    const businesses = csv('business', q.business, BUSINESS_TYPES);
    if (businesses) f.businesses = businesses;
    return f;
  }
}

const round = (n: number): number => Math.round(n * 1e9) / 1e9;

function itemOf(r: PackageRow, now: Date): ResourceItemInfo {
  return {
    resource_id: r.resource_id,
    order_id: r.order_id,
    resource_expire_time: wireTime(r.expire_time),
    resource_type: r.resource_type,
    business_type: r.business_type as ResourceItemInfo['business_type'],
    is_sub_resource: false,
    charging_mode: r.charging_mode,
    resource_source: r.resource_source,
    amount: inUnits(r.quota, r.base_per_unit),
    usage: inUnits(r.used, r.base_per_unit),
    // 1 (frozen) once the validity has passed.
    status: r.expire_time > now ? 0 : 1,
    unit: r.unit as ResourceItemInfo['unit'],
  };
}
