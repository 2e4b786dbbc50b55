// TTS: audition and async speech jobs over the speech engine, and the project's custom
// pronunciations (vocabulary configs). Voices are VOICE_MODEL system assets (assets module,
// system-voices.ts). Routes → services → repos / object store / job queue / speech service.
import type { Module, ModuleDeps } from '../types.ts';
import { ttsTasks } from './tts.jobs.ts';
import { createTtsHandlers } from './tts.routes.ts';
import { TtsService } from './tts.service.ts';
import { VocabularyService } from './vocabulary.service.ts';

export { speechErrorToApp } from './tts.errors.ts';
export { prosodyOf } from './tts.rules.ts';
export { TtsService, TtsTasks, voiceSpecOf } from './tts.service.ts';
export { VocabularyService } from './vocabulary.service.ts';

export function createTtsModule(deps: ModuleDeps): Module {
  const vocabulary = new VocabularyService(deps);
  const tts = new TtsService(deps, vocabulary);
  return {
    handlers: createTtsHandlers(tts, vocabulary),
    tasks: ttsTasks(
      {
        ...deps,
        tools: { speech: deps.speech, mediaTools: deps.mediaTools },
        allowPrivateFetch: deps.allowPrivateFetch,
      },
      tts,
      vocabulary,
    ),
  };
}
