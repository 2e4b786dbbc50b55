// "Tenant Management" (3) and "Subscription Management" (1): thin translations to the
// service. The tenant is the authenticated caller's project.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { UsageService } from './usage.service.ts';

export function createUsageHandlers(svc: UsageService): HandlerMap {
  return {
    CreateMetaStudioOrders: ({ caller, body }) => svc.order(caller.projectId, body),
    ListTenantResources: ({ caller, query }) => svc.list(caller.projectId, query),
    ShowResourceUsage: ({ caller, query }) => svc.usage(caller.projectId, query),
    CountTenantResources: ({ caller, query }) => svc.count(caller.projectId, query),
  };
}
