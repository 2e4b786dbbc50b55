// Virtual Avatar Dialog Task Management: StartSmartChatJob, StopSmartChatJob,
// ShowSmartChatJob and CreateDialogUrl, plus the dialog page's session start (an activation
// code instead of a signature). A start admits the job under the room's concurrency (one
// transaction, the room locked; jobs whose process has gone do not count and are ended FAILED),
// then starts its session in this process: the job is WAITING until the stream is up, then
// PROCESSING. The answer carries where to connect (chat_access_address, taken from this
// server's public URL) and the end user's media signature.
import fs from 'node:fs/promises';
import { newId } from '../../core/util/ids.ts';
import { type AvatarPackage, loadAvatarPackage } from '../../engines/render/index.ts';
import type { VoiceSpec } from '../../engines/speech/types.ts';
import type { StreamBackground } from '../../engines/stream/index.ts';
import { AssetUnusable, fetchMainFile } from '../assets/index.ts';
import {
  type ActiveCodes,
  type ChatRoomsService,
  canStartDialogs,
  type OnceCodes,
  RobotAnswers,
  type RobotsService,
} from '../dialog-apps/index.ts';
import { robotExtras } from '../robot-content/index.ts';
import { prosodyOf, type TtsService } from '../tts/index.ts';
import type { ModuleDeps } from '../types.ts';
import { ChatSession, type MediaFactory, sessionDir } from './chat-session.ts';
import { ChatJobCodes, ChatJobErrors } from './dialog-jobs.errors.ts';
import { ChatJobsRepo } from './dialog-jobs.repo.ts';
import {
  accessAddress,
  type ChatJobRow,
  configFromRoom,
  isAbandoned,
  mediaSignature,
  parseExtendParam,
  sameToken,
  showWire,
  startWire,
  voiceFor,
} from './dialog-jobs.rules.ts';

const DEFAULT_VOICE: VoiceSpec = {
  engine: 'espeak',
  language: 'en',
  params: { voice: 'en-us' },
} as VoiceSpec;
const ABANDONED_MSG = 'the Doppel process running this dialog stopped';

export interface DialogJobsParts {
  robots: RobotsService;
  chatRooms: ChatRoomsService;
  onceCodes: OnceCodes;
  activeCodes: ActiveCodes;
  tts: TtsService;
}

export class DialogJobsService {
  /** This process's sessions by job id; the id of this boot owns their rows. */
  readonly sessions = new Map<string, ChatSession>();
  readonly owner = newId();
  private readonly answers: RobotAnswers;
  media: MediaFactory | undefined;

  constructor(
    private readonly deps: ModuleDeps,
    private readonly parts: DialogJobsParts,
  ) {
    this.answers = new RobotAnswers(deps, parts.robots);
  }

  private get address(): string {
    return accessAddress(this.deps.publicUrl);
  }

  private signatureOf(row: ChatJobRow): string {
    return mediaSignature(
      this.deps.keys.dialog,
      row.project_id,
      row.job_id,
      row.config.user_id,
      row.config.ctime,
    );
  }

