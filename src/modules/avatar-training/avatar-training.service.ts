// 2D avatar training jobs: create (upload URLs), show, list, update (new URLs after a failed
// review), delete (uploads and the model asset go too) and the user's commands. The review
// and the training themselves are queue jobs (avatar-training.jobs.ts); this file only moves
// the job into the states that start them, enqueueing in the same transaction.
import type { OperationTypes } from '../../contract/generated/types.ts';
import type { Db } from '../../core/db/index.ts';
import { isAppError } from '../../core/errors/index.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import { AssetsRepo, AssetsService, parseWireTime } from '../assets/index.ts';
import type { ModuleDeps } from '../types.ts';
import { AvatarTrainingErrors } from './avatar-training.errors.ts';
import { AvatarTrainingRepo, type OperationLog, type TrainingJobRow } from './avatar-training.repo.ts';
import {
  checkCreate,
  checkUpdate,
  DELETABLE,
  ENDED,
  jobPrefix,
  parseStateFilter,
  stateGroup,
  type TrainingOptions,
  type TrainingState,
  UPDATABLE,
  UPLOADING,
  type UploadSlot,
  type Uploads,
} from './avatar-training.rules.ts';
import { abortUploads, DOWNLOAD_URL_TTL_SEC, issueUploads, isUploaded } from './avatar-training.uploads.ts';

type Types = OperationTypes;
type CommandBody = Types['Execute2dModelTrainingCommandByUser']['body'];
type CommandResult = Types['Execute2dModelTrainingCommandByUser']['response'];

export const TrainingTasks = {
  /** Reviews the uploads of a submitted job; payload {projectId, jobId}. */
  review: 'avatar-training.review',
  /** Builds the avatar package of a reviewed job; payload {projectId, jobId}. */
  train: 'avatar-training.train',
} as const;

const log = (
  now: Date,
  type: string,
  user: OperationLog['operate_user'],
  extra: Partial<OperationLog> = {},
): OperationLog => ({ operate_time: wireTime(now), log_type: type, operate_user: user, ...extra });

const SUCCESS: CommandResult = { commond_result: 'EXCUTE_SUCCESS' };
const failed = (msg: string): CommandResult => ({ commond_result: 'EXCUTE_FAILED', excute_failed_msg: msg });

export class AvatarTrainingService {
  constructor(private readonly deps: ModuleDeps) {}

  private repo(db: Db = this.deps.db): AvatarTrainingRepo {
    return new AvatarTrainingRepo(db);
  }

  private async job(projectId: string, jobId: string): Promise<TrainingJobRow> {
    const row = await this.repo().get(projectId, jobId);
    if (!row) throw AvatarTrainingErrors.jobNotFound(jobId);
    return row;
  }

  private requireState(row: TrainingJobRow, allowed: readonly TrainingState[], what: string): void {
    if (!allowed.includes(row.state as TrainingState))
      throw AvatarTrainingErrors.wrongState(row.job_id, row.state, what, allowed);
  }

  async create(projectId: string, body: Types['Create2dModelTrainingJob']['body'], appUserId?: string) {
    const c = checkCreate(body);
    const jobId = newId();
    const now = this.deps.clock.now();
    const { uploads, urls } = await issueUploads(this.deps.objects, {
      projectId,
      jobId,
      round: 1,
      options: c.options,
    });
    try {
      await this.repo().insert({
        project_id: projectId,
        job_id: jobId,
        name: c.name,
        contact: c.contact,
        state: 'WAIT_FILE_UPLOAD',
        batch_name: c.batchName,
        tags: JSON.stringify(c.tags),
        options: JSON.stringify(c.options),
        uploads: JSON.stringify(uploads),
        review: null,
        model_resolution: null,
        asset_id: null,
        error_code: null,
        error_msg: null,
        operation_logs: JSON.stringify([log(now, 'USER_CREATE_JOD', 'USER')]),
        app_user_id: appUserId ?? null,
        create_time: now,
        update_time: now,
      });
    } catch (e) {
      await abortUploads(this.deps.objects, uploads).catch(() => {});
      throw e;
    }
    return { job_id: jobId, ...urls };
  }

