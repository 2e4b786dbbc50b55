// Virtual Avatar Greeting Management: a robot's welcome speeches (per language, each with
// its own enabled flag) and the robot-wide welcome-speech switch.
import type { OperationTypes, WelcomeSpeechInfo } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import type { ModuleDeps } from '../types.ts';
import { ContentRepo, type SpeechRow } from './content.repo.ts';
import { RobotContentErrors } from './robot-content.errors.ts';
import {
  canonLanguage,
  checkId,
  checkIdList,
  checkRobotId,
  checkText,
  effectiveOffset,
} from './robot-content.rules.ts';
import { SettingsRepo } from './settings.repo.ts';

type T = OperationTypes;
/** A robot that never set the switch has welcome speeches off (ERRATA 48). */
export const WELCOME_SWITCH_DEFAULT = false;

export class WelcomeService {
  constructor(private readonly deps: ModuleDeps) {}

  async create(projectId: string, req: T['CreateWelcomeSpeech']['body'], appUserId: string | undefined) {
    if (!req) throw RobotContentErrors.invalid('a request body is required');
    const now = this.deps.clock.now();
    const row: SpeechRow = {
      project_id: projectId,
      welcome_speech_id: newId(),
      robot_id: checkRobotId(req.robot_id),
      language: canonLanguage(req.language),
      welcome_speech: checkText(req.welcome_speech, 'welcome_speech'),
      enabled: true,
      app_user_id: appUserId ?? null,
      create_time: now,
      update_time: now,
    };
    await new ContentRepo(this.deps.db).insertSpeech(row);
    return infoOf(row);
  }

  async list(projectId: string, q: T['ListWelcomeSpeech']['query']) {
    const repo = new ContentRepo(this.deps.db);
    const spec = { robotId: checkRobotId(q.robot_id), language: q.language && canonLanguage(q.language) };
    const count = await repo.countSpeeches(projectId, spec);
    const offset = effectiveOffset(count, q.offset, q.limit);
    const rows = count === 0 ? [] : await repo.pageSpeeches(projectId, spec, offset, q.limit);
    return { offset, limit: q.limit, count, data: rows.map(infoOf) };
  }

  async show(projectId: string, id: string) {
    const row = await new ContentRepo(this.deps.db).getSpeech(projectId, checkId(id, 'welcome_speech_id'));
    if (!row) throw RobotContentErrors.welcomeSpeechNotFound(id);
    return infoOf(row);
  }

  async update(projectId: string, id: string, req: T['UpdateWelcomeSpeech']['body']) {
    checkId(id, 'welcome_speech_id');
    if (!req || (req.welcome_speech === undefined && req.enable_welcome_speech === undefined))
      throw RobotContentErrors.invalid('give welcome_speech, enable_welcome_speech or both');
    const text =
      req.welcome_speech === undefined ? undefined : checkText(req.welcome_speech, 'welcome_speech');
    return this.deps.db.transaction().execute(async (trx) => {
      const repo = new ContentRepo(trx);
      const row = await repo.getSpeech(projectId, id, true);
      if (!row) throw RobotContentErrors.welcomeSpeechNotFound(id);
      const next: SpeechRow = {
        ...row,
        welcome_speech: text ?? row.welcome_speech,
        enabled: req.enable_welcome_speech ?? row.enabled,
        update_time: this.deps.clock.now(),
      };
      await repo.updateSpeech(projectId, id, {
        welcome_speech: next.welcome_speech,
        enabled: next.enabled,
        update_time: next.update_time,
      });
      return infoOf(next);
    });
  }

  /** All or nothing: one unknown id refuses the whole batch. */
  async delete(projectId: string, body: T['DeleteWelcomeSpeech']['body']): Promise<void> {
    const ids = checkIdList(body, 'welcome_speech_id');
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new ContentRepo(trx);
      const found = new Set(await repo.lockSpeeches(projectId, ids));
      const missing = ids.find((i) => !found.has(i));
      if (missing !== undefined) throw RobotContentErrors.welcomeSpeechNotFound(missing);
      await repo.deleteSpeeches(projectId, ids);
    });
  }

  /** The switch is per robot; `language` is accepted and checked but does not split it (ERRATA 48). */
  async setSwitch(projectId: string, req: T['UpdateWelcomeSpeechSwitch']['body']): Promise<void> {
    if (!req) throw RobotContentErrors.invalid('a request body is required');
    await new SettingsRepo(this.deps.db).setSwitch(
      projectId,
      checkRobotId(req.robot_id),
      { enable_welcome_speech: req.enable_welcome_speech },
      this.deps.clock.now(),
    );
  }

  async showSwitch(projectId: string, q: T['ShowWelcomeSpeechSwitch']['query']) {
    const row = await new SettingsRepo(this.deps.db).getSwitches(projectId, checkRobotId(q.robot_id));
    return { enable_welcome_speech: row?.enable_welcome_speech ?? WELCOME_SWITCH_DEFAULT };
  }
}

function infoOf(row: SpeechRow): WelcomeSpeechInfo {
  return {
    welcome_speech_id: row.welcome_speech_id,
    welcome_speech: row.welcome_speech,
    enable_welcome_speech: row.enabled,
    language: row.language as WelcomeSpeechInfo['language'],
    robot_id: row.robot_id,
    create_time: wireTime(row.create_time),
    update_time: wireTime(row.update_time),
  };
}
