// The six "Live Product Management" operations: thin translations to the service.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { ProductsService } from './products.service.ts';

export function createProductHandlers(svc: ProductsService): HandlerMap {
  return {
    CreateProduct: ({ caller, body, appUserId }) => svc.create(caller.projectId, body, appUserId),
    ListProducts: ({ caller, query }) => svc.list(caller.projectId, query),
    ShowProduct: async ({ caller, params }) => (await svc.show(caller.projectId, params.product_id)) ?? {},
    UpdateProduct: async ({ caller, params, body }) => {
      await svc.update(caller.projectId, params.product_id, body);
      return undefined;
    },
    DeleteProduct: async ({ caller, params }) => {
      await svc.delete(caller.projectId, params.product_id);
      return undefined;
    },
    SetProductAsset: async ({ caller, params, body }) => {
      await svc.setAsset(caller.projectId, params.product_id, body);
      return undefined;
    },
  };
}
