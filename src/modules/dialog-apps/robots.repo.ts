// All SQL for robots; every query is scoped by project.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { DialogRobotsTable } from '../../core/db/schema.ts';

export type RobotRow = Selectable<DialogRobotsTable>;

export interface RobotListSpec {
  roomId?: string;
  robotType?: 'LIVE' | 'CHAT';
}

export class RobotsRepo {
  constructor(private readonly db: Db) {}

  async insert(row: Insertable<DialogRobotsTable>): Promise<void> {
    await this.db.insertInto('dialog_robots').values(row).execute();
  }

  get(projectId: string, id: string, forUpdate = false): Promise<RobotRow | undefined> {
    let q = this.db
      .selectFrom('dialog_robots')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('robot_id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /** The robot holding `name` in the project, if any. */
  async idByName(projectId: string, name: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('dialog_robots')
      .select('robot_id')
      .where('project_id', '=', projectId)
      .where('name', '=', name)
      .executeTakeFirst();
    return r?.robot_id;
  }

  async update(projectId: string, id: string, patch: Updateable<DialogRobotsTable>): Promise<void> {
    await this.db
      .updateTable('dialog_robots')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('robot_id', '=', id)
      .execute();
  }

  async lock(projectId: string, ids: string[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom('dialog_robots')
      .select('robot_id')
      .where('project_id', '=', projectId)
      .where('robot_id', 'in', ids)
      .forUpdate()
      .execute();
    return rows.map((r) => r.robot_id);
  }

  async delete(projectId: string, ids: string[]): Promise<void> {
    await this.db
      .deleteFrom('dialog_robots')
      .where('project_id', '=', projectId)
      .where('robot_id', 'in', ids)
      .execute();
  }

  private filtered(projectId: string, spec: RobotListSpec) {
    let q = this.db.selectFrom('dialog_robots').where('project_id', '=', projectId);
    if (spec.roomId !== undefined) q = q.where('room_id', '=', spec.roomId);
    if (spec.robotType !== undefined) q = q.where('robot_type', '=', spec.robotType);
    return q;
  }

  async count(projectId: string, spec: RobotListSpec): Promise<number> {
    const r = await this.filtered(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  page(projectId: string, spec: RobotListSpec, offset: number, limit: number): Promise<RobotRow[]> {
    return this.filtered(projectId, spec)
      .selectAll()
      .orderBy('create_time')
      .orderBy('robot_id')
      .offset(offset)
      .limit(limit)
      .execute();
  }
}
