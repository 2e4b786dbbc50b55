// The live job task, `live.run`: WAITING → PROCESSING → SUCCEED | FAILED. It loads the room
// snapshot, the avatar and the voices, starts the stream (RTMP to the room's output) and then
// watches it once a second: StopSmartLive (in this process at once through the registry, from
// another process through the row's stop_requested), live_exit_config, the end of the script,
// a dead encoder. The play position and the streamed time are written as it goes, so a job whose
// worker died is taken over by another attempt and resumes where it was; when the queue gives up
// the job ends FAILED with error_info.
import fs from 'node:fs';
import path from 'node:path';
import type { GiveUpContext, TaskHelpers } from '../../core/jobs/index.ts';
import { sleep } from '../../core/util/time.ts';
import { type AvatarPackage, loadAvatarPackage } from '../../engines/render/index.ts';
import type { Prosody, VoiceSpec } from '../../engines/speech/types.ts';
import type { StreamBackground } from '../../engines/stream/index.ts';
import { AssetUnusable, fetchMainFile } from '../assets/index.ts';
import type { RobotAnswers } from '../dialog-apps/index.ts';
import type { LiveRooms } from '../live/index.ts';
import { prosodyOf, type TtsService } from '../tts/index.ts';
import type { ModuleDeps, TaskDefinition } from '../types.ts';
import { LiveCallbackSender } from './live-callbacks.sender.ts';
import { LiveJobCodes } from './live-jobs.errors.ts';
import type { LiveJobRegistry } from './live-jobs.registry.ts';
import { type LiveJobState, LiveJobsRepo } from './live-jobs.repo.ts';
import type { ScriptPosition } from './live-jobs.rules.ts';
import { type LiveJobConfig, LiveRun, type RunEnd } from './live-jobs.run.ts';
import { LayerUnusable, productPictures } from './live-layers.ts';

export const LiveJobTasks = { run: 'live.run' } as const;

interface JobRef {
  projectId: string;
  jobId: string;
}

export interface LiveJobDeps extends ModuleDeps {
  /** Dialog robots answering INTELLIGENT_REPLY rules. */
  answers: RobotAnswers;
  rooms: LiveRooms;
  tts: TtsService;
  registry: LiveJobRegistry;
}

/** A job that cannot run with what it was given: it fails at once (no retry). */
class LiveInputError extends Error {}

/** After the stream stops, how long its last callbacks (END) may still take to go out. */
const CALLBACK_GRACE_MS = 5_000;

const DEFAULT_VOICE: VoiceSpec = {
  engine: 'espeak',
  language: 'en',
  params: { voice: 'en-us' },
} as VoiceSpec;

export function liveJobTasks(deps: LiveJobDeps): TaskDefinition[] {
  return [
    {
      name: LiveJobTasks.run,
      // Its own queue: a live holds its slot for hours and must not starve renders or TTS.
      spec: {
        queue: 'live',
        maxAttempts: 3,
        onGiveUp: (p: JobRef, ctx: GiveUpContext) => giveUp(deps, p, ctx),
      },
      handler: ((p: JobRef, h: TaskHelpers) => runJob(deps, p, h)) as TaskDefinition['handler'],
    },
  ];
}

