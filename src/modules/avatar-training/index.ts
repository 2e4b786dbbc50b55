// 2D avatar (image) modeling: training jobs that turn a person's video or photo into a
// HUMAN_MODEL_2D avatar package. Routes → service → repo / object store / queue; the review
// and the training are queue jobs.
import type { Module, ModuleDeps } from '../types.ts';
import { trainingTasks } from './avatar-training.jobs.ts';
import { createAvatarTrainingHandlers } from './avatar-training.routes.ts';
import { AvatarTrainingService } from './avatar-training.service.ts';

export { AvatarTrainingService } from './avatar-training.service.ts';

export function createAvatarTrainingModule(deps: ModuleDeps): Module {
  const svc = new AvatarTrainingService(deps);
  return { handlers: createAvatarTrainingHandlers(svc), tasks: trainingTasks(deps) };
}