  async update(projectId: string, jobId: string, body: Types['Update2dModelTrainingJob']['body']) {
    const row = await this.job(projectId, jobId);
    this.requireState(row, UPDATABLE, 'update');
    const next = checkUpdate(body, {
      name: row.name,
      contact: row.contact,
      batchName: row.batch_name,
      tags: row.tags,
      options: row.options as unknown as TrainingOptions,
    });
    const round = row.upload_round + 1;
    const { uploads, urls } = await issueUploads(this.deps.objects, {
      projectId,
      jobId,
      round,
      options: next.options,
    });
    const now = this.deps.clock.now();
    const moved = await this.repo().transition(
      projectId,
      jobId,
      UPDATABLE,
      {
        state: 'WAIT_FILE_UPLOAD',
        name: next.name,
        contact: next.contact,
        batch_name: next.batchName,
        tags: next.tags,
        options: next.options as unknown as Record<string, unknown>,
        uploads: uploads as Record<string, unknown>,
        upload_round: round,
        review: null,
        error_code: null,
        error_msg: null,
      },
      now,
      log(now, 'USER_UPDATE_VIDEO', 'USER'),
    );
    if (!moved) {
      await abortUploads(this.deps.objects, uploads).catch(() => {});
      throw AvatarTrainingErrors.wrongState(
        jobId,
        (await this.job(projectId, jobId)).state,
        'update',
        UPDATABLE,
      );
    }
    // The earlier round's files are no longer the job's: a resubmission reviews only new ones.
    await this.dropRound(row).catch((err) =>
      this.deps.logger.warn({ err, projectId, jobId }, 'removing an old upload round failed'),
    );
    return { job_id: jobId, ...urls };
  }

  private async dropRound(row: TrainingJobRow): Promise<void> {
    await abortUploads(this.deps.objects, row.uploads as Uploads);
    await this.deps.objects.deletePrefix(
      `${jobPrefix(row.project_id, row.job_id)}upload-${row.upload_round}/`,
    );
  }

