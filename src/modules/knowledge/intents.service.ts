// Knowledge intents: a topic of a skill with its answer. `identify` is generated. Deleting an
// intent removes its questions in the same transaction.
import type {
  CreateIntentAndQuestionReq,
  CreateKnowledgeIntentReq,
  OperationTypes,
  UpdateKnowledgeIntentReq,
} from '../../contract/generated/types.ts';
import type { ModuleDeps } from '../types.ts';
import { KnowledgeErrors } from './knowledge.errors.ts';
import { ANSWER_MAX, INTENT_NAME_MAX } from './knowledge.limits.ts';
import { KnowledgeRepo } from './knowledge.repo.ts';
import { checkAnswer, checkIdList, checkLine, effectiveOffset } from './knowledge.rules.ts';
import { intentInfo, questionInfo } from './knowledge.views.ts';
import {
  checkIntentInput,
  checkQuestionTexts,
  insertIntent,
  insertQuestions,
  knowledgeWrite,
  requireIntent,
  requireSkill,
} from './knowledge.writes.ts';

type Types = OperationTypes;

const checkSkillId = (v: unknown) => {
  if (typeof v !== 'string' || v === '') throw KnowledgeErrors.invalid('skill_id is required');
  return v;
};

export class IntentsService {
  constructor(private readonly deps: Pick<ModuleDeps, 'db' | 'clock'>) {}

  private write<T>(projectId: string, fn: Parameters<typeof knowledgeWrite<T>>[3]) {
    return knowledgeWrite(this.deps.db, projectId, this.deps.clock.now(), fn);
  }

  async create(projectId: string, req: CreateKnowledgeIntentReq | undefined) {
    if (!req) throw KnowledgeErrors.invalid('a request body is required');
    const skillId = checkSkillId(req.skill_id);
    const input = checkIntentInput(req.name, req.answer);
    const row = await this.write(projectId, async (c) => {
      await requireSkill(c, skillId);
      return insertIntent(c, skillId, input);
    });
    return { intent_id: row.intent_id, identify: row.identify };
  }

  /** CreateIntentAndQuestion: the intent and its questions, all or nothing. */
  async createWithQuestions(projectId: string, req: CreateIntentAndQuestionReq | undefined) {
    if (!req) throw KnowledgeErrors.invalid('a request body is required');
    const skillId = checkSkillId(req.skill_id);
    const input = checkIntentInput(req.name, req.answer);
    const list = req.question_list ?? [];
    if (!Array.isArray(list)) throw KnowledgeErrors.invalid('question_list must be an array');
    const texts = checkQuestionTexts(
      list.map((q) => q?.question),
      'question_list',
    );
    const { intent, questions } = await this.write(projectId, async (c) => {
      await requireSkill(c, skillId);
      const intent = await insertIntent(c, skillId, input);
      return { intent, questions: await insertQuestions(c, intent, texts, 'question_list') };
    });
    return {
      intent_id: intent.intent_id,
      identify: intent.identify,
      question_list: questions.map(questionInfo),
    };
  }

  async list(projectId: string, q: Types['ListKnowledgeIntent']['query']) {
    const repo = new KnowledgeRepo(this.deps.db);
    await requireSkill({ repo, projectId }, q.skill_id);
    const limit = q.limit ?? 10;
    const count = await repo.countIntents(projectId, q.skill_id);
    const offset = effectiveOffset(q.offset ?? 0, limit, count);
    const rows = await repo.pageIntents(projectId, q.skill_id, { offset, limit });
    return { offset, limit, count, data: rows.map(intentInfo) };
  }

  async show(projectId: string, intentId: string) {
    return intentInfo(await requireIntent({ repo: new KnowledgeRepo(this.deps.db), projectId }, intentId));
  }

  async update(projectId: string, intentId: string, req: UpdateKnowledgeIntentReq | undefined) {
    if (!req) throw KnowledgeErrors.invalid('a request body is required');
    const name = req.name === undefined ? undefined : checkLine(req.name, 'name', INTENT_NAME_MAX);
    const answer = req.answer === undefined ? undefined : checkAnswer(req.answer, 'answer', ANSWER_MAX);
    await this.write(projectId, async (c) => {
      const intent = await requireIntent(c, intentId);
      if (name === undefined && answer === undefined) return;
      if (name !== undefined && name !== intent.name) {
        const other = await c.repo.intentWith(projectId, intent.skill_id, 'name', name);
        if (other) throw KnowledgeErrors.intentNameExists(name);
      }
      await c.repo.updateIntent(projectId, intentId, {
        ...(name !== undefined ? { name } : {}),
        ...(answer !== undefined ? { answer } : {}),
        update_time: c.now,
      });
    });
  }

  /** All named intents must exist (else nothing is deleted). */
  async delete(projectId: string, body: unknown) {
    const ids = checkIdList(body);
    await this.write(projectId, async (c) => {
      const found = new Set((await c.repo.getIntents(projectId, ids)).map((r) => r.intent_id));
      const missing = ids.find((id) => !found.has(id));
      if (missing) throw KnowledgeErrors.intentNotFound(missing);
      await c.repo.deleteIntents(projectId, ids, c.rev);
    });
  }
}
