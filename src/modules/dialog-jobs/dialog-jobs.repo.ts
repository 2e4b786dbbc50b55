// All SQL for smart chat jobs; every query is scoped by project.
import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { DialogChatJobsTable } from '../../core/db/schema.ts';
import {
  ABANDONED_AFTER_MS,
  ACTIVE_STATES,
  type ChatJobConfig,
  type ChatJobRow,
} from './dialog-jobs.rules.ts';

const toRow = (r: Selectable<DialogChatJobsTable>): ChatJobRow => ({
  ...r,
  config: r.config as unknown as ChatJobConfig,
});

export class ChatJobsRepo {
  constructor(private readonly db: Db) {}

  /** Serialises starts per room until the transaction ends (the concurrency count). */
  async lockRoom(projectId: string, roomId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`chat-room:${projectId}:${roomId}`}, 0))`.execute(
      this.db,
    );
  }

  async insert(row: Insertable<DialogChatJobsTable>): Promise<void> {
    await this.db.insertInto('dialog_chat_jobs').values(row).execute();
  }

  async get(projectId: string, jobId: string): Promise<ChatJobRow | undefined> {
    const r = await this.db
      .selectFrom('dialog_chat_jobs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return r && toRow(r);
  }

  /** Jobs of the room that have not ended and whose owner is alive. */
  async running(projectId: string, roomId: string, now: Date): Promise<number> {
    const r = await this.db
      .selectFrom('dialog_chat_jobs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('project_id', '=', projectId)
      .where('room_id', '=', roomId)
      .where('state', 'in', [...ACTIVE_STATES])
      .where('heartbeat_time', '>=', new Date(now.getTime() - ABANDONED_AFTER_MS))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Ends the room's abandoned jobs (their process stopped refreshing them) FAILED. */
  async failAbandoned(projectId: string, roomId: string | undefined, now: Date, code: string, msg: string) {
    let q = this.db
      .updateTable('dialog_chat_jobs')
      .set({ state: 'FAILED', error_code: code, error_msg: msg, end_time: now, update_time: now })
      .where('project_id', '=', projectId)
      .where('state', 'in', [...ACTIVE_STATES])
      .where('heartbeat_time', '<', new Date(now.getTime() - ABANDONED_AFTER_MS));
    if (roomId !== undefined) q = q.where('room_id', '=', roomId);
    await q.execute();
  }

  /** Changes a job that has not ended; false when it had ended already. */
  async updateActive(
    projectId: string,
    jobId: string,
    set: Updateable<DialogChatJobsTable>,
    owner?: string,
  ): Promise<boolean> {
    let q = this.db
      .updateTable('dialog_chat_jobs')
      .set(set)
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('state', 'in', [...ACTIVE_STATES]);
    if (owner !== undefined) q = q.where('owner', '=', owner);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** The owner's heartbeat; answers whether a stop was asked for (from any process). */
  async heartbeat(
    projectId: string,
    jobId: string,
    owner: string,
    now: Date,
  ): Promise<{ stop: boolean } | undefined> {
    const r = await this.db
      .updateTable('dialog_chat_jobs')
      .set({ heartbeat_time: now })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('owner', '=', owner)
      .where('state', 'in', [...ACTIVE_STATES])
      .returning('stop_requested')
      .executeTakeFirst();
    return r && { stop: r.stop_requested };
  }
}
