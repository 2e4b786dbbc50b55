// The six "Third-Party Live Platform Management" operations: thin translations to the service.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { PlatformsService } from './platforms.service.ts';

export function createPlatformHandlers(svc: PlatformsService): HandlerMap {
  return {
    CreateLivePlatform: ({ caller, body }) => svc.create(caller.projectId, body),
    UpdateLivePlatform: ({ caller, params, body }) => svc.update(caller.projectId, params.platform_id, body),
    DeleteLivePlatform: async ({ caller, params }) => {
      await svc.delete(caller.projectId, params.platform_id);
      return undefined;
    },
    ListLivePlatforms: ({ caller, query }) => svc.list(caller.projectId, query),
    ShowLivePlatform: ({ caller, params }) => svc.show(caller.projectId, params.platform_id),
    ListLivePlatformProducts: ({ caller, query }) => svc.products(caller.projectId, query),
  };
}
