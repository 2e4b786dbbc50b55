// Knowledge skills: the top of the hierarchy. Deleting one removes its intents and questions
// in the same transaction (tombstoned for the change feed).
import type {
  CreateKnowledgeSkillReq,
  OperationTypes,
  UpdateKnowledgeSkillReq,
} from '../../contract/generated/types.ts';
import type { ModuleDeps } from '../types.ts';
import { KnowledgeErrors } from './knowledge.errors.ts';
import { SKILL_NAME_MAX } from './knowledge.limits.ts';
import { KnowledgeRepo } from './knowledge.repo.ts';
import { checkIdList, checkLine, checkSkillIdentify, effectiveOffset } from './knowledge.rules.ts';
import { skillInfo } from './knowledge.views.ts';
import {
  checkSkillInput,
  insertSkill,
  knowledgeWrite,
  requireSkill,
  skillNamesFree,
} from './knowledge.writes.ts';

type Types = OperationTypes;

export class SkillsService {
  constructor(private readonly deps: Pick<ModuleDeps, 'db' | 'clock'>) {}

  private write<T>(projectId: string, fn: Parameters<typeof knowledgeWrite<T>>[3]) {
    return knowledgeWrite(this.deps.db, projectId, this.deps.clock.now(), fn);
  }

  async create(projectId: string, req: CreateKnowledgeSkillReq | undefined) {
    if (!req) throw KnowledgeErrors.invalid('a request body is required');
    const input = checkSkillInput(req.name, req.identify);
    const row = await this.write(projectId, (c) => insertSkill(c, input.name, input.identify));
    return { skill_id: row.skill_id, identify: row.identify };
  }

  async update(projectId: string, skillId: string, req: UpdateKnowledgeSkillReq | undefined) {
    if (!req) throw KnowledgeErrors.invalid('a request body is required');
    const name = req.name === undefined ? undefined : checkLine(req.name, 'name', SKILL_NAME_MAX);
    const identify = req.identify === undefined ? undefined : checkSkillIdentify(req.identify);
    await this.write(projectId, async (c) => {
      const skill = await requireSkill(c, skillId);
      if (name === undefined && identify === undefined) return;
      await skillNamesFree(c, name ?? skill.name, identify ?? skill.identify, skillId);
      await c.repo.updateSkill(projectId, skillId, {
        ...(name !== undefined ? { name } : {}),
        ...(identify !== undefined ? { identify } : {}),
        update_time: c.now,
      });
    });
  }

  async show(projectId: string, skillId: string) {
    return skillInfo(await requireSkill({ repo: new KnowledgeRepo(this.deps.db), projectId }, skillId));
  }

  async list(projectId: string, q: Types['ListKnowledgeSkill']['query']) {
    const repo = new KnowledgeRepo(this.deps.db);
    const limit = q.limit ?? 10;
    const count = await repo.countSkills(projectId);
    const offset = effectiveOffset(q.offset ?? 0, limit, count);
    const rows = await repo.pageSkills(projectId, { offset, limit });
    return { offset, limit, count, data: rows.map(skillInfo) };
  }

  /** All named skills must exist (else nothing is deleted). */
  async delete(projectId: string, body: unknown) {
    const ids = checkIdList(body);
    await this.write(projectId, async (c) => {
      for (const id of ids) await requireSkill(c, id);
      await c.repo.deleteSkills(projectId, ids, c.rev);
    });
  }
}
