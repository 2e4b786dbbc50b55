// The registry of API groups. Each module contributes handlers for the contract
// operations it implements and the job tasks it runs; every other operation answers 501
// (see http/bind-operations). docs/api-coverage.md is generated from
// IMPLEMENTED_OPERATIONS, and a test checks the handler map implements exactly that list.
import type { OperationId } from '../contract/generated/types.ts';
import type { JobQueue, TaskHandler } from '../core/jobs/index.ts';
import type { HandlerMap, OperationHandler } from '../http/bind-operations.ts';
import { assetDownloadGate, createAssetsModule } from './assets/index.ts';
import { seedSystemAssets } from './assets/system-seed.ts';
import { createAvatarTrainingModule } from './avatar-training/index.ts';
import { createDialogAppsModule } from './dialog-apps/index.ts';
import { createDialogJobsModule } from './dialog-jobs/index.ts';
import { createKnowledgeModule } from './knowledge/index.ts';
import { createLiveModule } from './live/index.ts';
import { createLiveJobsModule } from './live-jobs/index.ts';
import { createRobotContentModule } from './robot-content/index.ts';
import { createTtsModule } from './tts/index.ts';
import type { Module, ModuleDeps, Modules, TaskDefinition } from './types.ts';
import { createUsageModule } from './usage/index.ts';
import { createVideoScriptsModule } from './video-scripts/index.ts';
import { createVideosModule } from './videos/index.ts';
import { createVoiceTrainingModule } from './voice-training/index.ts';

export type { Module, ModuleDeps, Modules, TaskDefinition } from './types.ts';

export function createModules(deps: ModuleDeps): Modules {
  const parts: Array<Module & { schedules?: Modules['schedules'] }> = [
    createAssetsModule(deps),
    createTtsModule(deps),
    createVideoScriptsModule(deps),
    createVideosModule(deps),
    createVoiceTrainingModule(deps),
    createUsageModule(deps),
    createAvatarTrainingModule(deps),
    createLiveModule(deps),
    createLiveJobsModule(deps),
    createRobotContentModule(deps),
    createKnowledgeModule(deps),
    createDialogAppsModule(deps),
    createDialogJobsModule(deps),
  ];
  const handlers: HandlerMap = {};
  for (const p of parts) Object.assign(handlers, p.handlers);
  return {
    handlers: ensureTenantRows(handlers, deps),
    tasks: parts.flatMap((p) => p.tasks),
    schedules: parts.flatMap((p) => p.schedules ?? []),
    routes: parts.flatMap((p) => (p.routes ? [p.routes] : [])),
    downloadGate: assetDownloadGate(deps),
    // Each module answers for its own operations (undefined for the rest).
    urlCredentials: async (op, req) => {
      for (const p of parts) {
        const caller = await p.urlCredentials?.(op, req);
        if (caller) return caller;
      }
      return undefined;
    },
  };
}

/**
 * Loose-auth callers may name any 32-hex project that has no row yet; every tenant table
 * references projects, so the row is made before the handler writes. Known ids are cached.
 */
function ensureTenantRows(handlers: HandlerMap, deps: ModuleDeps): HandlerMap {
  const known = new Set<string>();
  const out: Record<string, OperationHandler<OperationId>> = {};
  for (const [id, h] of Object.entries(handlers) as Array<[OperationId, OperationHandler<OperationId>]>) {
    out[id] = async (input) => {
      if (input.caller.kind === 'loose' && !known.has(input.caller.projectId)) {
        await deps.ensureProject(input.caller.projectId);
        known.add(input.caller.projectId);
      }
      return h(input);
    };
  }
  return out as HandlerMap;
}

/**
 * Writes the data every process expects to find (the system assets), right after the
 * migrations and before the process serves or works. Idempotent; safe from many processes.
 */
export async function seedModules(deps: ModuleDeps): Promise<void> {
  await seedSystemAssets(deps);
}

/** Defines each task where jobs run, and only declares it (for enqueue) elsewhere. */
export function registerTasks(queue: JobQueue, tasks: TaskDefinition[], runsJobs: boolean): void {
  for (const t of tasks) {
    // The type requires it; this catches a definition built around the type (e.g. a cast).
    if (!t.spec.onGiveUp) throw new Error(`job task "${t.name}" has no onGiveUp (see TaskDefinition)`);
    if (runsJobs) queue.define(t.name, t.spec, t.handler as TaskHandler<unknown>);
    else queue.declare(t.name, t.spec);
  }
}

