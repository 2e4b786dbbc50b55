// The six "Video Script Management" operations: thin translations from the contract's input
// to the service and back. The tenant is the authenticated caller's project.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { VideoScriptsService } from './video-scripts.service.ts';

export function createVideoScriptHandlers(svc: VideoScriptsService): HandlerMap {
  return {
    CreateVideoScripts: ({ caller, body, appUserId }) => svc.create(caller.projectId, body, appUserId),

    ListVideoScripts: ({ caller, query }) => svc.list(caller.projectId, query),

    ShowVideoScript: ({ caller, params }) => svc.show(caller.projectId, params.script_id),

    UpdateVideoScript: ({ caller, params, body }) => svc.update(caller.projectId, params.script_id, body),

    DeleteVideoScript: async ({ caller, params }) => {
      await svc.delete(caller.projectId, params.script_id);
      return undefined;
    },

    CopyVideoScripts: ({ caller, params, appUserId }) =>
      svc.copy(caller.projectId, params.script_id, appUserId),
  };
}
