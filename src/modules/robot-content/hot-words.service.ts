// Keyword Record Management: a robot's hot-word records (each names a vocabulary kept in
// SIS or Mobvoi) and the robot-wide hot-words switch.
import type { HotWordsInfo, OperationTypes } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import type { ModuleDeps } from '../types.ts';
import { ContentRepo, type HotWordsRow } from './content.repo.ts';
import { RobotContentErrors } from './robot-content.errors.ts';
import {
  canonLanguage,
  checkId,
  checkRobotId,
  effectiveOffset,
  resolveHotWords,
} from './robot-content.rules.ts';
import { SettingsRepo } from './settings.repo.ts';

type T = OperationTypes;
/** A robot that never set the switch has hot words off (ERRATA 48). */
export const HOT_WORDS_SWITCH_DEFAULT = false;

export class HotWordsService {
  constructor(private readonly deps: ModuleDeps) {}

  async create(projectId: string, req: T['CreateHotWords']['body'], appUserId: string | undefined) {
    if (!req) throw RobotContentErrors.invalid('a request body is required');
    const robotId = checkRobotId(req.robot_id);
    const fields = resolveHotWords(req.hot_words_type, req.sis_hot_words, req.mobvoi_hot_words);
    const now = this.deps.clock.now();
    const row: HotWordsRow = {
      project_id: projectId,
      hot_words_id: newId(),
      robot_id: robotId,
      ...fields,
      app_user_id: appUserId ?? null,
      create_time: now,
      update_time: now,
    };
    await new ContentRepo(this.deps.db).insertHotWords(row);
    return infoOf(row);
  }

  async list(projectId: string, q: T['ListHotWords']['query']) {
    const repo = new ContentRepo(this.deps.db);
    const spec = {
      robotId: checkRobotId(q.robot_id),
      language: q.language && canonLanguage(q.language),
      region: q.region,
      type: q.hot_words_type,
    };
    const count = await repo.countHotWords(projectId, spec);
    const offset = effectiveOffset(count, q.offset, q.limit);
    const rows = count === 0 ? [] : await repo.pageHotWords(projectId, spec, offset, q.limit);
    return { offset, limit: q.limit, count, data: rows.map(infoOf) };
  }

  async show(projectId: string, id: string) {
    const row = await new ContentRepo(this.deps.db).getHotWords(projectId, checkId(id, 'hot_words_id'));
    if (!row) throw RobotContentErrors.hotWordsNotFound(id);
    return infoOf(row);
  }

  async update(projectId: string, id: string, req: T['UpdateHotWords']['body']) {
    checkId(id, 'hot_words_id');
    if (!req) throw RobotContentErrors.invalid('a request body is required');
    return this.deps.db.transaction().execute(async (trx) => {
      const repo = new ContentRepo(trx);
      const row = await repo.getHotWords(projectId, id, true);
      if (!row) throw RobotContentErrors.hotWordsNotFound(id);
      const fields = resolveHotWords(req.hot_words_type, req.sis_hot_words, req.mobvoi_hot_words, row);
      const next: HotWordsRow = { ...row, ...fields, update_time: this.deps.clock.now() };
      await repo.updateHotWords(projectId, id, { ...fields, update_time: next.update_time });
      return infoOf(next);
    });
  }

  async delete(projectId: string, id: string): Promise<void> {
    checkId(id, 'hot_words_id');
    if (!(await new ContentRepo(this.deps.db).deleteHotWords(projectId, id)))
      throw RobotContentErrors.hotWordsNotFound(id);
  }

  async setSwitch(projectId: string, req: T['UpdateHotWordsSwitch']['body']): Promise<void> {
    if (!req) throw RobotContentErrors.invalid('a request body is required');
    await new SettingsRepo(this.deps.db).setSwitch(
      projectId,
      checkRobotId(req.robot_id),
      { enable_hot_words: req.enable_hot_words },
      this.deps.clock.now(),
    );
  }

  async showSwitch(projectId: string, q: T['ShowHotWordsSwitch']['query']) {
    const row = await new SettingsRepo(this.deps.db).getSwitches(projectId, checkRobotId(q.robot_id));
    return { enable_hot_words: row?.enable_hot_words ?? HOT_WORDS_SWITCH_DEFAULT };
  }
}

function infoOf(row: HotWordsRow): HotWordsInfo {
  return {
    hot_words_id: row.hot_words_id,
    robot_id: row.robot_id,
    hot_words_type: row.hot_words_type,
    vocabulary_id: row.vocabulary_id,
    ...(row.sis_project_id !== null ? { sis_project_id: row.sis_project_id } : {}),
    ...(row.region !== null ? { region: row.region } : {}),
    language: row.language as HotWordsInfo['language'],
    create_time: wireTime(row.create_time),
    update_time: wireTime(row.update_time),
  };
}
