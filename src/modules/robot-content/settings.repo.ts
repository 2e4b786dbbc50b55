// SQL for the per-robot switches and the project's dialog agencies.
import type { Selectable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { DialogAgenciesTable, RobotContentSwitchesTable } from '../../core/db/schema.ts';

export type SwitchRow = Selectable<RobotContentSwitchesTable>;
export type AgencyRow = Selectable<DialogAgenciesTable>;
export type RoleType = DialogAgenciesTable['role_type'];

export class SettingsRepo {
  constructor(private readonly db: Db) {}

  getSwitches(projectId: string, robotId: string): Promise<SwitchRow | undefined> {
    return this.db
      .selectFrom('robot_content_switches')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('robot_id', '=', robotId)
      .executeTakeFirst();
  }

  /** Sets one switch, creating the robot's row when it has none (the other switch stays default). */
  async setSwitch(
    projectId: string,
    robotId: string,
    patch: { enable_welcome_speech: boolean } | { enable_hot_words: boolean },
    now: Date,
  ): Promise<void> {
    await this.db
      .insertInto('robot_content_switches')
      .values({ project_id: projectId, robot_id: robotId, ...patch, update_time: now })
      .onConflict((oc) => oc.columns(['project_id', 'robot_id']).doUpdateSet({ ...patch, update_time: now }))
      .execute();
  }

  getAgency(projectId: string, roleType: RoleType): Promise<AgencyRow | undefined> {
    return this.db
      .selectFrom('dialog_agencies')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('role_type', '=', roleType)
      .executeTakeFirst();
  }

  /** Inserts unless the project has one of that role type already; answers the stored row. */
  async ensureAgency(row: AgencyRow): Promise<AgencyRow> {
    await this.db
      .insertInto('dialog_agencies')
      .values(row)
      .onConflict((oc) => oc.columns(['project_id', 'role_type']).doNothing())
      .execute();
    return (await this.getAgency(row.project_id, row.role_type))!;
  }

  async deleteAgency(projectId: string, roleType: RoleType): Promise<boolean> {
    const r = await this.db
      .deleteFrom('dialog_agencies')
      .where('project_id', '=', projectId)
      .where('role_type', '=', roleType)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
