// The types every module shares: what a module receives from the composition root and what
// it gives back. Kept apart from the registry (index.ts) so that no module imports the file
// that imports every module.

import type { FastifyPluginAsync } from 'fastify';
import type { DialogSettings } from '../config.ts';
import type { Bus } from '../core/bus/index.ts';
import type { Db } from '../core/db/index.ts';
import type { JobQueue, TaskHandler, TaskSpec } from '../core/jobs/index.ts';
import type { Logger } from '../core/logger.ts';
import type { MediaTools } from '../core/media/index.ts';
import type { DownloadGate, ObjectStore } from '../core/object-store/types.ts';
import type { AuthGuards } from '../core/throttle/failures.ts';
import type { Clock } from '../core/util/time.ts';
import type { RemoteRenderer } from '../engines/render/remote.ts';
import type { SpeechService } from '../engines/speech/index.ts';
import type { Authenticate, HandlerMap, UrlCredentials } from '../http/bind-operations.ts';
import type { AssetsMedia } from './assets/media.ts';

/** What modules may use; built once by the composition root (src/deps.ts). */
export interface ModuleDeps {
  db: Db;
  objects: ObjectStore;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  /** Media inspection (ffprobe/ffmpeg) behind a narrow port, adapted from core/media. */
  media: AssetsMedia;
  /** Scratch space for jobs (downloads to probe, covers), under the data dir; created on demand. */
  tmpDir: string;
  /** Creates the project row for a loose-auth caller that has none yet (FKs need it). */
  ensureProject(projectId: string): Promise<void>;
  /** Per-purpose HMAC keys derived from the master key. */
  keys: {
    replication: Buffer;
    /** Seals dialog robots' vendor keys (LLM app_key and the like). */
    dialog: Buffer;
    /** Signs the live event-report URLs handed out at StartSmartLive. */
    liveEvents: Buffer;
  };
  /** Where clients reach this server (config DOPPEL_PUBLIC_URL): for URLs handed out (live event report). */
  publicUrl: string;
  /** Text to speech (engines behind one service); used by TTS, video, live and dialog. */
  speech: SpeechService;
  /** ffmpeg/ffprobe, resolved on first call (throws when missing): for encoders such as MP3 speech. */
  mediaTools(): MediaTools;
  /**
   * Requests to the process that holds a resource (PostgreSQL only: cluster mode). Absent in
   * embedded mode, where API and workers are one process.
   */
  bus?: Bus;
  /** Config `allowPrivateFetch`: server-side fetches (callbacks, media by URL) may reach private networks. */
  allowPrivateFetch: boolean;
  /** DOPPEL_QUOTAS: whether creates refuse work beyond the tenant's resource packages (usage module). */
  quotas: 'off' | 'enforce';
  /** 2D avatar modeling review: train at once after the automatic review, or wait for an operator. */
  modelingReview?: 'auto' | 'manual';
  /** Video renders at once per worker process (config; default half the cores). */
  renderConcurrency?: number;
  /** Dialog sessions: socket idle close, default mute timeout, speech recognition (config). */
  dialog?: DialogSettings;
  /** An external voice-cloning service for trained voices, when configured (docs/voice-cloning.md). */
  voiceCloning?: { url: string; token: string | undefined; timeoutMs: number };
  /** An external neural lip-sync service for the avatar layer, when configured. */
  neuralRenderer?: { renderer: RemoteRenderer; fallback: 'builtin' | 'fail' };
}

export interface TaskDefinition {
  name: string;
  /**
   * onGiveUp is required: when the queue stops retrying a job (its last attempt failed, or the
   * worker died during it), the hook ends the job's resource FAILED with its error and fires its
   * callback. A task that owns no resource says NOTHING_TO_END.
   */
  spec: TaskSpec & { onGiveUp: NonNullable<TaskSpec['onGiveUp']> };
  handler: TaskHandler<never>;
}

export interface Module {
  handlers: HandlerMap;
  tasks: TaskDefinition[];
  /** Operations of this module that accept a credential in their URL (see bind-operations). */
  urlCredentials?: UrlCredentials;
  /** Routes beside the operations (the dialog's WebSocket and page endpoints). */
  routes?: (ctx: ModuleRouteContext) => FastifyPluginAsync;
}

/** What a module's own routes may use from the platform. */
export interface ModuleRouteContext {
  authenticate: Authenticate;
  guards: AuthGuards;
}

export interface Modules extends Omit<Module, 'routes'> {
  urlCredentials: UrlCredentials;
  routes: Array<(ctx: ModuleRouteContext) => FastifyPluginAsync>;
  /** Starts what must run on a schedule in worker processes (e.g. the recycle-bin purge). */
  schedules: Array<{ task: string; everyMs: number }>;
  /** Asked on every use of a download URL (object-store/http.ts). */
  downloadGate: DownloadGate;
}