  async delete(projectId: string, jobId: string): Promise<void> {
    const row = await this.job(projectId, jobId);
    this.requireState(row, DELETABLE, 'delete');
    const assets = new AssetsService(this.deps);
    let assetGone = false;
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.repo(trx).delete(projectId, jobId, DELETABLE)))
        throw AvatarTrainingErrors.wrongState(
          jobId,
          (await this.job(projectId, jobId)).state,
          'delete',
          DELETABLE,
        );
      if (row.asset_id) {
        const repo = new AssetsRepo(trx);
        const [asset] = await repo.visible(projectId, [row.asset_id], this.deps.clock.now());
        if (asset && asset.project_id === projectId) {
          await assets.finalizeDeletion(repo, trx, projectId, row.asset_id);
          assetGone = true;
        }
      }
    });
    await abortUploads(this.deps.objects, row.uploads as Uploads).catch(() => {});
    await this.deps.objects.deletePrefix(jobPrefix(projectId, jobId));
    if (assetGone && row.asset_id) await assets.deleteObjectsNow(projectId, row.asset_id);
  }

  async show(projectId: string, jobId: string): Promise<Types['Show2dModelTrainingJob']['response']> {
    const row = await this.job(projectId, jobId);
    const uploads = row.uploads as Uploads;
    const url = async (slot: UploadSlot) => {
      const rec = uploads[slot];
      if (!(await isUploaded(this.deps.objects, rec))) return undefined;
      return this.deps.objects.presignGet(rec!.key, { expiresInSec: DOWNLOAD_URL_TTL_SEC });
    };
    const entries: Array<[string, UploadSlot]> = [
      ['training_video_download_url', 'training_video'],
      ['action_video_download_url', 'action_video'],
      ['audio_file_download_url', 'audio'],
      ['id_card_image1_download_url', 'id_card_image1'],
      ['id_card_image2_download_url', 'id_card_image2'],
      ['grant_file_download_url', 'grant_file'],
    ];
    const downloads: Record<string, string> = {};
    for (const [field, slot] of entries) {
      const u = await url(slot);
      if (u) downloads[field] = u;
    }
    return {
      ...(await this.basic(row)),
      ...downloads,
      operation_logs: row.operation_logs as never,
      audio_source_type: (row.options as unknown as TrainingOptions).audio_source_type,
      supported_service: (row.options as unknown as TrainingOptions).supported_service,
      ...((row.options as unknown as TrainingOptions).voice_properties
        ? { voice_properties: (row.options as unknown as TrainingOptions).voice_properties }
        : {}),
    } as Types['Show2dModelTrainingJob']['response'];
  }

  /** The TrainingJobBasicInfo part (list entries and the head of show). */
  private async basic(row: TrainingJobRow) {
    const o = row.options as unknown as TrainingOptions;
    const cover = await this.coverUrl(row);
    return {
      job_id: row.job_id,
      name: row.name,
      state: row.state as TrainingState,
      ...(row.asset_id ? { asset_id: row.asset_id } : {}),
      project_id: row.project_id,
      ...(cover ? { cover_download_url: cover } : {}),
      last_update_time: wireTime(row.update_time),
      create_time: wireTime(row.create_time),
      ...(row.contact !== null ? { contact: row.contact } : {}),
      ...(row.batch_name !== null ? { batch_name: row.batch_name } : {}),
      tags: row.tags,
      model_version: o.model_version,
      ...(row.model_resolution ? { model_resolution: row.model_resolution } : {}),
      ...(row.app_user_id ? { app_user_id: row.app_user_id } : {}),
      is_flexus: o.is_flexus,
      is_live_copy: o.is_live_copy,
      is_fast_flexus: o.is_fast_flexus,
      is_only_human_model: o.is_only_human_model,
      is_background_replacement: o.is_background_replacement,
      is_ondemand_resource: o.is_ondemand_resource,
      state_group: stateGroup(row.state as TrainingState),
      progress: Math.round((row.state === 'JOB_SUCCESS' ? 1 : row.progress) * 100),
    };
  }

  /** The uploaded cover, else (after training) the avatar's preview. */
  private async coverUrl(row: TrainingJobRow): Promise<string | undefined> {
    const rec = (row.uploads as Uploads).cover;
    if (await isUploaded(this.deps.objects, rec))
      return this.deps.objects.presignGet(rec!.key, { expiresInSec: DOWNLOAD_URL_TTL_SEC });
    if (row.asset_id) {
      const files = await new AssetsRepo(this.deps.db).filesOf(row.project_id, [row.asset_id]);
      const c = files.find((f) => f.asset_file_category === 'COVER' && f.state === 'CREATED');
      if (c) return this.deps.objects.presignGet(c.object_key, { expiresInSec: DOWNLOAD_URL_TTL_SEC });
    }
    return undefined;
  }

  async list(projectId: string, q: Types['List2dModelTrainingJob']['query']) {
    const time = (field: string, v: string | undefined) => (v ? parseWireTime(field, v) : undefined);
    const sortKey = q.sort_key ?? 'create_time';
    if (sortKey !== 'create_time' && sortKey !== 'update_time')
      throw AvatarTrainingErrors.invalid('sort_key must be create_time or update_time');
    const sortDir = q.sort_dir ?? 'desc';
    if (sortDir !== 'asc' && sortDir !== 'desc')
      throw AvatarTrainingErrors.invalid('sort_dir must be asc or desc');
    if (q.query_project_id !== undefined && q.query_project_id !== '' && q.query_project_id !== projectId)
      throw AvatarTrainingErrors.invalid('query_project_id: only your own project can be listed');
    const spec = {
      offset: q.offset ?? 0,
      limit: q.limit ?? 10,
      states: parseStateFilter(q.state),
      sortKey: sortKey as 'create_time' | 'update_time',
      sortDir: sortDir as 'asc' | 'desc',
      createSince: time('create_since', q.create_since),
      createUntil: time('create_until', q.create_until),
      updateSince: time('update_since', q.update_since),
      updateUntil: time('update_until', q.update_until),
      ...(q.batch_name ? { batchName: q.batch_name } : {}),
      ...(q.tag ? { tag: q.tag } : {}),
      ...(q.job_id ? { jobId: q.job_id } : {}),
      ...(q.name ? { name: q.name } : {}),
      ...(q.is_flexus !== undefined ? { isFlexus: q.is_flexus } : {}),
    };
    const repo = this.repo();
    const [count, rows] = await Promise.all([repo.count(projectId, spec), repo.page(projectId, spec)]);
    const jobs = [];
    for (const r of rows) jobs.push(await this.basic(r));
    return { count, jobs } as Types['List2dModelTrainingJob']['response'];
  }

  // ── commands ───────────────────────────────────────────────────────────

  async command(projectId: string, jobId: string, body: CommandBody): Promise<CommandResult> {
    const row = await this.job(projectId, jobId);
    switch (body.command) {
      case 'SUBMITVERIFYING':
        return this.submit(row);
      case 'GET_MULTIPART_UPLOADED':
        return this.listParts(row, 'training_video');
      case 'GET_ACTION_VIDEO_MULTIPART_UPLOADED':
        return this.listParts(row, 'action_video');
      case 'CONFIRM_MULTIPART_UPLOADED':
        return this.completeParts(row, 'training_video');
      case 'CONFIRM_ACTION_VIDEO_MULTIPART_UPLOADED':
        return this.completeParts(row, 'action_video');
      case 'CONFIRM_AUTHORIZATION_LETTER': {
        this.requireState(row, UPLOADING, body.command);
        if (!(await isUploaded(this.deps.objects, (row.uploads as Uploads).grant_file)))
          return failed('the authorisation letter (grant_file_upload_url) has not been uploaded');
        return SUCCESS;
      }
      case 'DELETE_JOB_VIDEO':
        return this.deleteVideo(row);
      default:
        // CONFIRM_ACCEPT / REJECT / PENDING / ACTIVE / ANSWER and CONFIRM_REPAIR answer the
        // whitelist's WAIT_USER_CONFIRM and repair steps, which Doppel's jobs never reach.
        throw AvatarTrainingErrors.wrongState(jobId, row.state, body.command, ['WAIT_USER_CONFIRM']);
    }
  }

  private async submit(row: TrainingJobRow): Promise<CommandResult> {
    this.requireState(row, UPLOADING, 'SUBMITVERIFYING');
    const uploads = row.uploads as Uploads;
    const o = row.options as unknown as TrainingOptions;
    if (!(await isUploaded(this.deps.objects, uploads.training_video)))
      throw AvatarTrainingErrors.missingUpload(
        uploads.training_video?.upload_id
          ? 'the training video (its parts are not confirmed with CONFIRM_MULTIPART_UPLOADED)'
          : 'the training video (training_video_upload_url)',
      );
    if (o.audio_source_type === 'AUDIO' && !(await isUploaded(this.deps.objects, uploads.audio)))
      throw AvatarTrainingErrors.missingUpload(
        'the audio zip (audio_upload_url; audio_source_type is AUDIO)',
      );
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const moved = await this.repo(trx).transition(
        row.project_id,
        row.job_id,
        UPLOADING,
        { state: 'AUTO_VERIFYING', progress: 0, review: null },
        now,
        log(now, 'USER_VERIFYING_SUBMITTED', 'USER'),
      );
      if (!moved)
        throw AvatarTrainingErrors.wrongState(
          row.job_id,
          'no longer WAIT_FILE_UPLOAD',
          'SUBMITVERIFYING',
          UPLOADING,
        );
      await this.deps.queue.enqueue(
        TrainingTasks.review,
        { projectId: row.project_id, jobId: row.job_id },
        { trx, projectId: row.project_id, jobKey: `${TrainingTasks.review}:${row.project_id}:${row.job_id}` },
      );
    });
    return SUCCESS;
  }

  private multipartOf(row: TrainingJobRow, slot: UploadSlot, command: string) {
    this.requireState(row, UPLOADING, command);
    const rec = (row.uploads as Uploads)[slot];
    if (!rec?.upload_id)
      throw AvatarTrainingErrors.invalid(
        `${command}: the ${slot.replace('_', ' ')} of this job is a single upload (create or update with ${slot === 'training_video' ? 'video_multipart_count' : 'action_video_multipart_count'} for parts)`,
      );
    return { ...rec, upload_id: rec.upload_id };
  }

  private async listParts(row: TrainingJobRow, slot: UploadSlot): Promise<CommandResult> {
    const rec = this.multipartOf(
      row,
      slot,
      slot === 'training_video' ? 'GET_MULTIPART_UPLOADED' : 'GET_ACTION_VIDEO_MULTIPART_UPLOADED',
    );
    if (rec.done) return { ...SUCCESS, multipart_data: [] };
    const parts = await this.deps.objects.listParts(rec.key, rec.upload_id);
    return {
      ...SUCCESS,
      multipart_data: parts.map((p) => ({ part_number: String(p.part), etag: p.etag })),
    };
  }

  private async completeParts(row: TrainingJobRow, slot: UploadSlot): Promise<CommandResult> {
    const command =
      slot === 'training_video' ? 'CONFIRM_MULTIPART_UPLOADED' : 'CONFIRM_ACTION_VIDEO_MULTIPART_UPLOADED';
    const rec = this.multipartOf(row, slot, command);
    if (rec.done) return SUCCESS;
    // The store cannot always tell a missing last part (S3); the count is known here.
    const parts = await this.deps.objects.listParts(rec.key, rec.upload_id);
    const have = new Set(parts.map((p) => p.part));
    const missing = Array.from({ length: rec.parts ?? 0 }, (_, i) => i + 1).filter((n) => !have.has(n));
    if (missing.length > 0)
      return failed(`part(s) ${missing.slice(0, 20).join(', ')} of ${rec.parts} have not been uploaded`);
    try {
      await this.deps.objects.completeMultipart(rec.key, rec.upload_id);
    } catch (e) {
      if (isAppError(e) && e.status < 500) return failed(e.message);
      throw e;
    }
    const uploads = { ...(row.uploads as Uploads), [slot]: { ...rec, done: true } };
    const now = this.deps.clock.now();
    await this.repo().transition(
      row.project_id,
      row.job_id,
      UPLOADING,
      { uploads: uploads as Record<string, unknown> },
      now,
    );
    return SUCCESS;
  }

  private async deleteVideo(row: TrainingJobRow): Promise<CommandResult> {
    this.requireState(row, ENDED, 'DELETE_JOB_VIDEO');
    const uploads = row.uploads as Uploads;
    for (const slot of ['training_video', 'action_video'] as const) {
      const rec = uploads[slot];
      if (rec) await this.deps.objects.delete(rec.key);
    }
    const now = this.deps.clock.now();
    await this.repo().transition(
      row.project_id,
      row.job_id,
      ENDED,
      {},
      now,
      log(now, 'USER_DELETE_JOB_VIDEO', 'USER'),
    );
    return SUCCESS;
  }

  // ── operator review (CLI) ─────────────────────────────────────────────

  /** `doppel modeling approve|reject`: ends the human step of a MANUAL_VERIFYING job. */
  async decide(
    projectId: string,
    jobId: string,
    decision: 'approve' | 'reject',
    reason?: string,
  ): Promise<{ job_id: string; state: TrainingState }> {
    const row = await this.job(projectId, jobId);
    this.requireState(row, ['MANUAL_VERIFYING'], `modeling ${decision}`);
    const now = this.deps.clock.now();
    if (decision === 'reject') {
      const why = reason?.trim() || 'rejected by the reviewer';
      const moved = await this.repo().transition(
        projectId,
        jobId,
        ['MANUAL_VERIFYING'],
        { state: 'MANUAL_VERIFY_FAILED', error_code: 'MSS.10004001', error_msg: why.slice(0, 1000) },
        now,
        log(now, 'ADMIN_VERIFY_FAILED', 'ADMIN', { log_description: why.slice(0, 1000) }),
      );
      if (!moved)
        throw AvatarTrainingErrors.wrongState(jobId, 'no longer MANUAL_VERIFYING', 'reject', [
          'MANUAL_VERIFYING',
        ]);
      return { job_id: jobId, state: 'MANUAL_VERIFY_FAILED' };
    }
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const moved = await repo.transition(
        projectId,
        jobId,
        ['MANUAL_VERIFYING'],
        { state: 'MANUAL_VERIFY_SUCCESS' },
        now,
        log(now, 'ADMIN_VERIFY_SUCCESS', 'ADMIN', reason ? { log_description: reason.slice(0, 1000) } : {}),
      );
      if (!moved)
        throw AvatarTrainingErrors.wrongState(jobId, 'no longer MANUAL_VERIFYING', 'approve', [
          'MANUAL_VERIFYING',
        ]);
      await repo.transition(
        projectId,
        jobId,
        ['MANUAL_VERIFY_SUCCESS'],
        { state: 'WAIT_TRAINING_DATA_PREPROCESS' },
        now,
      );
      await this.deps.queue.enqueue(
        TrainingTasks.train,
        { projectId, jobId },
        { trx, projectId, jobKey: `${TrainingTasks.train}:${projectId}:${jobId}` },
      );
    });
    return { job_id: jobId, state: 'WAIT_TRAINING_DATA_PREPROCESS' };
  }

  /** Jobs waiting for an operator (the CLI's `modeling list`). */
  async awaitingReview(
    projectId: string,
  ): Promise<Array<{ project_id: string; job_id: string; name: string; update_time: string }>> {
    const rows = await this.repo().manualQueue(projectId);
    return rows.map((r) => ({ ...r, update_time: wireTime(r.update_time) }));
  }
}
