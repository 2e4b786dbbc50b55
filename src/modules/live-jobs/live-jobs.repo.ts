// All SQL for live_jobs, every query scoped by project. Constructed on the database or on a
// transaction.
import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { LiveJobsTable } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';

export type LiveJobRow = Selectable<LiveJobsTable>;
export type NewLiveJob = Insertable<LiveJobsTable>;
export type LiveJobPatch = Updateable<LiveJobsTable>;
export type LiveJobState = LiveJobRow['state'];

export interface LiveJobListSpec {
  offset: number;
  limit: number;
  roomId?: string;
  roomName?: string;
  states?: LiveJobState[];
  since?: Date;
  until?: Date;
  sortKey: 'create_time' | 'start_time' | 'end_time' | 'update_time';
  sortDir: 'asc' | 'desc';
}

export class LiveJobsRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewLiveJob): Promise<void> {
    await this.db.insertInto('live_jobs').values(row).execute();
  }

  get(projectId: string, jobId: string): Promise<LiveJobRow | undefined> {
    return this.db
      .selectFrom('live_jobs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .executeTakeFirst();
  }

  /**
   * Serialises StartSmartLive per room until the transaction ends, so two starts cannot both
   * see a room without a running job (single_job_in_room).
   */
  async lockRoom(projectId: string, roomId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`live-room:${projectId}:${roomId}`}, 0))`.execute(
      this.db,
    );
  }

  /** Jobs of the room that have not ended (WAITING or PROCESSING). */
  running(projectId: string, roomId: string): Promise<LiveJobRow[]> {
    return this.db
      .selectFrom('live_jobs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('room_id', '=', roomId)
      .where('state', 'in', ['WAITING', 'PROCESSING'])
      .execute();
  }

  /** A conditional move: only from one of `from`. True when the row changed. */
  async transition(
    projectId: string,
    jobId: string,
    from: LiveJobState[],
    patch: LiveJobPatch,
    now: Date,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('live_jobs')
      .set({ ...patch, update_time: now })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('state', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async update(projectId: string, jobId: string, patch: LiveJobPatch): Promise<void> {
    await this.db
      .updateTable('live_jobs')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .execute();
  }

  /** Appends one entry to the command log (atomically, whoever else appends). */
  async logCommand(
    projectId: string,
    jobId: string,
    entry: Record<string, unknown>,
    now: Date,
  ): Promise<void> {
    await this.db
      .updateTable('live_jobs')
      .set({
        command_log: sql`command_log || ${JSON.stringify([entry])}::jsonb`,
        update_time: now,
      })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .execute();
  }

  private filtered(projectId: string, spec: LiveJobListSpec) {
    let q = this.db.selectFrom('live_jobs').where('project_id', '=', projectId);
    if (spec.roomId) q = q.where('room_id', '=', spec.roomId);
    if (spec.roomName) q = q.where('room_name', 'ilike', likePattern(spec.roomName));
    if (spec.states?.length) q = q.where('state', 'in', spec.states);
    if (spec.since) q = q.where('create_time', '>=', spec.since);
    if (spec.until) q = q.where('create_time', '<=', spec.until);
    return q;
  }

  page(projectId: string, spec: LiveJobListSpec): Promise<LiveJobRow[]> {
    return this.filtered(projectId, spec)
      .selectAll()
      .orderBy(spec.sortKey, spec.sortDir)
      .orderBy('job_id', spec.sortDir)
      .offset(spec.offset)
      .limit(spec.limit)
      .execute();
  }

  async count(projectId: string, spec: LiveJobListSpec): Promise<number> {
    const r = await this.filtered(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
