// SQL of video jobs and subtitle-file jobs; every query takes the project first. State changes
// are conditional updates (`WHERE state = …`), so a cancel and a worker that starts the job
// cannot both win.
import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { SubtitleJobsTable, VideoJobsTable } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';

export type VideoJobRow = Selectable<VideoJobsTable>;
export type VideoState = VideoJobRow['state'];
export type SubtitleJobRow = Selectable<SubtitleJobsTable>;

export interface SubtitleScene {
  sequence_no: number;
  state: 'GENERATING' | 'GENERATE_SUCCEED' | 'GENERATE_FAILED';
  object_key?: string;
  generate_time?: string;
  error_code?: string;
  error_msg?: string;
}

export interface VideoListSpec {
  offset: number;
  limit: number;
  since: Date;
  until?: Date;
  states?: string[];
  scriptId?: string;
  assetName?: string;
  jobType?: string;
  jobIds?: string[];
  sortKey: 'create_time' | 'update_time';
  sortDir: 'asc' | 'desc';
}

export class VideosRepo {
  constructor(private readonly db: Db) {}

  async insert(row: Insertable<VideoJobsTable>): Promise<void> {
    await this.db.insertInto('video_jobs').values(row).execute();
  }

  get(projectId: string, jobId: string): Promise<VideoJobRow | undefined> {
    return this.db
      .selectFrom('video_jobs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .executeTakeFirst();
  }

  /** Moves the job from one of `from` to `to` with the patch; false when it was in another state. */
  async transition(
    projectId: string,
    jobId: string,
    from: readonly VideoState[],
    patch: Partial<Selectable<VideoJobsTable>> & { state?: VideoState },
    now: Date,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('video_jobs')
      .set({ ...patch, update_time: now })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setProgress(projectId: string, jobId: string, progress: number): Promise<void> {
    await this.db
      .updateTable('video_jobs')
      .set({ progress })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('state', '=', 'PROCESSING')
      .execute();
  }

  async setCallbackState(projectId: string, jobId: string, state: 'DELIVERED' | 'FAILED'): Promise<void> {
    await this.db
      .updateTable('video_jobs')
      .set({ callback_state: state })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .execute();
  }

  private filtered(projectId: string, spec: VideoListSpec) {
    let q = this.db
      .selectFrom('video_jobs')
      .where('project_id', '=', projectId)
      .where('create_time', '>=', spec.since);
    if (spec.until) q = q.where('create_time', '<=', spec.until);
    if (spec.states?.length) q = q.where('state', 'in', spec.states as VideoState[]);
    if (spec.scriptId) q = q.where('script_id', '=', spec.scriptId);
    if (spec.assetName) q = q.where('asset_name', 'ilike', likePattern(spec.assetName));
    if (spec.jobType) q = q.where('job_type', '=', spec.jobType);
    if (spec.jobIds?.length) q = q.where('job_id', 'in', spec.jobIds);
    return q;
  }

  page(projectId: string, spec: VideoListSpec): Promise<VideoJobRow[]> {
    return this.filtered(projectId, spec)
      .selectAll()
      .orderBy(spec.sortKey, spec.sortDir)
      .orderBy('job_id', spec.sortDir)
      .offset(spec.offset)
      .limit(spec.limit)
      .execute();
  }

  async count(projectId: string, spec: VideoListSpec): Promise<number> {
    const r = await this.filtered(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // ── subtitle files ─────────────────────────────────────────────────────────

  async insertSubtitleJob(row: Insertable<SubtitleJobsTable>): Promise<void> {
    await this.db.insertInto('subtitle_jobs').values(row).execute();
  }

  getSubtitleJob(projectId: string, jobId: string): Promise<SubtitleJobRow | undefined> {
    return this.db
      .selectFrom('subtitle_jobs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .executeTakeFirst();
  }

  async updateSubtitleJob(
    projectId: string,
    jobId: string,
    patch: { scenes?: SubtitleScene[]; job_state?: SubtitleJobRow['job_state']; callback_state?: string },
    now: Date,
  ): Promise<void> {
    await this.db
      .updateTable('subtitle_jobs')
      .set({
        ...(patch.scenes ? { scenes: JSON.stringify(patch.scenes) } : {}),
        ...(patch.job_state ? { job_state: patch.job_state } : {}),
        ...(patch.callback_state ? { callback_state: patch.callback_state } : {}),
        update_time: now,
      })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .execute();
  }
}
