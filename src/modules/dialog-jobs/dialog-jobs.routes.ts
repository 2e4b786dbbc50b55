// The 4 operations of Virtual Avatar Dialog Task Management: thin translations to the service.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { DialogJobsService } from './dialog-jobs.service.ts';

export function createDialogJobsHandlers(s: DialogJobsService): HandlerMap {
  return {
    CreateDialogUrl: ({ caller, body }) => s.createDialogUrl(caller.projectId, body),
    StartSmartChatJob: async ({ caller, params, query, body, appUserId }) =>
      (await s.start(caller.projectId, params.room_id, query.robot_id, body, appUserId)).wire,
    StopSmartChatJob: async ({ caller, params }) => {
      await s.stop(caller.projectId, params.room_id, params.job_id);
      return undefined;
    },
    ShowSmartChatJob: ({ caller, params }) => s.show(caller.projectId, params.room_id, params.job_id),
  };
}
