// All SQL of 2D avatar training jobs, every query scoped by project. State changes are
// conditional (`WHERE state IN …`), so a user's command and a worker cannot both win.
import { type Insertable, type Selectable, sql } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { AvatarTrainingJobsTable } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';
import type { TrainingState } from './avatar-training.rules.ts';

export type TrainingJobRow = Selectable<AvatarTrainingJobsTable>;
type Patch = Partial<Omit<TrainingJobRow, 'project_id' | 'job_id' | 'create_time'>>;

export interface OperationLog {
  operate_time: string;
  log_type: string;
  log_description?: string;
  operate_user: 'USER' | 'ADMIN' | 'SYSTEM';
  error_code?: string;
}

export interface TrainingListSpec {
  offset: number;
  limit: number;
  states?: TrainingState[];
  sortKey: 'create_time' | 'update_time';
  sortDir: 'asc' | 'desc';
  createSince?: Date;
  createUntil?: Date;
  updateSince?: Date;
  updateUntil?: Date;
  batchName?: string;
  tag?: string;
  jobId?: string;
  name?: string;
  isFlexus?: boolean;
}

const json = (v: unknown): string => JSON.stringify(v);

export class AvatarTrainingRepo {
  constructor(private readonly db: Db) {}

  async insert(row: Insertable<AvatarTrainingJobsTable>): Promise<void> {
    await this.db.insertInto('avatar_training_jobs').values(row).execute();
  }

  get(
    projectId: string,
    jobId: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<TrainingJobRow | undefined> {
    let q = this.db
      .selectFrom('avatar_training_jobs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId);
    if (opts.forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /**
   * Moves the job from one of `from` and applies `patch`, appending `log` to its operation
   * logs; false when the job was no longer in one of those states.
   */
  async transition(
    projectId: string,
    jobId: string,
    from: readonly TrainingState[],
    patch: Patch & { state?: TrainingState },
    now: Date,
    log?: OperationLog,
  ): Promise<boolean> {
    const { operation_logs: _ignored, tags, options, uploads, review, ...plain } = patch;
    const r = await this.db
      .updateTable('avatar_training_jobs')
      .set({
        ...plain,
        ...(tags !== undefined ? { tags: json(tags) } : {}),
        ...(options !== undefined ? { options: json(options) } : {}),
        ...(uploads !== undefined ? { uploads: json(uploads) } : {}),
        ...(review !== undefined ? { review: review === null ? null : json(review) } : {}),
        ...(log ? { operation_logs: sql`operation_logs || ${json([log])}::jsonb` } : {}),
        update_time: now,
      })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setProgress(projectId: string, jobId: string, state: TrainingState, progress: number): Promise<void> {
    await this.db
      .updateTable('avatar_training_jobs')
      .set({ progress })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('state', '=', state)
      .execute();
  }

  /** True when a row was deleted (only from one of `from`). */
  async delete(projectId: string, jobId: string, from: readonly TrainingState[]): Promise<boolean> {
    const r = await this.db
      .deleteFrom('avatar_training_jobs')
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** MANUAL_VERIFYING jobs, oldest first (what an operator reviews next). */
  manualQueue(projectId: string) {
    return this.db
      .selectFrom('avatar_training_jobs')
      .select(['project_id', 'job_id', 'name', 'update_time'])
      .where('project_id', '=', projectId)
      .where('state', '=', 'MANUAL_VERIFYING')
      .orderBy('update_time', 'asc')
      .limit(100)
      .execute();
  }

  private filtered(projectId: string, s: TrainingListSpec) {
    let q = this.db.selectFrom('avatar_training_jobs').where('project_id', '=', projectId);
    if (s.states) q = s.states.length ? q.where('state', 'in', s.states) : q.where(sql<boolean>`false`);
    if (s.createSince) q = q.where('create_time', '>=', s.createSince);
    if (s.createUntil) q = q.where('create_time', '<=', s.createUntil);
    if (s.updateSince) q = q.where('update_time', '>=', s.updateSince);
    if (s.updateUntil) q = q.where('update_time', '<=', s.updateUntil);
    if (s.batchName) q = q.where('batch_name', '=', s.batchName);
    if (s.jobId) q = q.where('job_id', '=', s.jobId);
    if (s.name) q = q.where('name', 'ilike', likePattern(s.name));
    if (s.tag) q = q.where(sql<boolean>`tags @> ${json([s.tag])}::jsonb`);
    if (s.isFlexus !== undefined)
      q = q.where(sql<boolean>`coalesce((options->>'is_flexus')::boolean, false) = ${s.isFlexus}`);
    return q;
  }

  page(projectId: string, s: TrainingListSpec): Promise<TrainingJobRow[]> {
    return this.filtered(projectId, s)
      .selectAll()
      .orderBy(s.sortKey, s.sortDir)
      .orderBy('job_id', s.sortDir)
      .offset(s.offset)
      .limit(s.limit)
      .execute();
  }

  async count(projectId: string, s: TrainingListSpec): Promise<number> {
    const r = await this.filtered(projectId, s)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