  async start(
    projectId: string,
    roomId: string,
    robotId: string,
    body: { extend_param?: string } | undefined,
    appUserId: string | undefined,
  ) {
    const { clientId } = parseExtendParam(body?.extend_param);
    const room = await this.parts.chatRooms.show(projectId, roomId);
    const robot = await this.parts.robots.show(projectId, robotId);
    if (!canStartDialogs(room.concurrency ?? 0)) throw ChatJobErrors.noConcurrency(roomId);
    const now = this.deps.clock.now();
    const config = configFromRoom(roomId, room, {
      defaultMuteMs: this.deps.dialog?.defaultMuteMs ?? 300_000,
      userId: `user-${newId().slice(0, 16)}`,
      ctime: Math.floor(now.getTime() / 1000),
    });
    const language = config.default_language;
    const vc = voiceFor(config, language);
    // Inputs that cannot work are 400s now, not a FAILED job a moment later.
    const voice = vc?.voice_asset_id
      ? { voice: await this.parts.tts.resolveVoice(projectId, vc.voice_asset_id), prosody: prosodyOf(vc) }
      : { voice: DEFAULT_VOICE, prosody: prosodyOf({}) };
    const answerer = await this.answers.of(projectId, robot.robot_id ?? robotId, language);
    const extras = await robotExtras(this.deps.db, projectId, robotId, language);

    const jobId = newId();
    // The avatar is fetched now: an unusable one is the caller's 400, not a FAILED job.
    const dir = sessionDir(this.deps.tmpDir, jobId);
    await fs.mkdir(dir, { recursive: true });
    let avatarFile: string;
    try {
      avatarFile = await fetchMainFile(this.deps, projectId, config.model_asset_id, dir, 'model_asset_id');
    } catch (e) {
      await fs.rm(dir, { recursive: true, force: true });
      if (e instanceof AssetUnusable) throw ChatJobErrors.roomUnusable(roomId, e.message);
      throw e;
    }
    await this.deps.db
      .transaction()
      .execute(async (trx) => {
        const repo = new ChatJobsRepo(trx);
        await repo.lockRoom(projectId, roomId);
        await repo.failAbandoned(projectId, roomId, now, ChatJobCodes.ownerGone, ABANDONED_MSG);
        const limit = room.concurrency ?? 0;
        if ((await repo.running(projectId, roomId, now)) >= limit)
          throw ChatJobErrors.concurrencyFull(roomId, limit);
        await repo.insert({
          project_id: projectId,
          job_id: jobId,
          room_id: roomId,
          robot_id: robotId,
          state: 'WAITING',
          job_finish_reason: null,
          client_id: clientId ?? null,
          extend_param: body?.extend_param ?? null,
          config: JSON.stringify(config),
          owner: this.owner,
          heartbeat_time: now,
          error_code: null,
          error_msg: null,
          app_user_id: appUserId ?? null,
          start_time: null,
          end_time: null,
          create_time: now,
          update_time: now,
        });
      })
      .catch(async (e) => {
        await fs.rm(dir, { recursive: true, force: true });
        throw e;
      });
    const row = (await new ChatJobsRepo(this.deps.db).get(projectId, jobId)) as ChatJobRow;
    const signature = this.signatureOf(row);
    const session = new ChatSession({
      deps: this.deps,
      projectId,
      jobId,
      roomId,
      robotId,
      owner: this.owner,
      config,
      answerer,
      voice,
      ...(extras.welcomeSpeech ? { greeting: extras.welcomeSpeech } : {}),
      mediaToken: signature,
      ...(this.media ? { media: this.media } : {}),
      dir,
      onEnd: (s) => {
        if (this.sessions.get(s.jobId) === s) this.sessions.delete(s.jobId);
      },
    });
    this.sessions.set(jobId, session);
    void session.start({
      avatar: () => this.avatarOf(config.model_asset_id, avatarFile),
      background: (dir) => this.backgroundOf(projectId, config, dir),
    });
    return { wire: startWire(row, signature, this.address), session, extras };
  }

  async stop(projectId: string, roomId: string, jobId: string): Promise<void> {
    const row = await this.rowIn(projectId, roomId, jobId);
    if (row.state !== 'WAITING' && row.state !== 'PROCESSING') return;
    const session = this.sessions.get(jobId);
    if (session) return session.end({ kind: 'NORMAL' });
    // Another process runs it: it sees the request at its next heartbeat.
    await new ChatJobsRepo(this.deps.db).updateActive(projectId, jobId, {
      stop_requested: true,
      update_time: this.deps.clock.now(),
    });
  }

  async show(projectId: string, roomId: string, jobId: string) {
    const row = await this.rowIn(projectId, roomId, jobId);
    return showWire(row, this.signatureOf(row), this.address, this.deps.clock.now());
  }

  async createDialogUrl(projectId: string, body: { room_id: string; robot_id: string }) {
    await this.parts.chatRooms.show(projectId, body.room_id);
    await this.parts.robots.show(projectId, body.robot_id);
    const q = new URLSearchParams({ project_id: projectId, room_id: body.room_id, robot_id: body.robot_id });
    return { url: `${this.deps.publicUrl.replace(/\/+$/, '')}/dialog/?${q}` };
  }

