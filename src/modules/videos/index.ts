// Video production: 2D avatar video jobs (a script or an inline request → a rendered VIDEO
// asset) and subtitle-file jobs. Routes → service → repo / job queue; the render job drives
// the speech service and the weight-free renderer (engines/render).
import os from 'node:os';
import { TtsService, VocabularyService } from '../tts/index.ts';
import type { Module, ModuleDeps } from '../types.ts';
import { subtitleTasks } from './subtitles.jobs.ts';
import { videoTasks } from './videos.jobs.ts';
import { createVideoHandlers } from './videos.routes.ts';
import { VideosService } from './videos.service.ts';

export { VideoTasks } from './videos.service.ts';

/** One render per two cores: each ffmpeg encode already uses every core it gets. */
export const defaultRenderConcurrency = (): number => Math.max(1, Math.floor(os.availableParallelism() / 2));

export function createVideosModule(deps: ModuleDeps): Module {
  const vocabulary = new VocabularyService(deps);
  const tts = new TtsService(deps, vocabulary);
  const svc = new VideosService(deps, tts);
  return {
    handlers: createVideoHandlers(svc),
    tasks: [
      ...videoTasks({
        ...deps,
        vocabulary,
        renderConcurrency: deps.renderConcurrency ?? defaultRenderConcurrency(),
      }),
      ...subtitleTasks({ ...deps, vocabulary }, tts),
    ],
  };
}
