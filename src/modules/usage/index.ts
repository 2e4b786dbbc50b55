// Usage metering and resource packages. Other modules record what their work used with
// recordUsage (on the transaction that commits the result) and refuse work beyond the
// tenant's packages with checkQuota (before writing anything); usage.recorder.ts says how.
import type { Module, ModuleDeps } from '../types.ts';
import { createUsageHandlers } from './usage.routes.ts';
import { UsageService } from './usage.service.ts';

export { METRICS, PACKAGE_SPECS, USAGE_METRICS, type UsageMetric } from './usage.catalog.ts';
export { checkQuota, type QuotaMode, recordUsage, type UsageEntry } from './usage.recorder.ts';

export function createUsageModule(deps: ModuleDeps): Module {
  return { handlers: createUsageHandlers(new UsageService(deps)), tasks: [] };
}
