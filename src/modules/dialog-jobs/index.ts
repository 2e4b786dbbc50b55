// Virtual Avatar Dialog Task Management: chat jobs (a realtime avatar stream driven by a
// robot's answers), their chat-command WebSocket, the dialog page's session start, and the
// dialog URL. Rooms, robots and codes are dialog-apps'; voices are tts's; greetings and FAQs
// robot-content's; knowledge answers knowledge's — each used through its index.
import { transcribe } from '../../engines/speech/index.ts';
import { WebRtcOut } from '../../engines/stream/index.ts';
import { dialogMediaRoutes } from '../../http/dialog-media-routes.ts';
import { ActiveCodes, ChatRoomsService, OnceCodes, RobotsService } from '../dialog-apps/index.ts';
import { TtsService, VocabularyService } from '../tts/index.ts';
import type { Module, ModuleDeps } from '../types.ts';
import type { MediaFactory } from './chat-session.ts';
import { dialogJobsRoutes, type RouteContext } from './dialog-jobs.http.ts';
import { createDialogJobsHandlers } from './dialog-jobs.routes.ts';
import { DialogJobsService } from './dialog-jobs.service.ts';

export type { ChatSession, MediaFactory, MediaOut } from './chat-session.ts';
export type { RouteContext } from './dialog-jobs.http.ts';

export function createDialogJobsModule(deps: ModuleDeps, media?: MediaFactory): Module {
  const onceCodes = new OnceCodes(deps);
  const service = new DialogJobsService(deps, {
    robots: new RobotsService(deps),
    chatRooms: new ChatRoomsService(deps),
    onceCodes,
    activeCodes: new ActiveCodes(deps),
    tts: new TtsService(deps, new VocabularyService(deps)),
  });
  // Browsers get the avatar over WebRTC from this process (docs/dialog-media.md).
  service.media =
    media ??
    ((stream) =>
      WebRtcOut.start({
        ffmpegPath: deps.mediaTools().ffmpeg.path,
        stream,
        iceAddresses: deps.dialog?.iceAddresses ?? ['127.0.0.1'],
      }));
  const asr = deps.dialog?.asr;
  return {
    handlers: createDialogJobsHandlers(service),
    tasks: [],
    routes: (ctx: RouteContext) =>
      dialogJobsRoutes({
        service,
        onceCodes,
        ctx,
        mediaRoutes: (resolve) => dialogMediaRoutes({ resolve }),
        command: {
          idleMs: deps.dialog?.socketIdleMs ?? 60_000,
          ...(asr
            ? {
                transcribe: (audio: Buffer, format: string, signal: AbortSignal) =>
                  transcribe(asr, audio, { fileName: `question.${format}`, signal }),
              }
            : {}),
        },
      }),
  };
}
