// The "Livestreaming Task Management" operations: thin translations from the contract's input
// to the services and back.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { LiveEventsService } from './live-events.service.ts';
import type { LiveJobCommands } from './live-jobs.commands.ts';
import type { LiveJobsService } from './live-jobs.service.ts';

export function createLiveJobHandlers(
  jobs: LiveJobsService,
  commands: LiveJobCommands,
  events: LiveEventsService,
): HandlerMap {
  return {
    StartSmartLive: ({ caller, params, body, appUserId }) =>
      jobs.start(caller.projectId, params.room_id, body, appUserId),
    ListSmartLive: ({ caller, params, query }) => jobs.listRoom(caller.projectId, params.room_id, query),
    ShowSmartLive: ({ caller, params }) => jobs.show(caller.projectId, params.room_id, params.job_id),
    StopSmartLive: async ({ caller, params }) => {
      await jobs.stop(caller.projectId, params.room_id, params.job_id);
      return undefined;
    },
    ListSmartLiveJobs: ({ caller, query }) => jobs.listTenant(caller.projectId, query),
    ExecuteSmartLiveCommand: ({ caller, params, body }) =>
      commands.execute(caller.projectId, params.room_id, params.job_id, body),
    LiveEventReport: ({ caller, params, query, body }) =>
      events.report(caller.projectId, params.room_id, params.job_id, body, query.refresh_url === true),
  };
}
