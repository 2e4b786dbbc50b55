// Video scripts: saved video-production drafts (scenes, avatar, voice, output settings)
// that 2D video jobs can start from. Routes → service → repo / object store.
import type { Module, ModuleDeps } from '../types.ts';
import { createVideoScriptHandlers } from './video-scripts.routes.ts';
import { VideoScriptsService } from './video-scripts.service.ts';

export { type ScriptDoc, spokenText } from './video-scripts.rules.ts';

export function createVideoScriptsModule(deps: ModuleDeps): Module {
  return { handlers: createVideoScriptHandlers(new VideoScriptsService(deps)), tasks: [] };
}
