// All SQL for live_rooms, every query scoped by project. Constructed on the database or on a
// transaction.
import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { LiveRoomsTable } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';

export type RoomRow = Selectable<LiveRoomsTable>;
export type NewRoom = Insertable<LiveRoomsTable>;
export type RoomPatch = Updateable<LiveRoomsTable>;

export interface RoomListSpec {
  offset: number;
  limit: number;
  roomName?: string;
  modelId?: string;
  modelName?: string;
  roomTypes?: string[];
  jobStates?: string[];
  since?: Date;
  until?: Date;
}

export class RoomsRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewRoom): Promise<void> {
    await this.db.insertInto('live_rooms').values(row).execute();
  }

  get(projectId: string, roomId: string, opts: { forUpdate?: boolean } = {}): Promise<RoomRow | undefined> {
    let q = this.db
      .selectFrom('live_rooms')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('room_id', '=', roomId);
    if (opts.forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async update(projectId: string, roomId: string, patch: RoomPatch): Promise<void> {
    await this.db
      .updateTable('live_rooms')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('room_id', '=', roomId)
      .execute();
  }

  /** True when a row was deleted. */
  async delete(projectId: string, roomId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('live_rooms')
      .where('project_id', '=', projectId)
      .where('room_id', '=', roomId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  private filtered(projectId: string, spec: RoomListSpec) {
    let q = this.db.selectFrom('live_rooms').where('project_id', '=', projectId);
    if (spec.roomName) q = q.where('room_name', 'ilike', likePattern(spec.roomName));
    if (spec.modelName) q = q.where('model_names', 'ilike', likePattern(spec.modelName));
    if (spec.modelId) q = q.where(sql<boolean>`model_asset_ids @> ${JSON.stringify([spec.modelId])}::jsonb`);
    if (spec.roomTypes?.length) q = q.where('room_type', 'in', spec.roomTypes as RoomRow['room_type'][]);
    if (spec.jobStates?.length) q = q.where('last_job_status', 'in', spec.jobStates);
    if (spec.since) q = q.where('create_time', '>=', spec.since);
    if (spec.until) q = q.where('create_time', '<=', spec.until);
    return q;
  }

  /** One page, newest first (index live_rooms_list_idx). */
  page(projectId: string, spec: RoomListSpec): Promise<RoomRow[]> {
    return this.filtered(projectId, spec)
      .selectAll()
      .orderBy('create_time', 'desc')
      .orderBy('room_id', 'desc')
      .offset(spec.offset)
      .limit(spec.limit)
      .execute();
  }

  async count(projectId: string, spec: RoomListSpec): Promise<number> {
    const r = await this.filtered(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Rooms whose rules were imported from the rule library (they carry its group_id). */
  roomsUsingGroup(projectId: string, groupId: string): Promise<RoomRow[]> {
    return this.db
      .selectFrom('live_rooms')
      .selectAll()
      .where('project_id', '=', projectId)
      .where(sql<boolean>`body -> 'interaction_rules' @> ${JSON.stringify([{ group_id: groupId }])}::jsonb`)
      .forUpdate()
      .execute();
  }

  /** Ids of rooms linked to the platform (relation_live_platform_info). */
  async roomsUsingPlatform(projectId: string, platformId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('live_rooms')
      .select('room_id')
      .where('project_id', '=', projectId)
      .where('platform_id', '=', platformId)
      .execute();
    return rows.map((r) => r.room_id);
  }
}
