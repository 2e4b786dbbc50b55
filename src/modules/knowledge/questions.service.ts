// Knowledge questions: the phrasings of an intent. Texts are unique per skill. Batch create
// and batch modify are all or nothing, and their errors name the failing item.
import type {
  CreateBatchKnowledgeQuestionReq,
  CreateKnowledgeQuestionReq,
  OperationTypes,
  UpdateBatchKnowledgeQuestionReq,
  UpdateKnowledgeQuestionReq,
} from '../../contract/generated/types.ts';
import type { ModuleDeps } from '../types.ts';
import { KnowledgeErrors } from './knowledge.errors.ts';
import { MAX_QUESTIONS_PER_INTENT, QUESTION_MAX } from './knowledge.limits.ts';
import { KnowledgeRepo } from './knowledge.repo.ts';
import { at, checkIdList, checkLine, effectiveOffset } from './knowledge.rules.ts';
import { questionInfo } from './knowledge.views.ts';
import {
  checkQuestionTexts,
  insertQuestions,
  knowledgeWrite,
  requireIntent,
  type WriteCtx,
} from './knowledge.writes.ts';

type Types = OperationTypes;

export class QuestionsService {
  constructor(private readonly deps: Pick<ModuleDeps, 'db' | 'clock'>) {}

  private write<T>(projectId: string, fn: (c: WriteCtx) => Promise<T>) {
    return knowledgeWrite(this.deps.db, projectId, this.deps.clock.now(), fn);
  }

  async create(projectId: string, req: CreateKnowledgeQuestionReq | undefined) {
    if (!req) throw KnowledgeErrors.invalid('a request body is required');
    if (typeof req.intent_id !== 'string' || req.intent_id === '')
      throw KnowledgeErrors.invalid('intent_id is required');
    const intentId = req.intent_id;
    const text = checkLine(req.question, 'question', QUESTION_MAX);
    const [row] = await this.write(projectId, async (c) => {
      const intent = await requireIntent(c, intentId);
      return insertQuestions(c, intent, [text], 'question');
    });
    return { question_id: row!.question_id };
  }

  async createBatch(projectId: string, req: CreateBatchKnowledgeQuestionReq | undefined) {
    if (!req) throw KnowledgeErrors.invalid('a request body is required');
    const list = req.question_list;
    if (!Array.isArray(list) || list.length === 0) throw KnowledgeErrors.batchEmpty();
    if (list.length > MAX_QUESTIONS_PER_INTENT) throw KnowledgeErrors.questionCountExceeded(req.intent_id);
    const texts = checkQuestionTexts(
      list.map((q) => q?.question),
      'question_list',
    );
    const rows = await this.write(projectId, async (c) => {
      const intent = await requireIntent(c, req.intent_id);
      return insertQuestions(c, intent, texts, 'question_list');
    });
    return { question_list: rows.map(questionInfo) };
  }

  async list(projectId: string, q: Types['ListKnowledgeQuestion']['query']) {
    const repo = new KnowledgeRepo(this.deps.db);
    await requireIntent({ repo, projectId }, q.intent_id);
    const limit = q.limit ?? 10;
    const count = await repo.countQuestions(projectId, q.intent_id);
    const offset = effectiveOffset(q.offset ?? 0, limit, count);
    const rows = await repo.pageQuestions(projectId, q.intent_id, { offset, limit });
    return { offset, limit, count, data: rows.map(questionInfo) };
  }

  async show(projectId: string, questionId: string) {
    const [row] = await new KnowledgeRepo(this.deps.db).getQuestions(projectId, [questionId]);
    if (!row) throw KnowledgeErrors.questionNotFound('', questionId);
    return questionInfo(row);
  }

  async update(projectId: string, questionId: string, req: UpdateKnowledgeQuestionReq | undefined) {
    if (!req) throw KnowledgeErrors.invalid('a request body is required');
    if (req.question === undefined) {
      await this.show(projectId, questionId); // nothing to change; unknown ids still fail
      return;
    }
    await this.modify(projectId, [{ question_id: questionId, question: req.question }], 'question');
  }

  async updateBatch(projectId: string, req: UpdateBatchKnowledgeQuestionReq | undefined) {
    if (!req) throw KnowledgeErrors.invalid('a request body is required');
    const list = req.question_list;
    if (!Array.isArray(list) || list.length === 0) throw KnowledgeErrors.batchEmpty();
    if (list.length > MAX_QUESTIONS_PER_INTENT)
      throw KnowledgeErrors.invalid(`question_list holds more than ${MAX_QUESTIONS_PER_INTENT} items`);
    await this.modify(projectId, list, 'question_list');
  }

  /** New texts for existing questions, all or none; `field` names items in errors. */
  private async modify(
    projectId: string,
    items: ReadonlyArray<{ question_id: string; question: string }>,
    field: string,
  ) {
    const single = field === 'question';
    const where = (i: number) => (single ? '' : at(field, i));
    const ids = new Map<string, number>();
    const texts = items.map((item, i) => {
      const id = item?.question_id;
      if (typeof id !== 'string' || id === '')
        throw KnowledgeErrors.invalid(`${where(i)}question_id is required`);
      const first = ids.get(id);
      if (first !== undefined)
        throw KnowledgeErrors.invalid(`${where(i)}names question ${id} again (see ${field}[${first}])`);
      ids.set(id, i);
      return checkLine(item.question, single ? 'question' : `${field}[${i}].question`, QUESTION_MAX);
    });
    await this.write(projectId, async (c) => {
      const rows = new Map(
        (await c.repo.getQuestions(projectId, [...ids.keys()])).map((r) => [r.question_id, r]),
      );
      const current = items.map((item, i) => {
        const row = rows.get(item.question_id);
        if (!row) throw KnowledgeErrors.questionNotFound(where(i), item.question_id);
        return row;
      });
      // The texts the batch leaves per skill must be distinct, among themselves and from
      // the skill's other questions (the batch's own rows may swap texts).
      const claimed = new Map<string, number>();
      for (let i = 0; i < items.length; i++) {
        const key = `${current[i]!.skill_id}\u0000${texts[i]}`;
        if (claimed.has(key)) throw KnowledgeErrors.questionExists(where(i), texts[i]!);
        claimed.set(key, i);
      }
      const bySkill = new Map<string, number[]>();
      current.forEach((row, i) => {
        bySkill.set(row.skill_id, [...(bySkill.get(row.skill_id) ?? []), i]);
      });
      for (const [skillId, idx] of bySkill) {
        const clashes = await c.repo.questionsWithText(
          projectId,
          skillId,
          idx.map((i) => texts[i]!),
        );
        const other = clashes.find((q) => !ids.has(q.question_id));
        if (other) {
          const i = idx.find((j) => texts[j] === other.question)!;
          throw KnowledgeErrors.questionExists(where(i), texts[i]!);
        }
      }
      for (let i = 0; i < items.length; i++) {
        if (current[i]!.question === texts[i]) continue;
        await c.repo.updateQuestion(projectId, current[i]!.question_id, {
          question: texts[i]!,
          rev: c.rev,
          update_time: c.now,
        });
      }
    });
  }

  /** All named questions must exist (else nothing is deleted). */
  async delete(projectId: string, body: unknown) {
    const ids = checkIdList(body);
    await this.write(projectId, async (c) => {
      const found = new Set((await c.repo.getQuestions(projectId, ids)).map((r) => r.question_id));
      const missing = ids.find((id) => !found.has(id));
      if (missing) throw KnowledgeErrors.questionNotFound('', missing);
      await c.repo.deleteQuestions(projectId, ids, c.rev);
    });
  }
}
