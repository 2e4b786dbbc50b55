// The video jobs. Payloads carry ids; handlers reload the row and are safe to run again:
//   video.render    WAITING → PROCESSING → SUCCEED | FAILED. Fetches the inputs into a scratch
//                   directory (always removed), speaks each scene, renders, probes the result,
//                   stores MAIN + COVER under the output asset's keys (the same keys on a
//                   re-run), then creates the VIDEO asset (its id is the job id) and ends the
//                   job in one transaction, enqueueing the callback there too. A worker killed
//                   mid-render leaves the row PROCESSING; the queue runs it again from scratch.
//   video.callback  POSTs {result, asset_id, job_id} through the SSRF guard (MSS_A signed).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isAppError } from '../../core/errors/index.ts';
import type { GiveUpContext, TaskHelpers } from '../../core/jobs/index.ts';
import { encodeWavPcm16 } from '../../core/media/encode.ts';
import { MediaError } from '../../core/media/errors.ts';
import { decodeMonoPcm } from '../../core/media/pcm.ts';
import { callbackAttempt } from '../../core/net/callback.ts';
import {
  type AvatarPackage,
  type Background,
  capabilityProblem,
  inspectAvatarClip,
  loadAvatarPackage,
  type OverlayLayer,
  phonemesFromPcm,
  RemoteRenderError,
  type RendererCapabilities,
  renderScenes,
  type SceneInput,
} from '../../engines/render/index.ts';
import type { TextOverlay } from '../../engines/render/subtitles-ass.ts';
import { buildCues } from '../../engines/speech/srt.ts';
import { isSpeechError, type PhonemeTiming, type VoiceSpec } from '../../engines/speech/types.ts';
import { AssetsRepo } from '../assets/assets.repo.ts';
import { newAssetRow } from '../assets/assets.service.ts';
import { FilesRepo } from '../assets/files.repo.ts';
import { objectKeyFor } from '../assets/files.rules.ts';
import { MediaUnreadable } from '../assets/index.ts';
import { speechErrorToApp, type VocabularyService } from '../tts/index.ts';
import type { ModuleDeps, TaskDefinition } from '../types.ts';
import { sceneAudioKey } from '../video-scripts/video-scripts.service.ts';
import { speakScene } from './scene-speech.ts';
import { VideoCodes } from './videos.errors.ts';
import { type VideoJobRow, VideosRepo } from './videos.repo.ts';
import {
  humanPlacement,
  layerBox,
  musicVolumeDb,
  outputFormatOf,
  prosodyOfVoice,
  sceneBackground,
  subtitleStyleOf,
  type VideoJobRequest,
} from './videos.rules.ts';
import { VideoTasks } from './videos.service.ts';
import { meterRender } from './videos.usage.ts';

interface JobRef {
  projectId: string;
  jobId: string;
}

export const RENDER_ATTEMPTS = 3;
export const CALLBACK_ATTEMPTS = 5;

/** A failure that retrying cannot fix (a bad input): the job fails at once with this code. */
export class VideoInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'VideoInputError';
  }
}

export interface VideoJobDeps extends ModuleDeps {
  vocabulary: VocabularyService;
  /** Renders at once per worker process (default: half the cores, at least one). */
  renderConcurrency: number;
}

export function videoTasks(deps: VideoJobDeps): TaskDefinition[] {
  return [
    {
      name: VideoTasks.render,
      // Its own queue, capped: one render already keeps ffmpeg busy on every core.
      spec: {
        queue: 'video',
        maxAttempts: RENDER_ATTEMPTS,
        maxConcurrency: deps.renderConcurrency,
        onGiveUp: (p: JobRef, ctx: GiveUpContext) => giveUpRender(deps, p, ctx),
      },
      handler: ((p: JobRef, h: TaskHelpers) => renderJob(deps, p, h)) as TaskDefinition['handler'],
    },
    {
      name: VideoTasks.callback,
      spec: {
        maxAttempts: CALLBACK_ATTEMPTS,
        backoff: (attempt) => Math.min(60_000, 1000 * 4 ** (attempt - 1)),
        onGiveUp: async (p: JobRef) => {
          const repo = new VideosRepo(deps.db);
          const row = await repo.get(p.projectId, p.jobId);
          if (row?.callback_url && row.callback_state !== 'DELIVERED')
            await repo.setCallbackState(p.projectId, p.jobId, 'FAILED');
        },
      },
      handler: ((p: JobRef, h: TaskHelpers) => deliverCallback(deps, p, h)) as TaskDefinition['handler'],
    },
  ];
}

