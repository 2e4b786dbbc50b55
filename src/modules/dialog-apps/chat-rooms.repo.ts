// All SQL for smart chat rooms; every query is scoped by project.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { DialogChatRoomsTable } from '../../core/db/schema.ts';

export type ChatRoomRow = Selectable<DialogChatRoomsTable>;

export interface ChatRoomListSpec {
  roomName?: string;
  createSince?: Date;
  createUntil?: Date;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class ChatRoomsRepo {
  constructor(private readonly db: Db) {}

  async insert(row: Insertable<DialogChatRoomsTable>): Promise<void> {
    await this.db.insertInto('dialog_chat_rooms').values(row).execute();
  }

  get(projectId: string, roomId: string, forUpdate = false): Promise<ChatRoomRow | undefined> {
    let q = this.db
      .selectFrom('dialog_chat_rooms')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('room_id', '=', roomId);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async update(projectId: string, roomId: string, patch: Updateable<DialogChatRoomsTable>): Promise<void> {
    await this.db
      .updateTable('dialog_chat_rooms')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('room_id', '=', roomId)
      .execute();
  }

  async delete(projectId: string, roomId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('dialog_chat_rooms')
      .where('project_id', '=', projectId)
      .where('room_id', '=', roomId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Rooms answered by a deleted robot keep their settings and lose the robot. */
  async detachRobots(projectId: string, robotIds: string[], now: Date): Promise<void> {
    await this.db
      .updateTable('dialog_chat_rooms')
      .set({ robot_id: null, update_time: now })
      .where('project_id', '=', projectId)
      .where('robot_id', 'in', robotIds)
      .execute();
  }

  /** Every matching room, oldest first (a project has few; the model-name filter runs after). */
  all(projectId: string, spec: ChatRoomListSpec): Promise<ChatRoomRow[]> {
    let q = this.db.selectFrom('dialog_chat_rooms').selectAll().where('project_id', '=', projectId);
    if (spec.roomName) q = q.where('room_name', 'ilike', `%${likeEscape(spec.roomName)}%`);
    if (spec.createSince) q = q.where('create_time', '>=', spec.createSince);
    if (spec.createUntil) q = q.where('create_time', '<=', spec.createUntil);
    return q.orderBy('create_time').orderBy('room_id').execute();
  }
}
