// Interaction rule libraries: reusable rule sets that rooms import. A room keeps its own copy
// of an imported rule, marked with the library's group_id and group_name; deleting a library
// makes those copies the room's own (ERRATA 62).
import type {
  InteractionRuleDetailInfo,
  InteractionRuleGroup,
  OperationTypes,
} from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import { visibleLiveAssets } from '../assets/index.ts';
import type { ModuleDeps } from '../types.ts';
import { checkInteractionRules } from './interaction-rules.rules.ts';
import { LiveErrors } from './live.errors.ts';
import { checkAssetRefs, checkPlainText } from './live.text.ts';
import { RoomsRepo } from './rooms.repo.ts';
import type { LiveRoomBody } from './rooms.rules.ts';
import { nextScriptVersion } from './rooms.service.ts';
import { type RuleGroupListSpec, type RuleGroupRow, RuleGroupsRepo } from './rule-groups.repo.ts';

type Types = OperationTypes;
type StoredRule = InteractionRuleDetailInfo & { rule_id: string; create_time: string; update_time: string };

export class RuleGroupsService {
  constructor(private readonly deps: ModuleDeps) {}

  async create(projectId: string, req: InteractionRuleGroup) {
    const now = this.deps.clock.now();
    const rules = await this.checkedRules(projectId, req, [], now);
    const groupId = newId();
    await new RuleGroupsRepo(this.deps.db).insert({
      project_id: projectId,
      group_id: groupId,
      group_name: req.group_name,
      rules: JSON.stringify(rules),
      create_time: now,
      update_time: now,
    });
    return { group_id: groupId };
  }

  async list(projectId: string, q: Types['ListInteractionRuleGroups']['query']) {
    const spec: RuleGroupListSpec = {
      offset: q.offset,
      limit: q.limit,
      ...(q.group_name ? { name: q.group_name } : {}),
      ...(q.create_since ? { since: timeParam(q.create_since, 'create_since') } : {}),
      ...(q.create_until ? { until: timeParam(q.create_until, 'create_until') } : {}),
    };
    const repo = new RuleGroupsRepo(this.deps.db);
    const [rows, count] = await Promise.all([repo.page(projectId, spec), repo.count(projectId, spec)]);
    return { count, interaction_rule_groups: rows.map(detailOf) };
  }

  async update(projectId: string, groupId: string, req: InteractionRuleGroup) {
    return this.deps.db.transaction().execute(async (trx) => {
      const repo = new RuleGroupsRepo(trx);
      const row = await repo.get(projectId, groupId, { forUpdate: true });
      if (!row) throw LiveErrors.ruleGroupNotFound('group_id', groupId);
      const now = this.deps.clock.now();
      const rules = await this.checkedRules(projectId, req, row.rules as unknown as StoredRule[], now, trx);
      await repo.update(projectId, groupId, {
        group_name: req.group_name,
        rules: JSON.stringify(rules),
        update_time: now,
      });
      return detailOf({ ...row, group_name: req.group_name, rules: rules as never, update_time: now });
    });
  }

  /** Removes the library; rooms that imported its rules keep them as their own. */
  async delete(projectId: string, groupId: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await new RuleGroupsRepo(trx).delete(projectId, groupId)))
        throw LiveErrors.ruleGroupNotFound('group_id', groupId);
      const rooms = new RoomsRepo(trx);
      const now = this.deps.clock.now();
      for (const room of await rooms.roomsUsingGroup(projectId, groupId)) {
        const body = room.body as unknown as LiveRoomBody;
        const rules = body.interaction_rules.map((r) => {
          if (r.group_id !== groupId) return r;
          const { group_id: _id, group_name: _name, ...own } = r;
          return own;
        });
        await rooms.update(projectId, room.room_id, {
          body: JSON.stringify({ ...body, interaction_rules: rules }),
          script_version: nextScriptVersion(room.script_version, now),
          update_time: now,
        });
      }
    });
  }

  /** Validates the rules; a rule whose rule_index was there before keeps its rule_id. */
  private async checkedRules(
    projectId: string,
    req: InteractionRuleGroup,
    before: readonly StoredRule[],
    now: Date,
    db = this.deps.db,
  ): Promise<StoredRule[]> {
    checkPlainText(req.group_name, 'group_name');
    const { rules, assetRefs } = checkInteractionRules(req.interaction_rules ?? [], {
      at: 'interaction_rules',
    });
    if (assetRefs.length)
      checkAssetRefs(
        assetRefs,
        await visibleLiveAssets(
          db,
          projectId,
          assetRefs.map((r) => r.assetId),
          now,
        ),
      );
    const old = new Map(before.map((r) => [r.rule_index, r]));
    return rules.map((r) => {
      const prior = old.get(r.rule_index);
      return {
        ...r,
        rule_id: prior?.rule_id ?? newId(),
        create_time: prior?.create_time ?? wireTime(now),
        update_time: wireTime(now),
      };
    });
  }
}

/** A list filter time: exactly the wire format (ERRATA 4). */
export function timeParam(s: string, field: string): Date {
  const d = new Date(s);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(s) || Number.isNaN(d.getTime()))
    throw LiveErrors.invalid(`${field} must be YYYY-MM-DDTHH:mm:ssZ`);
  return d;
}

function detailOf(row: RuleGroupRow) {
  return {
    group_id: row.group_id,
    group_name: row.group_name,
    interaction_rules: row.rules as unknown as StoredRule[],
    create_time: wireTime(row.create_time),
    update_time: wireTime(row.update_time),
  };
}