/** A stable 32-hex id derived from the job, so a re-run writes the same rows and objects. */
const derivedId = (jobId: string, what: string): string =>
  createHash('sha256').update(`${jobId}:${what}`).digest('hex').slice(0, 32);

async function renderJob(deps: VideoJobDeps, ref: JobRef, h: TaskHelpers): Promise<void> {
  const { projectId, jobId } = ref;
  const repo = new VideosRepo(deps.db);
  const row = await repo.get(projectId, jobId);
  if (!row) return;
  const now = deps.clock.now();
  if (row.state === 'WAITING') {
    // Conditional: a cancel that got here first wins, and this run stops.
    const started = await repo.transition(
      projectId,
      jobId,
      ['WAITING'],
      { state: 'PROCESSING', start_time: now, progress: 0 },
      now,
    );
    if (!started) return;
  } else if (row.state !== 'PROCESSING') return;

  const work = path.join(deps.tmpDir, `video-${jobId}`);
  await fs.promises.rm(work, { recursive: true, force: true });
  await fs.promises.mkdir(work, { recursive: true });
  let lastProgress = 0;
  const progress = (f: number) => {
    const now = Date.now();
    if (now - lastProgress < 1000 && f < 1) return;
    lastProgress = now;
    repo.setProgress(projectId, jobId, Math.min(0.99, f)).catch(() => {});
    h.heartbeat().catch(() => {});
  };
  // The scratch directory goes before the job is marked ended, so an ended job has none.
  const clean = () => fs.promises.rm(work, { recursive: true, force: true });
  try {
    const request = row.request as unknown as VideoJobRequest;
    const produced = await produce(deps, row, request, work, h.signal, progress);
    await storeOutput(deps, row, request, produced, work, h.signal, clean);
  } catch (e) {
    // Cancelled, shutting down, lease lost: the queue runs the job again; nothing is final yet.
    if (h.signal.aborted) throw e;
    const failure = failureOf(e);
    if (failure.retryable && h.job.attempts < h.job.max_attempts) throw e;
    h.logger.warn({ err: e, projectId, jobId, code: failure.code }, 'video job failed');
    await clean();
    await end(deps, row, { state: 'FAILED', error_code: failure.code, error_msg: failure.message });
  } finally {
    await clean();
  }
}

/**
 * The queue gave up on a render (last attempt failed, or its worker died during it): a job
 * still WAITING or PROCESSING ends FAILED with the reason, its scratch goes, its callback is sent.
 */
async function giveUpRender(deps: VideoJobDeps, ref: JobRef, ctx: GiveUpContext): Promise<void> {
  const row = await new VideosRepo(deps.db).get(ref.projectId, ref.jobId);
  if (!row || (row.state !== 'WAITING' && row.state !== 'PROCESSING')) return;
  ctx.logger.warn({ projectId: ref.projectId, jobId: ref.jobId, reason: ctx.reason }, 'video job given up');
  await fs.promises.rm(path.join(deps.tmpDir, `video-${ref.jobId}`), { recursive: true, force: true });
  await end(
    deps,
    row,
    { state: 'FAILED', error_code: VideoCodes.internal, error_msg: ctx.message },
    undefined,
    ['WAITING', 'PROCESSING'],
  );
}

function failureOf(e: unknown): { code: string; message: string; retryable: boolean } {
  if (e instanceof VideoInputError) return { code: e.code, message: e.message, retryable: false };
  if (isSpeechError(e)) {
    const app = speechErrorToApp(e);
    return { code: app.code, message: app.message, retryable: e.retryable };
  }
  if (isAppError(e)) return { code: e.code, message: e.message, retryable: false };
  if (e instanceof RemoteRenderError)
    return {
      code: VideoCodes.internal,
      message: `The neural renderer did not render the avatar: ${e.reason}`,
      retryable: e.retryable,
    };
  if (e instanceof MediaUnreadable)
    return {
      code: VideoCodes.assetUnusable,
      message: `An input file cannot be read: ${e.reason}`,
      retryable: false,
    };
  // MediaError.reason is path-free; a stderr tail stays in the logs.
  const why = e instanceof MediaError ? e.reason : ((e as Error).message ?? String(e)).split('\n')[0];
  return {
    code: VideoCodes.internal,
    message: `Rendering failed: ${why}`.slice(0, 1000),
    retryable: true,
  };
}

