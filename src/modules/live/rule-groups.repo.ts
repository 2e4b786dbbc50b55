// All SQL for live_rule_groups (interaction rule libraries), every query scoped by project.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { LiveRuleGroupsTable } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';

export type RuleGroupRow = Selectable<LiveRuleGroupsTable>;
export type NewRuleGroup = Insertable<LiveRuleGroupsTable>;
export type RuleGroupPatch = Updateable<LiveRuleGroupsTable>;

export interface RuleGroupListSpec {
  offset: number;
  limit: number;
  name?: string;
  since?: Date;
  until?: Date;
}

export class RuleGroupsRepo {
  constructor(private readonly db: Db) {}

  async insert(row: NewRuleGroup): Promise<void> {
    await this.db.insertInto('live_rule_groups').values(row).execute();
  }

  get(
    projectId: string,
    groupId: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<RuleGroupRow | undefined> {
    let q = this.db
      .selectFrom('live_rule_groups')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('group_id', '=', groupId);
    if (opts.forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /** The libraries among `groupIds` that the project has, by id. */
  async many(projectId: string, groupIds: readonly string[]): Promise<Map<string, RuleGroupRow>> {
    if (groupIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('live_rule_groups')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('group_id', 'in', [...new Set(groupIds)])
      .execute();
    return new Map(rows.map((r) => [r.group_id, r]));
  }

  async update(projectId: string, groupId: string, patch: RuleGroupPatch): Promise<void> {
    await this.db
      .updateTable('live_rule_groups')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('group_id', '=', groupId)
      .execute();
  }

  async delete(projectId: string, groupId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('live_rule_groups')
      .where('project_id', '=', projectId)
      .where('group_id', '=', groupId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  private filtered(projectId: string, spec: RuleGroupListSpec) {
    let q = this.db.selectFrom('live_rule_groups').where('project_id', '=', projectId);
    if (spec.name) q = q.where('group_name', 'ilike', likePattern(spec.name));
    if (spec.since) q = q.where('create_time', '>=', spec.since);
    if (spec.until) q = q.where('create_time', '<=', spec.until);
    return q;
  }

  page(projectId: string, spec: RuleGroupListSpec): Promise<RuleGroupRow[]> {
    return this.filtered(projectId, spec)
      .selectAll()
      .orderBy('create_time', 'desc')
      .orderBy('group_id', 'desc')
      .offset(spec.offset)
      .limit(spec.limit)
      .execute();
  }

  async count(projectId: string, spec: RuleGroupListSpec): Promise<number> {
    const r = await this.filtered(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
