// All SQL for voice training jobs and their operation logs, every query scoped by project.
// State changes go through `transition`, which also writes the op-log entry, so every
// transition is logged in the transaction that makes it.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { VoiceTrainingJobsTable, VoiceTrainingOpLogsTable } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';
import type { JobListSpec } from './voice-training.rules.ts';

export type VoiceJobRow = Selectable<VoiceTrainingJobsTable>;
export type NewVoiceJob = Insertable<VoiceTrainingJobsTable>;
export type VoiceJobPatch = Updateable<VoiceTrainingJobsTable>;
export type OpLogRow = Selectable<VoiceTrainingOpLogsTable>;

export interface OpLogEntry {
  action: string;
  operator: 'USER' | 'SYSTEM';
  externalInfo?: Record<string, unknown>;
}

export class VoiceTrainingRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewVoiceJob, log: OpLogEntry): Promise<void> {
    await this.db.insertInto('voice_training_jobs').values(row).execute();
    await this.log(row.project_id, row.job_id, row.create_time as Date, log);
  }

  get(
    projectId: string,
    jobId: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<VoiceJobRow | undefined> {
    let q = this.db
      .selectFrom('voice_training_jobs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId);
    if (opts.forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async update(projectId: string, jobId: string, patch: VoiceJobPatch): Promise<void> {
    await this.db
      .updateTable('voice_training_jobs')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .execute();
  }

  /**
   * Moves a job from one of `from` to `patch.state` and logs it; false (nothing written) when
   * the job is no longer in one of `from` (another worker or request got there first).
   */
  async transition(
    projectId: string,
    jobId: string,
    from: readonly string[],
    patch: VoiceJobPatch & { state: string; update_time: Date },
    log: OpLogEntry,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('voice_training_jobs')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await this.log(projectId, jobId, patch.update_time, log);
    return true;
  }

  async log(projectId: string, jobId: string, time: Date, e: OpLogEntry): Promise<void> {
    await this.db
      .insertInto('voice_training_op_logs')
      .values({
        project_id: projectId,
        job_id: jobId,
        time,
        action: e.action,
        operator: e.operator,
        external_info: e.externalInfo ? JSON.stringify(e.externalInfo) : null,
      })
      .execute();
  }

  /** True when a row was deleted (its op-logs go with it). */
  async delete(projectId: string, jobId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('voice_training_jobs')
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Which of `jobIds` exist in the project. */
  async existing(projectId: string, jobIds: readonly string[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom('voice_training_jobs')
      .select('job_id')
      .where('project_id', '=', projectId)
      .where('job_id', 'in', [...jobIds])
      .execute();
    return rows.map((r) => r.job_id);
  }

  async setBatchName(
    projectId: string,
    jobIds: readonly string[],
    batchName: string,
    now: Date,
  ): Promise<void> {
    await this.db
      .updateTable('voice_training_jobs')
      .set({ batch_name: batchName, update_time: now })
      .where('project_id', '=', projectId)
      .where('job_id', 'in', [...jobIds])
      .execute();
  }

  private filtered(projectId: string, s: JobListSpec) {
    let q = this.db.selectFrom('voice_training_jobs').where('project_id', '=', projectId);
    if (s.states) q = q.where('state', 'in', s.states);
    if (s.jobTypes) q = q.where('job_type', 'in', s.jobTypes);
    if (s.jobId) q = q.where('job_id', '=', s.jobId);
    if (s.voiceName) q = q.where('voice_name', 'ilike', likePattern(s.voiceName));
    if (s.tag) q = q.where('tag', '=', s.tag);
    if (s.batchName) q = q.where('batch_name', '=', s.batchName);
    if (s.isOndemand !== undefined) q = q.where('is_ondemand_resource', '=', s.isOndemand);
    if (s.createSince) q = q.where('create_time', '>=', s.createSince);
    if (s.createUntil) q = q.where('create_time', '<=', s.createUntil);
    if (s.updateSince) q = q.where('update_time', '>=', s.updateSince);
    if (s.updateUntil) q = q.where('update_time', '<=', s.updateUntil);
    return q;
  }

  page(projectId: string, s: JobListSpec): Promise<VoiceJobRow[]> {
    return this.filtered(projectId, s)
      .selectAll()
      .orderBy(s.sortKey, s.sortDir)
      .orderBy('job_id', s.sortDir)
      .offset(s.offset)
      .limit(s.limit)
      .execute();
  }

  async count(projectId: string, s: JobListSpec): Promise<number> {
    const r = await this.filtered(projectId, s)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Oldest first, as the log happened. */
  logs(projectId: string, jobId: string, offset: number, limit: number): Promise<OpLogRow[]> {
    return this.db
      .selectFrom('voice_training_op_logs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .orderBy('seq', 'asc')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  async logCount(projectId: string, jobId: string): Promise<number> {
    const r = await this.db
      .selectFrom('voice_training_op_logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