interface Produced {
  file: string;
  durationMs: number;
  format: ReturnType<typeof outputFormatOf>;
}

/** Fetches an asset's MAIN file into the work directory (once per asset per render). */
function assetFetcher(deps: ModuleDeps, projectId: string, work: string, signal: AbortSignal) {
  const cache = new Map<string, Promise<{ path: string; width?: number; height?: number }>>();
  return (assetId: string, field: string) => {
    let p = cache.get(assetId);
    if (!p) {
      p = (async () => {
        const [asset] = await new AssetsRepo(deps.db).visible(projectId, [assetId], deps.clock.now());
        if (asset?.asset_state !== 'ACTIVED')
          throw new VideoInputError(
            'MSS.10001001',
            `${field}: asset ${assetId} is not an active asset of this project`,
          );
        const files = await new AssetsRepo(deps.db).filesOf(asset.project_id, [assetId]);
        const main = files.find((f) => f.asset_file_category === 'MAIN' && f.state === 'CREATED');
        if (!main)
          throw new VideoInputError(VideoCodes.assetUnusable, `${field}: asset ${assetId} has no MAIN file`);
        const local = path.join(
          work,
          `asset-${assetId}.${main.file_type.replace(/[^a-z0-9]/gi, '') || 'bin'}`,
        );
        await download(deps, main.object_key, local, signal);
        const info = await deps.media.inspect(local, { signal }).catch(() => undefined);
        return { path: local, width: info?.width, height: info?.height };
      })();
      cache.set(assetId, p);
    }
    return p;
  };
}

async function download(deps: ModuleDeps, key: string, local: string, signal: AbortSignal): Promise<void> {
  const obj = await deps.objects.get(key);
  if (!obj)
    throw new VideoInputError(VideoCodes.assetUnusable, `a stored file is missing (${path.basename(key)})`);
  await pipeline(obj.body, fs.createWriteStream(local), { signal });
}

/**
 * The avatar of one scene from the neural renderer, or undefined when it failed and the policy
 * is `builtin` (the built-in renderer draws it). With policy `fail` a failure fails the job: at
 * once when retrying cannot help, through the queue's retries when it may.
 */
async function neuralAvatar(
  deps: VideoJobDeps,
  a: {
    renderId: string;
    /** What the service hears: mono PCM (the synthesis, or the recording as decoded for the lips). */
    pcm: { samples: Int16Array; sampleRate: number };
    durationMs: number;
    phonemes: PhonemeTiming[];
    /** The service's capabilities, asked once per job. */
    capabilities: () => Promise<RendererCapabilities>;
    avatarZip: string;
    canvas: { width: number; height: number };
    work: string;
    seed: number;
    signal: AbortSignal;
  },
): Promise<{ path: string; alpha: boolean; decoder?: string } | undefined> {
  const neural = deps.neuralRenderer as NonNullable<VideoJobDeps['neuralRenderer']>;
  const { durationMs, phonemes } = a;
  // The service takes 16-bit mono WAV (a recording is sent as decoded; the video keeps the original).
  const audioPath = path.join(a.work, `${a.renderId}.wav`);
  await fs.promises.writeFile(audioPath, encodeWavPcm16(a.pcm.samples, a.pcm.sampleRate));
  try {
    const problem = capabilityProblem(await a.capabilities(), { durationMs });
    if (problem) throw new RemoteRenderError('rejected', problem);
    const clip = await neural.renderer.render({
      audioPath,
      avatarZipPath: a.avatarZip,
      request: { renderId: a.renderId, ...a.canvas, durationMs, phonemes, seed: a.seed },
      outputPath: path.join(a.work, `${a.renderId}.clip`),
      signal: a.signal,
    });
    return { path: clip.path, ...(await inspectAvatarClip(deps.mediaTools().ffmpeg.path, clip.path)) };
  } catch (e) {
    if (a.signal.aborted) throw e;
    const why = e instanceof MediaError ? e.reason : String((e as Error).message ?? e);
    if (neural.fallback === 'fail') {
      if (e instanceof RemoteRenderError && e.retryable) throw e;
      throw new VideoInputError(VideoCodes.internal, `The neural renderer did not render the avatar: ${why}`);
    }
    deps.logger.warn(
      { err: e, renderId: a.renderId },
      'neural renderer failed; the built-in renderer draws this scene',
    );
    return undefined;
  }
}