export const IMPLEMENTED_OPERATIONS: readonly OperationId[] = [
  // Digital Asset Management
  'CreateDigitalAsset',
  'ListAssets',
  'ShowAsset',
  'UpdateDigitalAsset',
  'DeleteAsset',
  'RestoreAsset',
  'BatchExecuteAssetAction',
  'ListAssetSummary',
  'ShowAssetReplicationInfo',
  'CreateAssetByReplicationInfo',
  // File Management
  'CreateFile',
  'CreateLargeFile',
  'ConfirmFileUpload',
  'DeleteFile',
  // TTS Management
  'CreateTtsAudition',
  'ShowTtsAuditionFile',
  'CreateAsyncTtsJob',
  'ShowAsyncTtsJob',
  'CreateTtscVocabularyConfigs',
  'ListTtscVocabularyConfigs',
  'DeleteTtscVocabularyConfigs',
  'SaveTtscVocabularyConfigs',
  // Video Script Management
  'CreateVideoScripts',
  'ListVideoScripts',
  'ShowVideoScript',
  'UpdateVideoScript',
  'DeleteVideoScript',
  'CopyVideoScripts',
  // Video Production Management
  'ListDigitalHumanVideo',
  // Virtual Avatar Video Production Management
  'Create2DDigitalHumanVideo',
  'Show2DDigitalHumanVideo',
  'Cancel2DDigitalHumanVideo',
  // Virtual Avatar Video Subtitle File Management
  'CreateSubtitleFile',
  'ShowSubtitleFile',
  // Voice Modeling Task Management
  'ShowTenantDurationCfg',
  'CreateTrainingBasicJob',
  'CreateTrainingMiddleJob',
  'CreateTrainingAdvanceJob',
  'ListVoiceTrainingJob',
  'CommitVoiceTrainingJob',
  'ShowVoiceTrainingJob',
  'DeleteVoiceTrainingJob',
  'ListJobOperationLog',
  'ShowJobUploadingAddress',
  'ShowJobAuditResult',
  'SetJobBatchName',
  'ConfirmTrainingSegment',
  'ShowTrainingSegmentInfo',
  // Tenant Management
  'ShowResourceUsage',
  'ListTenantResources',
  'CountTenantResources',
  // Subscription Management
  'CreateMetaStudioOrders',
  // Image Modeling Management
  'Create2dModelTrainingJob',
  'List2dModelTrainingJob',
  'Show2dModelTrainingJob',
  'Update2dModelTrainingJob',
  'Delete2dModelTrainingJob',
  'Execute2dModelTrainingCommandByUser',
  // Intelligent Live Room Management
  'CreateSmartLiveRoom',
  'ListSmartLiveRooms',
  'ShowSmartLiveRoom',
  'UpdateSmartLiveRoom',
  'DeleteSmartLiveRoom',
  'CreateInteractionRuleGroup',
  'ListInteractionRuleGroups',
  'UpdateInteractionRuleGroup',
  'DeleteInteractionRuleGroup',
  // Livestreaming Task Management
  'StartSmartLive',
  'ListSmartLive',
  'ShowSmartLive',
  'StopSmartLive',
  'ExecuteSmartLiveCommand',
  'ListSmartLiveJobs',
  'LiveEventReport',
  // Live Product Management
  'CreateProduct',
  'ListProducts',
  'UpdateProduct',
  'ShowProduct',
  'DeleteProduct',
  'SetProductAsset',
  // Third-Party Live Platform Management
  'CreateLivePlatform',
  'UpdateLivePlatform',
  'DeleteLivePlatform',
  'ListLivePlatforms',
  'ShowLivePlatform',
  'ListLivePlatformProducts',
  // Virtual Avatar Greeting Management
  'CreateWelcomeSpeech',
  'ListWelcomeSpeech',
  'ShowWelcomeSpeech',
  'UpdateWelcomeSpeech',
  'DeleteWelcomeSpeech',
  'UpdateWelcomeSpeechSwitch',
  'ShowWelcomeSpeechSwitch',
  // Virtual Avatar Frequently Asked Question Management
  'CreateHotQuestion',
  'ListHotQuestion',
  'ShowHotQuestion',
  'UpdateHotQuestion',
  'DeleteHotQuestion',
  // Virtual Avatar Keyword Record Management
  'CreateHotWords',
  'ListHotWords',
  'ShowHotWords',
  'UpdateHotWords',
  'DeleteHotWords',
  'UpdateHotWordsSwitch',
  'ShowHotWordsSwitch',
  // Virtual Avatar Agency Management
  'ShowAgency',
  'CreateAgencyWithRoleType',
  'DeleteAgencyWithRoleType',
  // Virtual Avatar Knowledge Base Skill Management
  'CreateKnowledgeSkill',
  'ListKnowledgeSkill',
  'UpdateKnowledgeSkill',
  'ShowKnowledgeSkill',
  'DeleteKnowledgeSkill',
  'ExportKnowledgeSkill',
  // Virtual Avatar Knowledge Base Intent Management
  'CreateKnowledgeIntent',
  'ListKnowledgeIntent',
  'ShowKnowledgeIntent',
  'UpdateKnowledgeIntent',
  'DeleteKnowledgeIntent',
  'CreateIntentAndQuestion',
  // Virtual Avatar Knowledge Base Question Management
  'CreateKnowledgeQuestion',
  'ListKnowledgeQuestion',
  'ShowKnowledgeQuestion',
  'UpdateKnowledgeQuestion',
  'DeleteKnowledgeQuestion',
  'CreateBatchKnowledgeQuestion',
  'UpdateBatchKnowledgeQuestion',
  // Virtual Avatar Dialog Management
  'CreateSmartChatRoom',
  'ListSmartChatRooms',
  'ShowSmartChatRoom',
  'UpdateSmartChatRoom',
  'DeleteSmartChatRoom',
  // Virtual Avatar Application Management
  'CreateRobot',
  'ListRobot',
  'ShowRobot',
  'UpdateRobot',
  'DeleteRobot',
  // Virtual Avatar Authentication Code Management
  'CreateOnceCode',
  // Virtual Avatar Activation Code Management
  'CreateActiveCode',
  'ListActiveCode',
  'ShowActiveCode',
  'UpdateActiveCode',
  'ResetActiveCode',
  'DeleteActiveCode',
  // Virtual Avatar Dialog Task Management
  'CreateDialogUrl',
  'StartSmartChatJob',
  'StopSmartChatJob',
  'ShowSmartChatJob',
];