async function runJob(deps: LiveJobDeps, ref: JobRef, h: TaskHelpers): Promise<void> {
  const { projectId, jobId } = ref;
  const repo = new LiveJobsRepo(deps.db);
  const row = await repo.get(projectId, jobId);
  if (!row) return;
  let startedAt = row.start_time ?? deps.clock.now();
  if (row.state === 'WAITING') {
    const now = deps.clock.now();
    // Conditional: a stop that got here first wins.
    if (
      !(await repo.transition(projectId, jobId, ['WAITING'], { state: 'PROCESSING', start_time: now }, now))
    )
      return;
    startedAt = now;
    await deps.rooms.recordJob(projectId, row.room_id, { jobId, status: 'PROCESSING', startTime: now });
  } else if (row.state !== 'PROCESSING') return;
  if (row.stop_requested) return finish(deps, ref, row.room_id, { kind: 'stopped' });

  const config = row.config as unknown as LiveJobConfig;
  const dir = path.join(deps.tmpDir, `live-${jobId}`);
  await fs.promises.rm(dir, { recursive: true, force: true });
  await fs.promises.mkdir(dir, { recursive: true });
  let run: LiveRun | undefined;
  let streamMs = Number(row.stream_ms);
  const sender =
    config.event_callback && new LiveCallbackSender(deps, config.event_callback, { projectId, jobId });
  const interaction =
    config.interaction_callback &&
    new LiveCallbackSender(deps, config.interaction_callback, { projectId, jobId });
  try {
    const avatar = await avatarOf(deps, projectId, config, dir);
    const backups = await backupsOf(deps, projectId, config, dir);
    const voices = await voicesOf(deps, projectId, config);
    const products = await productPictures(deps, projectId, config.scene_scripts, path.join(dir, 'products'));
    run = new LiveRun({
      deps,
      projectId,
      jobId,
      config,
      avatar,
      backups,
      products,
      background: await backgroundOf(deps, projectId, config, dir),
      voices: { of: (scene) => voices[scene] ?? voices[0] },
      dir: path.join(dir, 'stream'),
      ...(row.position ? { position: row.position as unknown as ScriptPosition } : {}),
      startedAt,
      seed: parseInt(jobId.slice(0, 8), 16) || 1,
      ...(sender ? { callbacks: { sender, roomId: row.room_id } } : {}),
      ...(interaction ? { interaction: { sender: interaction, roomId: row.room_id } } : {}),
      askRobot: (robotId, question, signal) => deps.answers.answerText(projectId, robotId, question, signal),
    });
    await run.start();
    deps.registry.add(projectId, jobId, run);
    const base = streamMs;
    let end: RunEnd | undefined;
    let ticks = 0;
    void run.done.then((e) => {
      end = e;
    });
    while (!end) {
      await sleep(250, h.signal).catch(() => {});
      if (h.signal.aborted) break;
      run.checkExit(deps.clock.now());
      if (++ticks % 4 !== 0) continue;
      streamMs = base + run.streamedMs();
      const now = await repo.get(projectId, jobId);
      if (now?.state !== 'PROCESSING' || now.stop_requested) run.stop();
      await repo.update(projectId, jobId, {
        stream_ms: streamMs,
        position: JSON.stringify(run.playedPosition),
        config: JSON.stringify(run.config),
      });
    }
    deps.registry.remove(projectId, jobId, run);
    await run.stream.stop();
    streamMs = base + run.streamedMs();
    await repo.update(projectId, jobId, {
      stream_ms: streamMs,
      position: JSON.stringify(run.playedPosition),
    });
    // Shutting down or lease lost: nothing is final; the queue runs the job again (it resumes).
    if (h.signal.aborted) throw h.signal.reason ?? new Error('aborted');
    const last = end ?? { kind: 'stopped' };
    await finish(deps, ref, row.room_id, last, last.kind === 'failed' ? last.code : undefined);
  } catch (e) {
    if (run) {
      deps.registry.remove(projectId, jobId, run);
      await run.stream?.stop().catch(() => {});
    }
    if (h.signal.aborted) throw e;
    if (e instanceof LiveInputError || e instanceof LayerUnusable)
      return finish(deps, ref, row.room_id, { kind: 'failed', error: e.message }, LiveJobCodes.inputUnusable);
    if (h.job.attempts < h.job.max_attempts) throw e;
    h.logger.warn({ err: e, projectId, jobId }, 'live job failed');
    await finish(deps, ref, row.room_id, {
      kind: 'failed',
      error: `The stream could not run: ${String((e as Error).message ?? e)}`.slice(0, 1000),
    });
  } finally {
    // Bounded: a receiver that hangs does not hold the job's end.
    const grace = h.signal.aborted ? 0 : CALLBACK_GRACE_MS;
    await Promise.all([sender?.close(grace), interaction?.close(grace)]);
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

/** Ends the row (SUCCEED, or FAILED with error_info), reports it on the room, cleans a TEMP room. */
async function finish(
  deps: LiveJobDeps,
  ref: JobRef,
  roomId: string,
  end: RunEnd,
  code: string = LiveJobCodes.streamFailed,
): Promise<void> {
  const now = deps.clock.now();
  const repo = new LiveJobsRepo(deps.db);
  const state: LiveJobState = end.kind === 'failed' ? 'FAILED' : 'SUCCEED';
  const ended = await repo.transition(
    ref.projectId,
    ref.jobId,
    ['WAITING', 'PROCESSING'],
    {
      state,
      end_time: now,
      ...(end.kind === 'failed' ? { error_code: code, error_msg: end.error.slice(0, 1000) } : {}),
    },
    now,
  );
  if (!ended) return;
  const row = await repo.get(ref.projectId, ref.jobId);
  await deps.rooms.recordJob(ref.projectId, roomId, {
    jobId: ref.jobId,
    status: state,
    startTime: row?.start_time ?? null,
    endTime: now,
  });
  await deps.rooms.cleanupTempRoom(ref.projectId, roomId);
}

async function giveUp(deps: LiveJobDeps, ref: JobRef, ctx: GiveUpContext): Promise<void> {
  const row = await new LiveJobsRepo(deps.db).get(ref.projectId, ref.jobId);
  if (!row || (row.state !== 'WAITING' && row.state !== 'PROCESSING')) return;
  ctx.logger.warn({ ...ref, reason: ctx.reason }, 'live job given up');
  await fs.promises.rm(path.join(deps.tmpDir, `live-${ref.jobId}`), { recursive: true, force: true });
  await finish(deps, ref, row.room_id, { kind: 'failed', error: ctx.message }, LiveJobCodes.internal);
}

/** The MAIN file of an asset the project may use, into `dir`; unusable: the job fails at once. */
async function fetchAsset(deps: ModuleDeps, projectId: string, assetId: string, dir: string, field: string) {
  try {
    return await fetchMainFile(deps, projectId, assetId, dir, field);
  } catch (e) {
    if (e instanceof AssetUnusable) throw new LiveInputError(e.message);
    throw e;
  }
}

/** The first scene's host, the host of round 0 (ERRATA 86). */
async function avatarOf(
  deps: ModuleDeps,
  projectId: string,
  config: LiveJobConfig,
  dir: string,
): Promise<AvatarPackage> {
  const modelId = config.scene_scripts[0]?.model_asset_id;
  if (!modelId) throw new LiveInputError('the room has no scene with a model_asset_id');
  return hostPackage(deps, projectId, modelId, dir, 'scene_scripts[0].model_asset_id');
}

/** The backup hosts, in order (rounds 1, 2, … rotate through them; ERRATA 86), checked as the host is. */
async function backupsOf(
  deps: ModuleDeps,
  projectId: string,
  config: LiveJobConfig,
  dir: string,
): Promise<Array<{ assetId: string; avatar: AvatarPackage }>> {
  const out: Array<{ assetId: string; avatar: AvatarPackage }> = [];
  for (const [i, assetId] of (config.backup_model_asset_ids ?? []).entries()) {
    const sub = path.join(dir, `backup-${i}`);
    await fs.promises.mkdir(sub, { recursive: true });
    out.push({
      assetId,
      avatar: await hostPackage(deps, projectId, assetId, sub, `backup_model_asset_ids[${i}]`),
    });
  }
  return out;
}

async function hostPackage(
  deps: ModuleDeps,
  projectId: string,
  modelId: string,
  dir: string,
  field: string,
): Promise<AvatarPackage> {
  const file = await fetchAsset(deps, projectId, modelId, dir, field);
  try {
    return await loadAvatarPackage(await fs.promises.readFile(file));
  } catch (e) {
    throw new LiveInputError(
      `${field} ${modelId} is not a usable 2D avatar package: ${(e as Error).message}`,
    );
  }
}

async function backgroundOf(
  deps: ModuleDeps,
  projectId: string,
  config: LiveJobConfig,
  dir: string,
): Promise<StreamBackground> {
  const bg = config.scene_scripts[0]?.background_config?.[0];
  if (bg?.background_type === 'COLOR' && bg.background_color_config)
    return { color: bg.background_color_config };
  if (bg?.background_type === 'IMAGE' && bg.background_asset_id)
    return { image: await fetchAsset(deps, projectId, bg.background_asset_id, dir, 'background_config[0]') };
  return { color: '#203040' };
}

/** Each scene's voice; a scene without one speaks with the previous scene's (or eSpeak English). */
async function voicesOf(deps: LiveJobDeps, projectId: string, config: LiveJobConfig) {
  const out: Array<{ voice: VoiceSpec; prosody: Prosody }> = [];
  let last = { voice: DEFAULT_VOICE, prosody: prosodyOf({}) };
  for (const s of config.scene_scripts) {
    const vc = s.voice_config;
    if (vc?.voice_asset_id) {
      try {
        last = { voice: await deps.tts.resolveVoice(projectId, vc.voice_asset_id), prosody: prosodyOf(vc) };
      } catch (e) {
        throw new LiveInputError(`voice_config.voice_asset_id ${vc.voice_asset_id}: ${(e as Error).message}`);
      }
    }
    out.push(last);
  }
  return out;
}