/** Mono 16 kHz PCM of an audio file, for the lips (the file itself is what is heard). */
async function decodePcm(deps: ModuleDeps, file: string, signal: AbortSignal): Promise<Int16Array> {
  const samples = await decodeMonoPcm(deps.mediaTools().ffmpeg.path, file, { signal });
  if (!samples)
    throw new VideoInputError(
      VideoCodes.assetUnusable,
      'the scene audio cannot be decoded (MP3, WAV or M4A expected)',
    );
  return samples;
}

async function produce(
  deps: VideoJobDeps,
  row: VideoJobRow,
  req: VideoJobRequest,
  work: string,
  signal: AbortSignal,
  progress: (f: number) => void,
): Promise<Produced> {
  const projectId = row.project_id;
  const fetchAsset = assetFetcher(deps, projectId, work, signal);
  const avatarFile = await fetchAsset(req.model_asset_id, 'model_asset_id');
  let avatar: AvatarPackage;
  try {
    avatar = await loadAvatarPackage(await fs.promises.readFile(avatarFile.path));
  } catch (e) {
    throw new VideoInputError(
      VideoCodes.assetUnusable,
      `model_asset_id: ${req.model_asset_id} is not a usable 2D avatar package: ${(e as Error).message}`,
    );
  }
  const vc = req.video_config;
  const size = { width: vc.width, height: vc.height };
  const voice = (row.voice ?? {}) as unknown as VoiceSpec;
  const prosody = prosodyOfVoice(req.voice_config);
  const vocabulary = vc.is_vocabulary_config_enable ? await deps.vocabulary.entries(projectId) : [];
  const subtitles = vc.is_subtitle_enable === true;

  let capabilities: Promise<RendererCapabilities> | undefined;
  const neuralCapabilities = () =>
    (capabilities ??= (
      deps.neuralRenderer as NonNullable<VideoJobDeps['neuralRenderer']>
    ).renderer.capabilities({
      signal,
    }));

  const scenes: SceneInput[] = [];
  for (const [i, item] of req.shoot_scripts.entries()) {
    const scene = item.shoot_script ?? {};
    const seq = item.sequence_no ?? i;
    const at = `shoot_scripts[${i}]`;
    let input: Pick<SceneInput, 'speech' | 'cues'>;
    let heard: { samples: Int16Array; sampleRate: number; durationMs: number; phonemes: PhonemeTiming[] };
    if ((scene.script_type ?? 'TEXT') === 'AUDIO') {
      const audioPath = path.join(work, `scene-${seq}.audio`);
      await download(deps, sceneAudioKey(projectId, req.script_id ?? '', seq), audioPath, signal);
      const samples = await decodePcm(deps, audioPath, signal);
      heard = {
        samples,
        sampleRate: 16_000,
        durationMs: (samples.length / 16_000) * 1000,
        phonemes: phonemesFromPcm(samples, 16_000),
      };
      input = { speech: { audioPath, durationMs: heard.durationMs, phonemes: heard.phonemes } };
    } else {
      const text = scene.text_config?.text ?? '';
      const { synthesis, original } = await speakScene(deps.speech, {
        text,
        voice,
        prosody,
        vocabulary,
        signal,
      });
      heard = synthesis;
      input = {
        speech: { synthesis },
        ...(subtitles ? { cues: buildCues(synthesis.words, original) } : {}),
      };
    }
    const bg = sceneBackground(scene.background_config);
    let background: Background;
    if ('color' in bg) background = { color: bg.color };
    else {
      const f = await fetchAsset(bg.assetId, `${at}.background_config[0].background_asset_id`);
      background = bg.kind === 'video' ? { video: f.path } : { image: f.path };
    }
    const layers: OverlayLayer[] = [];
    const texts: TextOverlay[] = [];
    for (const [j, l] of (scene.layer_config ?? []).entries()) {
      if (l.layer_type === 'IMAGE' || l.layer_type === 'VIDEO') {
        const f = await fetchAsset(l.asset_id as string, `${at}.layer_config[${j}].asset_id`);
        const box = layerBox(l, { width: f.width ?? 320, height: f.height ?? 180 });
        layers.push({ kind: l.layer_type === 'IMAGE' ? 'image' : 'video', path: f.path, ...box });
      } else if (l.layer_type === 'TEXT') {
        const t = l.text_config ?? {};
        texts.push({
          text: t.text_context ?? '',
          x: l.position?.dx ?? 0,
          y: l.position?.dy ?? 0,
          fontSize: t.font_size && t.font_size > 0 ? t.font_size : 40,
          color: t.font_color ?? '#FFFFFF',
          z: l.position?.layer_index ?? 0,
        });
      }
    }
    const avatarVideo = deps.neuralRenderer
      ? await neuralAvatar(deps, {
          renderId: `${row.job_id}-${seq}`,
          pcm: heard,
          durationMs: heard.durationMs,
          phonemes: heard.phonemes,
          capabilities: neuralCapabilities,
          avatarZip: avatarFile.path,
          canvas: avatar.canvas,
          work,
          seed: Number.parseInt(row.job_id.slice(0, 8), 16) || 1,
          signal,
        })
      : undefined;
    const human = humanPlacement(scene.layer_config, avatar.canvas);
    // CROP: the output is a window onto the avatar's canvas at (dx, dy), at canvas scale.
    const placement =
      vc.clip_mode === 'CROP'
        ? { x: -(vc.dx ?? 0), y: -(vc.dy ?? 0), scale: 1 }
        : human && { x: human.x, y: human.y, scale: human.scale };
    scenes.push({
      ...input,
      background,
      ...(placement ? { placement } : {}),
      ...(human ? { avatarZ: human.z } : {}),
      ...(avatarVideo ? { avatarVideo } : {}),
      ...(layers.length ? { layers } : {}),
      ...(texts.length ? { texts } : {}),
    });
    progress((0.1 * (i + 1)) / req.shoot_scripts.length);
  }

  const musicId = req.background_music_config?.music_asset_id;
  const volumeDb = musicVolumeDb(req.background_music_config?.volume);
  const music =
    musicId && volumeDb !== undefined
      ? { path: (await fetchAsset(musicId, 'background_music_config.music_asset_id')).path, volumeDb }
      : undefined;

  const format = outputFormatOf(vc.codec);
  const out = path.join(work, `output.${format}`);
  const r = await renderScenes(deps.mediaTools(), {
    avatar,
    ...size,
    scenes,
    ...(music ? { music } : {}),
    subtitleStyle: subtitleStyleOf(vc.subtitle_config, size),
    format,
    outputPath: out,
    workDir: work,
    seed: Number.parseInt(row.job_id.slice(0, 8), 16) || 1,
    signal,
    onProgress: (f) => progress(0.1 + 0.85 * f),
    onNotice: (m) => deps.logger.info({ jobId: row.job_id }, m),
  });
  return { file: out, durationMs: r.durationMs, format };
}

