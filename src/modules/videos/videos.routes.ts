// The six video-production operations ("Video Production Management" ListDigitalHumanVideo,
// "Virtual Avatar Video Production Management" create/show/cancel and the two subtitle-file
// operations): thin translations from the contract's input to the service and back.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { VideosService } from './videos.service.ts';

export function createVideoHandlers(svc: VideosService): HandlerMap {
  return {
    ListDigitalHumanVideo: ({ caller, query }) => svc.list(caller.projectId, query),

    Create2DDigitalHumanVideo: ({ caller, body, appUserId }) => svc.create(caller.projectId, body, appUserId),

    Show2DDigitalHumanVideo: ({ caller, params }) => svc.show(caller.projectId, params.job_id),

    Cancel2DDigitalHumanVideo: async ({ caller, params }) => {
      await svc.cancel(caller.projectId, params.job_id);
      return undefined;
    },

    CreateSubtitleFile: ({ caller, body, appUserId }) =>
      svc.createSubtitleFile(caller.projectId, body, appUserId),

    ShowSubtitleFile: ({ caller, params }) => svc.showSubtitleFile(caller.projectId, params.job_id),
  };
}
