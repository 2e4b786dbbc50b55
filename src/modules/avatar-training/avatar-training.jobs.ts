// The two training jobs. Payloads carry ids; handlers reload the row and are safe to re-run.
//   avatar-training.review  AUTO_VERIFYING → AUTO_VERIFY_FAILED (reasons in the operation log)
//                           | MANUAL_VERIFYING (review=manual) | WAIT_TRAINING_DATA_PREPROCESS.
//                           Probes the upload and looks for one frontal face in frames sampled
//                           through it (avatar-training.review.ts decides).
//   avatar-training.train   TRAINING_DATA_PREPROCESSING (pick the base frame) → TRAINING (build
//                           the package) → INFERENCE_DATA_PREPROCESSING (check it loads, store
//                           the HUMAN_MODEL_2D asset) → JOB_SUCCESS. Each stage stores what it
//                           made under the job's work/ prefix, so a killed worker resumes at the
//                           stage it was in; a stage that keeps failing ends in its *_FAILED.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { zipSync } from 'fflate';
import type { GiveUpContext, TaskHelpers } from '../../core/jobs/index.ts';
import {
  extractFrame,
  isMediaError,
  type MediaInfo,
  probeMedia,
  type RgbaImage,
  sampleTimes,
} from '../../core/media/index.ts';
import { wireTime } from '../../core/util/time.ts';
import {
  createFaceAnalyzer,
  type DetectedFace,
  type FaceAnalyzer,
  measureFace,
} from '../../engines/face/index.ts';
import { loadAvatarPackage } from '../../engines/render/index.ts';
import { AssetsRepo, FilesRepo, newAssetRow, objectKeyFor } from '../assets/index.ts';
import type { ModuleDeps, TaskDefinition } from '../types.ts';
import { buildAvatarPackage } from './avatar-build.ts';
import { TrainingCodes } from './avatar-training.errors.ts';
import { AvatarTrainingRepo, type OperationLog, type TrainingJobRow } from './avatar-training.repo.ts';
import {
  frameProblem,
  modelResolution,
  reviewSampleCount,
  reviewUpload,
  type SampledFrame,
} from './avatar-training.review.ts';
import {
  STAGES,
  type TrainingOptions,
  type TrainingState,
  type Uploads,
  workKey,
} from './avatar-training.rules.ts';
import { TrainingTasks } from './avatar-training.service.ts';

interface JobRef {
  projectId: string;
  jobId: string;
}

export const REVIEW_ATTEMPTS = 3;
export const TRAIN_ATTEMPTS = 3;
/** Frames are analysed with their longest side at this size (the detector works at 512 anyway). */
const ANALYSIS_SIDE = 960;
/** The avatar's canvas: the frame with its longest side at most this. */
const CANVAS_SIDE = 1920;
/** Frames the training compares to pick its base frame. */
const TRAIN_SAMPLES = 12;

export function trainingTasks(deps: ModuleDeps): TaskDefinition[] {
  return [
    {
      name: TrainingTasks.review,
      spec: {
        queue: 'modeling',
        maxAttempts: REVIEW_ATTEMPTS,
        maxConcurrency: 1,
        onGiveUp: (p: JobRef, ctx: GiveUpContext) => failReview(deps, p, [ctx.message]),
      },
      handler: ((p: JobRef, h: TaskHelpers) => reviewJob(deps, p, h)) as TaskDefinition['handler'],
    },
    {
      name: TrainingTasks.train,
      spec: {
        queue: 'modeling',
        maxAttempts: TRAIN_ATTEMPTS,
        maxConcurrency: 1,
        onGiveUp: (p: JobRef, ctx: GiveUpContext) =>
          failTraining(deps, p, ctx.message, TrainingCodes.internal),
      },
      handler: ((p: JobRef, h: TaskHelpers) => trainJob(deps, p, h)) as TaskDefinition['handler'],
    },
  ];
}

const sysLog = (deps: ModuleDeps, type: string, extra: Partial<OperationLog> = {}): OperationLog => ({
  operate_time: wireTime(deps.clock.now()),
  log_type: type,
  operate_user: 'SYSTEM',
  ...extra,
});

const derivedId = (jobId: string, what: string): string =>
  createHash('sha256').update(`${jobId}:${what}`).digest('hex').slice(0, 32);

