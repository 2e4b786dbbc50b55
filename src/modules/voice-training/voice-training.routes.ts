// The fourteen "Voice Modeling Task Management" operations: thin translations from the
// contract's input to the service and back. The tenant is the authenticated caller's project.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { VoiceTrainingService } from './voice-training.service.ts';

export function createVoiceTrainingHandlers(svc: VoiceTrainingService): HandlerMap {
  return {
    ShowTenantDurationCfg: async ({ caller }) => svc.durationConfig(caller.projectId),

    CreateTrainingBasicJob: ({ caller, body, appUserId }) =>
      svc.create('BASIC', caller.projectId, body, appUserId),

    CreateTrainingMiddleJob: ({ caller, body, appUserId }) =>
      svc.create('MIDDLE', caller.projectId, body, appUserId),

    CreateTrainingAdvanceJob: ({ caller, body, appUserId }) =>
      svc.create('ADVANCE', caller.projectId, body, appUserId),

    ListVoiceTrainingJob: ({ caller, query }) => svc.list(caller.projectId, query),

    CommitVoiceTrainingJob: async ({ caller, params, body }) => {
      await svc.commit(caller.projectId, params.job_id, body);
      return undefined;
    },

    ShowVoiceTrainingJob: ({ caller, params }) => svc.show(caller.projectId, params.job_id),

    DeleteVoiceTrainingJob: async ({ caller, params }) => {
      await svc.delete(caller.projectId, params.job_id);
      return undefined;
    },

    ListJobOperationLog: ({ caller, params, query }) => svc.opLogs(caller.projectId, params.job_id, query),

    ShowJobUploadingAddress: ({ caller, params }) => svc.uploadingAddress(caller.projectId, params.job_id),

    ShowJobAuditResult: ({ caller, params }) => svc.auditResult(caller.projectId, params.job_id),

    SetJobBatchName: async ({ caller, body }) => {
      await svc.setBatchName(caller.projectId, body);
      return undefined;
    },

    ConfirmTrainingSegment: ({ caller, query }) => svc.confirmSegment(caller.projectId, query),

    ShowTrainingSegmentInfo: ({ caller, query }) => svc.segmentInfo(caller.projectId, query),
  };
}