const CONTENT_TYPES = { mp4: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime' } as const;

/** Probes the render, stores MAIN + COVER, removes the scratch, then creates the asset and ends the job together. */
async function storeOutput(
  deps: VideoJobDeps,
  row: VideoJobRow,
  req: VideoJobRequest,
  produced: Produced,
  work: string,
  signal: AbortSignal,
  clean: () => Promise<void>,
): Promise<void> {
  const projectId = row.project_id;
  const assetId = row.job_id;
  const info = await deps.media.inspect(produced.file, { signal });
  const cover = path.join(work, 'cover.jpg');
  await deps.media.makeCover(produced.file, cover, { signal });

  const ext = produced.format;
  const mainId = derivedId(row.job_id, 'main');
  const coverId = derivedId(row.job_id, 'cover');
  const mainName = `${req.output_asset_config.asset_name.slice(0, 200).replace(/[/\\]/g, '_')}.${ext}`;
  const mainKey = objectKeyFor(projectId, assetId, mainId, mainName);
  const coverKey = objectKeyFor(projectId, assetId, coverId, 'cover.jpg');
  const mainMeta = await deps.objects.put(mainKey, fs.createReadStream(produced.file), {
    contentType: CONTENT_TYPES[produced.format],
  });
  const coverMeta = await deps.objects.put(coverKey, fs.createReadStream(cover), {
    contentType: 'image/jpeg',
  });
  const videoMeta = {
    ...((info.extraMeta.video_meta ?? {}) as Record<string, unknown>),
    video_transcoding_status: 'SUCCEEDED' as const,
  };
  await clean();
  await end(
    deps,
    row,
    { state: 'SUCCEED', duration_ms: produced.durationMs, asset_id: assetId },
    async (trx) => {
      const assets = new AssetsRepo(trx);
      const now = deps.clock.now();
      // Before the re-run check: a re-run records nothing new (the usage key is the job's).
      await meterRender(
        trx,
        {
          projectId,
          jobId: row.job_id,
          durationMs: produced.durationMs,
          width: req.video_config.width,
          height: req.video_config.height,
          files: [
            { fileId: mainId, size: mainMeta.size },
            { fileId: coverId, size: coverMeta.size },
          ],
        },
        now,
      );
      const [existing] = await assets.visible(projectId, [assetId], now);
      if (existing) return { asset_name: existing.asset_name }; // a re-run after the asset was made
      // Output names need not be unique; asset names are (per type): a taken one gets the job id.
      const base = {
        asset_type: 'VIDEO' as const,
        asset_description: `Rendered by video job ${row.job_id}`,
        system_properties: [{ key: 'CREATED_BY_PLATFORM' as const, value: 'true' }],
        asset_extra_meta: { video_meta: videoMeta },
      };
      let name = req.output_asset_config.asset_name;
      if (await assets.nameTaken(projectId, 'VIDEO', name))
        name = `${[...name].slice(0, 200).join('')}_${row.job_id.slice(0, 8)}`;

      await assets.insert(
        newAssetRow(
          projectId,
          { ...base, asset_name: name },
          {
            appUserId: row.app_user_id ?? undefined,
            now,
            assetId,
            state: 'ACTIVED',
          },
        ),
      );
      await new FilesRepo(trx).insertStoredFiles({
        projectId,
        assetId,
        now,
        files: [
          {
            fileId: mainId,
            fileName: mainName,
            meta: mainMeta,
            fileType: ext,
            category: 'MAIN',
            objectKey: mainKey,
          },
          {
            fileId: coverId,
            fileName: 'cover.jpg',
            meta: coverMeta,
            fileType: 'jpg',
            category: 'COVER',
            objectKey: coverKey,
          },
        ],
      });
      return { asset_name: name };
    },
  );
}

/** Ends the job (and runs `also` in the same transaction), enqueueing its callback. */
async function end(
  deps: VideoJobDeps,
  row: VideoJobRow,
  patch: {
    state: 'SUCCEED' | 'FAILED';
    duration_ms?: number;
    asset_id?: string;
    error_code?: string;
    error_msg?: string;
    asset_name?: string;
  },
  /** Runs first in the transaction; what it returns is added to the patch. */
  also?: (trx: ModuleDeps['db']) => Promise<{ asset_name?: string } | undefined>,
  /** States the job may end from: a render ends a PROCESSING job; a give-up a WAITING one too. */
  from: VideoJobRow['state'][] = ['PROCESSING'],
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const more = also ? await also(trx) : undefined;
    const now = deps.clock.now();
    const ended = await new VideosRepo(trx).transition(
      row.project_id,
      row.job_id,
      from,
      { ...patch, ...more, end_time: now, progress: 1 },
      now,
    );
    if (ended && row.callback_url) {
      await deps.queue.enqueue(
        VideoTasks.callback,
        { projectId: row.project_id, jobId: row.job_id },
        { trx, projectId: row.project_id, jobKey: `video-callback:${row.project_id}:${row.job_id}` },
      );
    }
  });
}

async function deliverCallback(deps: VideoJobDeps, ref: JobRef, h: TaskHelpers): Promise<void> {
  const repo = new VideosRepo(deps.db);
  const row = await repo.get(ref.projectId, ref.jobId);
  if (!row?.callback_url || row.callback_state === 'DELIVERED') return;
  if (row.state !== 'SUCCEED' && row.state !== 'FAILED') return;
  const cfg = (row.request as unknown as VideoJobRequest).callback_config;
  const target = {
    url: row.callback_url,
    authType: cfg?.auth_type ?? ('NONE' as const),
    ...(cfg?.key ? { key: cfg.key } : {}),
  };
  const body = { result: row.state, asset_id: row.asset_id ?? '', job_id: row.job_id };
  await callbackAttempt(target, body, {
    now: deps.clock.now().getTime(),
    allowPrivate: deps.allowPrivateFetch,
    helpers: h,
    what: 'video',
    ref: { projectId: ref.projectId, source: 'video', resourceId: ref.jobId },
    settle: (state) => repo.setCallbackState(ref.projectId, ref.jobId, state),
  });
}