/** A dashed UUID derived from the job (file ids look like UUIDs, §2.3). */
const derivedFileId = (jobId: string, what: string): string => {
  const h = derivedId(jobId, what);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/** A problem with the upload itself: retrying cannot help, the job fails at once. */
class UploadUnusable extends Error {}

async function download(deps: ModuleDeps, key: string, file: string, signal: AbortSignal): Promise<void> {
  const got = await deps.objects.get(key);
  if (!got) throw new UploadUnusable('the uploaded file is no longer stored');
  await pipeline(got.body, fs.createWriteStream(file), { signal });
}

const toRgb = (img: RgbaImage): Uint8Array => {
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, j = 0; i < img.data.length; i += 4) {
    rgb[j++] = img.data[i]!;
    rgb[j++] = img.data[i + 1]!;
    rgb[j++] = img.data[i + 2]!;
  }
  return rgb;
};

async function detectAt(
  deps: ModuleDeps,
  analyzer: FaceAnalyzer,
  file: string,
  atSec: number,
  maxSide: number,
  signal: AbortSignal,
): Promise<{ image: RgbaImage; faces: DetectedFace[] } | undefined> {
  let image: RgbaImage;
  try {
    image = await extractFrame(deps.mediaTools(), { input: file, atSec, maxSide }, { signal });
  } catch (e) {
    if (isMediaError(e) && e.code === 'UNDECODABLE') return undefined; // no frame there
    throw e;
  }
  const faces = await analyzer.detect({ width: image.width, height: image.height, rgb: toRgb(image) });
  return { image, faces };
}

/** Samples frames through the upload and finds the faces in each. */
async function sampleFaces(
  deps: ModuleDeps,
  file: string,
  info: MediaInfo,
  count: number,
  h: TaskHelpers,
  onFrame: (done: number) => void,
): Promise<SampledFrame[]> {
  const analyzer = createFaceAnalyzer();
  try {
    const times = info.image ? [0] : sampleTimes(info.durationSec ?? 0, count);
    const frames: SampledFrame[] = [];
    for (const [i, t] of times.entries()) {
      h.signal.throwIfAborted();
      const got = await detectAt(deps, analyzer, file, t, ANALYSIS_SIDE, h.signal);
      if (got) frames.push({ atSec: t, width: got.image.width, height: got.image.height, faces: got.faces });
      onFrame(i + 1);
      await h.heartbeat();
    }
    return frames;
  } finally {
    await analyzer.close();
  }
}

async function probeUpload(deps: ModuleDeps, file: string, signal: AbortSignal): Promise<MediaInfo> {
  try {
    return await probeMedia(deps.mediaTools(), file, { signal });
  } catch (e) {
    if (isMediaError(e) && ['EMPTY', 'UNDECODABLE', 'NO_STREAMS', 'MISLABELLED'].includes(e.code))
      throw new UploadUnusable(`The training video cannot be read: ${e.reason}`);
    throw e;
  }
}

function workDir(deps: ModuleDeps, kind: string, jobId: string): string {
  return path.join(deps.tmpDir, `avatar-${kind}-${jobId}`);
}

// ── review ───────────────────────────────────────────────────────────────

/** Ends a review in AUTO_VERIFY_FAILED with its reasons (a no-op once the job left AUTO_VERIFYING). */
async function failReview(deps: ModuleDeps, ref: JobRef, reasons: string[], facts?: unknown): Promise<void> {
  const text = reasons.join(' ');
  await new AvatarTrainingRepo(deps.db).transition(
    ref.projectId,
    ref.jobId,
    ['AUTO_VERIFYING'],
    {
      state: 'AUTO_VERIFY_FAILED',
      review: { reasons, ...(facts ? { facts } : {}) },
      error_code: TrainingCodes.verifyFailed,
      error_msg: text.slice(0, 1000),
    },
    deps.clock.now(),
    sysLog(deps, 'SYSTEM_VERIFY_FAILED', {
      log_description: text.slice(0, 2000),
      error_code: TrainingCodes.verifyFailed,
    }),
  );
}

