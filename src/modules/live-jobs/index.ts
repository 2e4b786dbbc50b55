// Livestreaming task management: live jobs that stream a smart live room (the stream engine,
// RTMP to the room's output), their commands, and (later) the live event report. Rooms are the
// live module's, used only through its index.
import { RobotAnswers, RobotsService } from '../dialog-apps/index.ts';
import { createLiveRooms } from '../live/index.ts';
import { TtsService, VocabularyService } from '../tts/index.ts';
import type { Module, ModuleDeps } from '../types.ts';
import { LiveEventsService, reportUrlCaller } from './live-events.service.ts';
import { liveHlsRoutes } from './live-hls.ts';
import { LiveJobCommands } from './live-jobs.commands.ts';
import { LiveDelivery } from './live-jobs.delivery.ts';
import { liveJobTasks } from './live-jobs.jobs.ts';
import { LiveJobRegistry } from './live-jobs.registry.ts';
import { createLiveJobHandlers } from './live-jobs.routes.ts';
import { LiveJobsService } from './live-jobs.service.ts';

export { liveHlsRoutes } from './live-hls.ts';
export { LiveJobTasks } from './live-jobs.jobs.ts';

export function createLiveJobsModule(deps: ModuleDeps): Module {
  const rooms = createLiveRooms(deps);
  // One registry per process: the API handlers reach the streams this process's worker runs.
  const registry = new LiveJobRegistry();
  const svc = new LiveJobsService(deps, rooms, registry);
  const tts = new TtsService(deps, new VocabularyService(deps));
  // Commands and event reports reach the stream here or, over the bus, in its worker.
  const delivery = new LiveDelivery(deps, registry);
  return {
    handlers: createLiveJobHandlers(
      svc,
      new LiveJobCommands(deps, rooms, delivery, svc),
      new LiveEventsService(deps, svc, delivery),
    ),
    tasks: liveJobTasks({
      ...deps,
      rooms,
      tts,
      registry,
      answers: new RobotAnswers(deps, new RobotsService(deps)),
    }),
    urlCredentials: (op, req) =>
      op.operationId === 'LiveEventReport' ? reportUrlCaller(deps, req) : undefined,
    // The HLS preview of the jobs this process streams (ERRATA 99).
    routes: () => liveHlsRoutes(deps),
  };
}
