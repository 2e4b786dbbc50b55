// Voice modeling: voice training jobs of every edition (BASIC, MIDDLE, ADVANCE), their
// uploads, segment checks, commit, system review, training into a VOICE_MODEL asset that TTS
// speaks at once, op-logs, batch names and the duration limits. Routes → service → repo /
// object store / job queue; review and training run as queue jobs (voice-training.jobs.ts).
import type { Module, ModuleDeps } from '../types.ts';
import { httpCloner } from './voice-training.cloning.ts';
import { voiceTrainingTasks } from './voice-training.jobs.ts';
import { createVoiceTrainingHandlers } from './voice-training.routes.ts';
import { VoiceTrainingService } from './voice-training.service.ts';

export { VoiceTrainingTasks } from './voice-training.service.ts';

export function createVoiceTrainingModule(deps: ModuleDeps): Module {
  // No speech recogniser ships with Doppel yet: the transcript check (review.ts) stays off.
  const svc = new VoiceTrainingService(deps);
  const cloner = deps.voiceCloning
    ? httpCloner({ ...deps.voiceCloning, allowPrivate: deps.allowPrivateFetch })
    : undefined;
  return {
    handlers: createVoiceTrainingHandlers(svc),
    tasks: voiceTrainingTasks({ ...deps, speech: deps.speech, ...(cloner && { cloner }) }),
  };
}