async function reviewJob(deps: ModuleDeps, ref: JobRef, h: TaskHelpers): Promise<void> {
  const { projectId, jobId } = ref;
  const repo = new AvatarTrainingRepo(deps.db);
  const row = await repo.get(projectId, jobId);
  if (row?.state !== 'AUTO_VERIFYING') return;
  const uploads = row.uploads as Uploads;
  const o = row.options as unknown as TrainingOptions;
  const work = workDir(deps, 'review', jobId);
  await fs.promises.rm(work, { recursive: true, force: true });
  await fs.promises.mkdir(work, { recursive: true });
  const fail = (reasons: string[], facts?: unknown) => failReview(deps, ref, reasons, facts);
  try {
    const file = path.join(work, 'upload');
    await download(deps, uploads.training_video?.key ?? '', file, h.signal);
    const info = await probeUpload(deps, file, h.signal);
    const count = reviewSampleCount(info);
    const frames = await sampleFaces(deps, file, info, count, h, (n) => {
      repo.setProgress(projectId, jobId, 'AUTO_VERIFYING', n / (count + 1)).catch(() => {});
    });
    const { reasons, facts } = reviewUpload({ info, audioSource: o.audio_source_type, frames });
    if (reasons.length > 0) {
      await fail(reasons, facts);
      return;
    }
    const manual = deps.modelingReview === 'manual';
    await deps.db.transaction().execute(async (trx) => {
      const moved = await new AvatarTrainingRepo(trx).transition(
        projectId,
        jobId,
        ['AUTO_VERIFYING'],
        {
          state: manual ? 'MANUAL_VERIFYING' : 'WAIT_TRAINING_DATA_PREPROCESS',
          review: { reasons: [], facts },
          model_resolution: modelResolution(info),
          progress: 0,
        },
        deps.clock.now(),
        sysLog(deps, 'SYSTEM_VERIFY_SUCCESS', {
          log_description: `${facts.kind}: one face in ${facts.framesWithOneFace} of ${facts.framesSampled} frames sampled`,
        }),
      );
      if (moved && !manual)
        await deps.queue.enqueue(TrainingTasks.train, ref, {
          trx,
          projectId,
          jobKey: `${TrainingTasks.train}:${projectId}:${jobId}`,
        });
    });
  } catch (e) {
    if (h.signal.aborted) throw e;
    if (e instanceof UploadUnusable) {
      await fail([e.message]);
      return;
    }
    if (h.job.attempts < h.job.max_attempts) throw e;
    h.logger.warn({ err: e, projectId, jobId }, 'training review failed');
    await fail([
      `The review could not run: ${(e as Error).message?.split('\n')[0] ?? String(e)}`.slice(0, 500),
    ]);
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}

// ── training ─────────────────────────────────────────────────────────────

interface Analysis {
  atSec: number;
  kind: 'video' | 'photo';
}

async function readJson<T>(deps: ModuleDeps, key: string): Promise<T | undefined> {
  const got = await deps.objects.get(key);
  if (!got) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of got.body) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

/** How good a sampled frame is as the avatar's resting face: frontal, eyes open, lips closed. */
export function restingScore(f: SampledFrame): number {
  if (frameProblem(f)) return Number.NEGATIVE_INFINITY;
  const face = f.faces.find((x) => x.score >= 0.5)!;
  const m = measureFace(face);
  return (
    -2 * m.yaw - Math.abs(m.rollDeg) / 45 + Math.min(m.eyeOpen, 0.35) * 3 - m.mouthOpen * 4 + face.score * 0.2
  );
}

async function trainJob(deps: ModuleDeps, ref: JobRef, h: TaskHelpers): Promise<void> {
  const { projectId, jobId } = ref;
  const repo = new AvatarTrainingRepo(deps.db);
  let row = await repo.get(projectId, jobId);
  if (!row) return;
  const now = () => deps.clock.now();
  if (row.state === 'WAIT_TRAINING_DATA_PREPROCESS') {
    const moved = await repo.transition(
      projectId,
      jobId,
      ['WAIT_TRAINING_DATA_PREPROCESS'],
      { state: 'TRAINING_DATA_PREPROCESSING', progress: 0 },
      now(),
      sysLog(deps, 'SYSTEM_TRAIN_DATA_PREPROCESSING'),
    );
    if (!moved) return;
    row = (await repo.get(projectId, jobId)) as TrainingJobRow;
  }
  const stage = STAGES.findIndex((s) => s.running === row!.state || s.done === row!.state);
  if (stage < 0 || row.state === 'JOB_SUCCESS') return;
  const work = workDir(deps, 'train', jobId);
  await fs.promises.rm(work, { recursive: true, force: true });
  await fs.promises.mkdir(work, { recursive: true });
  let current: TrainingState = row.state as TrainingState;
  // Killed between a stage's end and the next one's start: start the next one now.
  const between = STAGES.findIndex((s) => s.done === current && s.done !== 'JOB_SUCCESS');
  if (between >= 0) {
    const next = STAGES[between + 1]!.running;
    await repo.transition(projectId, jobId, [current], { state: next }, now());
    current = next;
  }
  try {
    const file = path.join(work, 'upload');
    await download(deps, (row.uploads as Uploads).training_video?.key ?? '', file, h.signal);
    const progress = (f: number) => {
      repo.setProgress(projectId, jobId, current, Math.min(0.99, f)).catch(() => {});
    };
    // Stage 1: pick the base frame.
    const analysisKey = workKey(projectId, jobId, 'analysis.json');
    let analysis = await readJson<Analysis>(deps, analysisKey);
    if (current === 'TRAINING_DATA_PREPROCESSING') {
      if (!analysis) {
        const info = await probeUpload(deps, file, h.signal);
        const frames = await sampleFaces(deps, file, info, info.image ? 1 : TRAIN_SAMPLES, h, (n) =>
          progress((n / TRAIN_SAMPLES) * 0.4),
        );
        const best = [...frames].sort((a, b) => restingScore(b) - restingScore(a))[0];
        if (!best || restingScore(best) === Number.NEGATIVE_INFINITY)
          throw new UploadUnusable('No frame with one frontal face was found to build the avatar from.');
        analysis = { atSec: best.atSec, kind: info.image ? 'photo' : 'video' };
        await deps.objects.put(analysisKey, Buffer.from(JSON.stringify(analysis)), {
          contentType: 'application/json',
        });
      }
      current = await advance(deps, row, 0, 'SYSTEM_TRAIN_DATA_PREPROCESS_SUCCESS', 'SYSTEM_TRAINING');
    }
    if (!analysis) throw new Error('the training data analysis is missing');
    // Stage 2: build the package from the base frame at full size.
    const packageKey = workKey(projectId, jobId, 'package.zip');
    if (current === 'TRAINING') {
      progress(0.45);
      const analyzer = createFaceAnalyzer();
      let built: ReturnType<typeof buildAvatarPackage>;
      try {
        const got = await detectAt(deps, analyzer, file, analysis.atSec, CANVAS_SIDE, h.signal);
        const face = got?.faces.filter((f) => f.score >= 0.5).sort((a, b) => b.box.width - a.box.width)[0];
        if (!got || !face) throw new UploadUnusable('The face could not be found again in the chosen frame.');
        progress(0.6);
        built = buildAvatarPackage(row.name, got.image, face.landmarks);
      } finally {
        await analyzer.close();
      }
      const zip = zipSync(Object.fromEntries([...built.files].map(([k, v]) => [k, new Uint8Array(v)])), {
        level: 0,
      });
      await deps.objects.put(packageKey, Buffer.from(zip), { contentType: 'application/zip' });
      progress(0.75);
      current = await advance(deps, row, 1, 'SYSTEM_TRAIN_SUCCESS', 'SYSTEM_INFERENCE_DATA_PREPROCESSING');
    }
    // Stage 3: check the package loads like any avatar, then store the asset.
    if (current === 'INFERENCE_DATA_PREPROCESSING') {
      const zipFile = path.join(work, 'avatar.zip');
      await download(deps, packageKey, zipFile, h.signal);
      const pkg = await loadAvatarPackage(await fs.promises.readFile(zipFile));
      const basePng = path.join(work, 'base.png');
      await fs.promises.writeFile(basePng, pkg.base.png);
      const cover = path.join(work, 'cover.jpg');
      await deps.media.makeCover(basePng, cover, { signal: h.signal });
      progress(0.9);
      await storeAsset(deps, row, { zipFile, cover, canvas: pkg.canvas, kind: analysis.kind });
    }
  } catch (e) {
    if (h.signal.aborted) throw e;
    const unusable = e instanceof UploadUnusable;
    if (!unusable && h.job.attempts < h.job.max_attempts) throw e;
    h.logger.warn({ err: e, projectId, jobId, state: current }, 'avatar training failed');
    const msg = (
      unusable ? (e as Error).message : `Training failed: ${(e as Error).message?.split('\n')[0]}`
    ).slice(0, 1000);
    await failTraining(deps, ref, msg, unusable ? TrainingCodes.trainFailed : TrainingCodes.internal);
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}

/** Ends the training in the failure state of the stage it is in (a no-op once it ended). */
async function failTraining(deps: ModuleDeps, ref: JobRef, msg: string, code: string): Promise<void> {
  const repo = new AvatarTrainingRepo(deps.db);
  const row = await repo.get(ref.projectId, ref.jobId);
  if (!row) return;
  const state = row.state === 'WAIT_TRAINING_DATA_PREPROCESS' ? 'TRAINING_DATA_PREPROCESSING' : row.state;
  const s = STAGES.find((x) => x.running === state || (x.done === state && x.done !== 'JOB_SUCCESS'));
  if (!s) return;
  await repo.transition(
    ref.projectId,
    ref.jobId,
    [row.state as TrainingState],
    { state: s.failed, error_code: code, error_msg: msg.slice(0, 1000) },
    deps.clock.now(),
    sysLog(deps, s.failLog, { log_description: msg.slice(0, 2000), error_code: code }),
  );
}

/** Marks stage `i` done and starts the next one (its logs: done, then started). */
async function advance(
  deps: ModuleDeps,
  row: TrainingJobRow,
  i: number,
  doneLog: string,
  nextLog: string,
): Promise<TrainingState> {
  const repo = new AvatarTrainingRepo(deps.db);
  const s = STAGES[i]!;
  const next = STAGES[i + 1]!;
  await repo.transition(
    row.project_id,
    row.job_id,
    [s.running],
    { state: s.done },
    deps.clock.now(),
    sysLog(deps, doneLog),
  );
  await repo.transition(
    row.project_id,
    row.job_id,
    [s.done],
    { state: next.running },
    deps.clock.now(),
    sysLog(deps, nextLog),
  );
  return next.running;
}

/** Creates the HUMAN_MODEL_2D asset (its id derived from the job) and ends the job, in one transaction. */
async function storeAsset(
  deps: ModuleDeps,
  row: TrainingJobRow,
  out: { zipFile: string; cover: string; canvas: { width: number; height: number }; kind: 'video' | 'photo' },
): Promise<void> {
  const projectId = row.project_id;
  const assetId = derivedId(row.job_id, 'asset');
  const mainId = derivedFileId(row.job_id, 'main');
  const coverId = derivedFileId(row.job_id, 'cover');
  const mainKey = objectKeyFor(projectId, assetId, mainId, 'avatar.zip');
  const coverKey = objectKeyFor(projectId, assetId, coverId, 'cover.jpg');
  const mainMeta = await deps.objects.put(mainKey, fs.createReadStream(out.zipFile), {
    contentType: 'application/zip',
  });
  const coverMeta = await deps.objects.put(coverKey, fs.createReadStream(out.cover), {
    contentType: 'image/jpeg',
  });
  const o = row.options as unknown as TrainingOptions;
  await deps.db.transaction().execute(async (trx) => {
    const assets = new AssetsRepo(trx);
    const now = deps.clock.now();
    const [existing] = await assets.visible(projectId, [assetId], now);
    if (!existing) {
      let name = row.name;
      if (await assets.nameTaken(projectId, 'HUMAN_MODEL_2D', name))
        name = `${[...name].slice(0, 200).join('')}_${row.job_id.slice(0, 8)}`;
      await assets.insert(
        newAssetRow(
          projectId,
          {
            asset_name: name,
            asset_type: 'HUMAN_MODEL_2D',
            asset_description: `Modeled from a ${out.kind} by training job ${row.job_id}`,
            tags: row.tags,
            system_properties: [{ key: 'CREATED_BY_PLATFORM', value: 'true' }],
            supported_service: o.supported_service,
            asset_extra_meta: {
              human_model_2d_meta: {
                is_action_editable: false,
                is_live_copy: o.is_live_copy,
                is_real_background: true,
                support_live: o.supported_service.includes('LIVE_2D'),
                model_resolution: `${out.canvas.width}x${out.canvas.height}`,
                is_with_action_library: false,
                is_flexus: o.is_flexus,
              },
            },
          },
          { appUserId: row.app_user_id ?? undefined, now, assetId, state: 'ACTIVED' },
        ),
      );
      await new FilesRepo(trx).insertStoredFiles({
        projectId,
        assetId,
        now,
        files: [
          {
            fileId: mainId,
            fileName: 'avatar.zip',
            meta: mainMeta,
            fileType: 'zip',
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
    }
    const repo = new AvatarTrainingRepo(trx);
    await repo.transition(
      projectId,
      row.job_id,
      ['INFERENCE_DATA_PREPROCESSING'],
      { state: 'JOB_SUCCESS', asset_id: assetId, progress: 1 },
      now,
      sysLog(deps, 'SYSTEM_JOB_SUCCESS'),
    );
  });
}
