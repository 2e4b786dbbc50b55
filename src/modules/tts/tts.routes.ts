// The eight "TTS Management" operations: thin translations from the contract's input to
// the services and back. The tenant is the authenticated caller's project.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { TtsService } from './tts.service.ts';
import type { VocabularyService } from './vocabulary.service.ts';

export function createTtsHandlers(tts: TtsService, vocabulary: VocabularyService): HandlerMap {
  return {
    CreateTtsAudition: ({ caller, body, appUserId }) => tts.createAudition(caller.projectId, body, appUserId),

    ShowTtsAuditionFile: ({ caller, params }) => tts.showAudition(caller.projectId, params.job_id),

    CreateAsyncTtsJob: ({ caller, body, appUserId }) => tts.createAsync(caller.projectId, body, appUserId),

    ShowAsyncTtsJob: ({ caller, params }) => tts.showAsync(caller.projectId, params.job_id),

    CreateTtscVocabularyConfigs: ({ caller, body }) => vocabulary.create(caller.projectId, body),

    ListTtscVocabularyConfigs: ({ caller, query }) => vocabulary.list(caller.projectId, query),

    DeleteTtscVocabularyConfigs: async ({ caller, body }) => {
      await vocabulary.delete(caller.projectId, body.id);
      return undefined;
    },

    SaveTtscVocabularyConfigs: ({ caller, params, body }) =>
      vocabulary.save(caller.projectId, params.vocabulary_id, body),
  };
}
