// Frequently Asked Question Management: a robot's hot questions, per language.
import type { HotQuestionInfo, OperationTypes } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import type { ModuleDeps } from '../types.ts';
import { ContentRepo, type QuestionRow } from './content.repo.ts';
import { RobotContentErrors } from './robot-content.errors.ts';
import {
  canonLanguage,
  checkId,
  checkIdList,
  checkRobotId,
  checkText,
  effectiveOffset,
  sortDirection,
} from './robot-content.rules.ts';

type T = OperationTypes;

export class QuestionsService {
  constructor(private readonly deps: ModuleDeps) {}

  async create(projectId: string, req: T['CreateHotQuestion']['body'], appUserId: string | undefined) {
    if (!req) throw RobotContentErrors.invalid('a request body is required');
    const now = this.deps.clock.now();
    const row: QuestionRow = {
      project_id: projectId,
      hot_question_id: newId(),
      robot_id: checkRobotId(req.robot_id),
      language: canonLanguage(req.language),
      hot_question: checkText(req.hot_question, 'hot_question'),
      app_user_id: appUserId ?? null,
      create_time: now,
      update_time: now,
    };
    await new ContentRepo(this.deps.db).insertQuestion(row);
    return infoOf(row);
  }

  async list(projectId: string, q: T['ListHotQuestion']['query']) {
    const repo = new ContentRepo(this.deps.db);
    const dir = sortDirection(q.sort_dir);
    const spec = { robotId: checkRobotId(q.robot_id), language: q.language && canonLanguage(q.language) };
    const count = await repo.countQuestions(projectId, spec);
    const offset = effectiveOffset(count, q.offset, q.limit);
    const rows =
      count === 0 ? [] : await repo.pageQuestions(projectId, spec, { offset, limit: q.limit, dir });
    return { offset, limit: q.limit, count, data: rows.map(infoOf) };
  }

  async show(projectId: string, id: string) {
    const row = await new ContentRepo(this.deps.db).getQuestion(projectId, checkId(id, 'hot_question_id'));
    if (!row) throw RobotContentErrors.hotQuestionNotFound(id);
    return infoOf(row);
  }

  async update(projectId: string, id: string, req: T['UpdateHotQuestion']['body']) {
    checkId(id, 'hot_question_id');
    if (req?.hot_question === undefined) throw RobotContentErrors.invalid('hot_question is required');
    const text = checkText(req.hot_question, 'hot_question');
    return this.deps.db.transaction().execute(async (trx) => {
      const repo = new ContentRepo(trx);
      const row = await repo.getQuestion(projectId, id, true);
      if (!row) throw RobotContentErrors.hotQuestionNotFound(id);
      const next: QuestionRow = { ...row, hot_question: text, update_time: this.deps.clock.now() };
      await repo.updateQuestion(projectId, id, { hot_question: text, update_time: next.update_time });
      return infoOf(next);
    });
  }

  /** All or nothing: one unknown id refuses the whole batch. */
  async delete(projectId: string, body: T['DeleteHotQuestion']['body']): Promise<void> {
    const ids = checkIdList(body, 'hot_question_id');
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new ContentRepo(trx);
      const found = new Set(await repo.lockQuestions(projectId, ids));
      const missing = ids.find((i) => !found.has(i));
      if (missing !== undefined) throw RobotContentErrors.hotQuestionNotFound(missing);
      await repo.deleteQuestions(projectId, ids);
    });
  }
}

function infoOf(row: QuestionRow): HotQuestionInfo {
  return {
    hot_question_id: row.hot_question_id,
    hot_question: row.hot_question,
    language: row.language as HotQuestionInfo['language'],
    robot_id: row.robot_id,
    create_time: wireTime(row.create_time),
    update_time: wireTime(row.update_time),
  };
}