  /**
   * The dialog page's start: the end user's activation code admits them (the code's room must
   * be the page's), a job starts as StartSmartChatJob would, and a one-off code for its
   * chat-command socket comes back with the media URL.
   */
  async openSession(
    projectId: string,
    req: { room_id?: unknown; robot_id?: unknown; active_code?: unknown; client_id?: unknown },
    fallbackCredential: string,
  ) {
    const str = (v: unknown, name: string) => {
      if (typeof v !== 'string' || v.length === 0 || v.length > 64)
        throw ChatJobErrors.invalid(`${name} is required (a string of 1 to 64 characters)`);
      return v;
    };
    const roomId = str(req.room_id, 'room_id');
    const robotId = str(req.robot_id, 'robot_id');
    const code = str(req.active_code, 'active_code');
    const credential = req.client_id === undefined ? fallbackCredential : str(req.client_id, 'client_id');
    const use = await this.parts.activeCodes.useActiveCode(projectId, { robotId, code, credential });
    if (use.roomId !== roomId) throw ChatJobErrors.invalid('the activation code is for another dialog room');
    const { wire, session, extras } = await this.start(projectId, roomId, robotId, undefined, undefined);
    const { once_code } = await this.parts.onceCodes.create(projectId, roomId);
    const jobId = wire.job_id as string;
    return {
      job_id: jobId,
      chat_access_address: wire.chat_access_address,
      once_code,
      media_url: `/v1/${projectId}/digital-human-chat/media/${jobId}?token=${session.mediaToken}`,
      language: wire.language,
      faqs: extras.hotQuestions,
    };
  }

  /** The session of a running job of this process, for the socket and the media endpoint. */
  async runningSession(projectId: string, jobId: string): Promise<{ session: ChatSession; row: ChatJobRow }> {
    const row = await new ChatJobsRepo(this.deps.db).get(projectId, jobId);
    if (!row) throw ChatJobErrors.jobNotFound(jobId);
    if (row.state !== 'WAITING' && row.state !== 'PROCESSING') throw ChatJobErrors.finished(jobId, row.state);
    const session = this.sessions.get(jobId);
    if (!session || session.ended) {
      if (row.owner === this.owner) throw ChatJobErrors.finished(jobId, 'ending');
      throw ChatJobErrors.elsewhere(jobId);
    }
    return { session, row };
  }

  /** The media endpoint's check: a running job of this process and its user's signature. */
  async mediaSession(projectId: string, jobId: string, token: string): Promise<ChatSession | undefined> {
    const session = this.sessions.get(jobId);
    if (!session || session.ended || session.opts.projectId !== projectId) return undefined;
    return sameToken(token, session.mediaToken) ? session : undefined;
  }

  /** Ends every session of this process (shutdown). */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.sessions.values()].map((s) => s.end({ kind: 'NORMAL' })));
  }

  private async rowIn(projectId: string, roomId: string, jobId: string): Promise<ChatJobRow> {
    const repo = new ChatJobsRepo(this.deps.db);
    const row = await repo.get(projectId, jobId);
    if (!row || row.room_id !== roomId) throw ChatJobErrors.jobNotFound(jobId);
    const now = this.deps.clock.now();
    if (isAbandoned(row, now) && !this.sessions.has(jobId)) {
      await repo.failAbandoned(projectId, roomId, now, ChatJobCodes.ownerGone, ABANDONED_MSG);
      return (await repo.get(projectId, jobId)) as ChatJobRow;
    }
    return row;
  }

  private async avatarOf(modelId: string, file: string): Promise<AvatarPackage> {
    try {
      return await loadAvatarPackage(await fs.readFile(file));
    } catch (e) {
      throw new Error(`model_asset_id ${modelId} is not a usable 2D avatar package: ${(e as Error).message}`);
    }
  }

  private async backgroundOf(
    projectId: string,
    config: ChatJobRow['config'],
    dir: string,
  ): Promise<StreamBackground> {
    const bg = config.background;
    if ('color' in bg) return { color: bg.color };
    return {
      image: await this.assetFile(projectId, bg.asset_id, dir, 'background_config.background_asset_id'),
    };
  }

  private async assetFile(projectId: string, assetId: string, dir: string, field: string): Promise<string> {
    try {
      return await fetchMainFile(this.deps, projectId, assetId, dir, field);
    } catch (e) {
      if (e instanceof AssetUnusable) throw new Error(e.message);
      throw e;
    }
  }
}
