// The six "Image Modeling Management" operations: thin translations from the contract's
// input to the service and back. The tenant is the authenticated caller's project.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { AvatarTrainingService } from './avatar-training.service.ts';

export function createAvatarTrainingHandlers(svc: AvatarTrainingService): HandlerMap {
  return {
    Create2dModelTrainingJob: ({ caller, body, appUserId }) => svc.create(caller.projectId, body, appUserId),

    List2dModelTrainingJob: ({ caller, query }) => svc.list(caller.projectId, query),

    Show2dModelTrainingJob: ({ caller, params }) => svc.show(caller.projectId, params.job_id),

    Update2dModelTrainingJob: ({ caller, params, body }) => svc.update(caller.projectId, params.job_id, body),

    Delete2dModelTrainingJob: async ({ caller, params }) => {
      await svc.delete(caller.projectId, params.job_id);
      return undefined;
    },

    Execute2dModelTrainingCommandByUser: ({ caller, params, body }) =>
      svc.command(caller.projectId, params.job_id, body),
  };
}
