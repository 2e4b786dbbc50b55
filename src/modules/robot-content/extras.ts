// What a dialog robot takes from this module when it talks: its welcome speech, hot
// questions and hot-word vocabularies for one language, with the switches applied.
import type { Db } from '../../core/db/index.ts';
import { ContentRepo } from './content.repo.ts';
import { HOT_WORDS_SWITCH_DEFAULT } from './hot-words.service.ts';
import { canonLanguage } from './robot-content.rules.ts';
import { SettingsRepo } from './settings.repo.ts';
import { WELCOME_SWITCH_DEFAULT } from './welcome.service.ts';

export interface RobotExtras {
  /** Present only when the welcome-speech switch is on and an enabled speech has the language. */
  welcomeSpeech?: string;
  /** The robot's hot questions in the language, oldest first. */
  hotQuestions: string[];
  /**
   * Only when the hot-words switch is on: the vocabulary ids of the robot's hot-word records
   * in the language, oldest first, without repeats. A record names a vocabulary kept in SIS or
   * Mobvoi, not the words themselves (ERRATA 46).
   */
  hotWords: string[];
}

/** `language` defaults to CN; zh_CN / en_US count as CN / EN. */
export async function robotExtras(
  db: Db,
  projectId: string,
  robotId: string,
  language?: string,
): Promise<RobotExtras> {
  const lang = canonLanguage(language);
  const switches = await new SettingsRepo(db).getSwitches(projectId, robotId);
  const welcomeOn = switches?.enable_welcome_speech ?? WELCOME_SWITCH_DEFAULT;
  const hotWordsOn = switches?.enable_hot_words ?? HOT_WORDS_SWITCH_DEFAULT;
  const out: RobotExtras = { hotQuestions: [], hotWords: [] };
  if (welcomeOn) {
    // The most recently written enabled speech wins when a language has several.
    const speech = await db
      .selectFrom('robot_welcome_speeches')
      .select('welcome_speech')
      .where('project_id', '=', projectId)
      .where('robot_id', '=', robotId)
      .where('language', '=', lang)
      .where('enabled', '=', true)
      .orderBy('update_time', 'desc')
      .orderBy('welcome_speech_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (speech) out.welcomeSpeech = speech.welcome_speech;
  }
  const questions = await db
    .selectFrom('robot_hot_questions')
    .select('hot_question')
    .where('project_id', '=', projectId)
    .where('robot_id', '=', robotId)
    .where('language', '=', lang)
    .orderBy('create_time')
    .orderBy('hot_question_id')
    .execute();
  out.hotQuestions = questions.map((q) => q.hot_question);
  if (hotWordsOn) {
    const words = await db
      .selectFrom('robot_hot_words')
      .select('vocabulary_id')
      .where('project_id', '=', projectId)
      .where('robot_id', '=', robotId)
      .where('language', '=', lang)
      .orderBy('create_time')
      .orderBy('hot_words_id')
      .execute();
    out.hotWords = [...new Set(words.map((w) => w.vocabulary_id))];
  }
  return out;
}

/** Removes everything a robot owns here; runs in the caller's transaction when given one. */
export async function deleteForRobot(db: Db, projectId: string, robotId: string): Promise<void> {
  if (db.isTransaction) return new ContentRepo(db).deleteRobot(projectId, robotId);
  await db.transaction().execute((trx) => new ContentRepo(trx).deleteRobot(projectId, robotId));
}
