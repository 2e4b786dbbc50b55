// All SQL for welcome speeches, hot questions and hot-word records; every query is scoped
// by project (and the lists by robot).
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type {
  RobotHotQuestionsTable,
  RobotHotWordsTable,
  RobotWelcomeSpeechesTable,
} from '../../core/db/schema.ts';

export type SpeechRow = Selectable<RobotWelcomeSpeechesTable>;
export type QuestionRow = Selectable<RobotHotQuestionsTable>;
export type HotWordsRow = Selectable<RobotHotWordsTable>;

export interface ListSpec {
  robotId: string;
  language?: string;
}

export class ContentRepo {
  constructor(private readonly db: Db) {}

  // ── welcome speeches ───────────────────────────────────────────────────────
  async insertSpeech(row: Insertable<RobotWelcomeSpeechesTable>): Promise<void> {
    await this.db.insertInto('robot_welcome_speeches').values(row).execute();
  }

  getSpeech(projectId: string, id: string, forUpdate = false): Promise<SpeechRow | undefined> {
    let q = this.db
      .selectFrom('robot_welcome_speeches')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('welcome_speech_id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async updateSpeech(projectId: string, id: string, patch: Updateable<RobotWelcomeSpeechesTable>) {
    await this.db
      .updateTable('robot_welcome_speeches')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('welcome_speech_id', '=', id)
      .execute();
  }

  /** The ids among `ids` that exist in the project, locked for the delete that follows. */
  async lockSpeeches(projectId: string, ids: string[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom('robot_welcome_speeches')
      .select('welcome_speech_id')
      .where('project_id', '=', projectId)
      .where('welcome_speech_id', 'in', ids)
      .forUpdate()
      .execute();
    return rows.map((r) => r.welcome_speech_id);
  }

  async deleteSpeeches(projectId: string, ids: string[]): Promise<void> {
    await this.db
      .deleteFrom('robot_welcome_speeches')
      .where('project_id', '=', projectId)
      .where('welcome_speech_id', 'in', ids)
      .execute();
  }

  private speeches(projectId: string, spec: ListSpec) {
    let q = this.db
      .selectFrom('robot_welcome_speeches')
      .where('project_id', '=', projectId)
      .where('robot_id', '=', spec.robotId);
    if (spec.language) q = q.where('language', '=', spec.language);
    return q;
  }

  async countSpeeches(projectId: string, spec: ListSpec): Promise<number> {
    const r = await this.speeches(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  pageSpeeches(projectId: string, spec: ListSpec, offset: number, limit: number): Promise<SpeechRow[]> {
    return this.speeches(projectId, spec)
      .selectAll()
      .orderBy('create_time')
      .orderBy('welcome_speech_id')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  // ── hot questions ──────────────────────────────────────────────────────────
  async insertQuestion(row: Insertable<RobotHotQuestionsTable>): Promise<void> {
    await this.db.insertInto('robot_hot_questions').values(row).execute();
  }

  getQuestion(projectId: string, id: string, forUpdate = false): Promise<QuestionRow | undefined> {
    let q = this.db
      .selectFrom('robot_hot_questions')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('hot_question_id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async updateQuestion(projectId: string, id: string, patch: Updateable<RobotHotQuestionsTable>) {
    await this.db
      .updateTable('robot_hot_questions')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('hot_question_id', '=', id)
      .execute();
  }

  async lockQuestions(projectId: string, ids: string[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom('robot_hot_questions')
      .select('hot_question_id')
      .where('project_id', '=', projectId)
      .where('hot_question_id', 'in', ids)
      .forUpdate()
      .execute();
    return rows.map((r) => r.hot_question_id);
  }

  async deleteQuestions(projectId: string, ids: string[]): Promise<void> {
    await this.db
      .deleteFrom('robot_hot_questions')
      .where('project_id', '=', projectId)
      .where('hot_question_id', 'in', ids)
      .execute();
  }

  private questions(projectId: string, spec: ListSpec) {
    let q = this.db
      .selectFrom('robot_hot_questions')
      .where('project_id', '=', projectId)
      .where('robot_id', '=', spec.robotId);
    if (spec.language) q = q.where('language', '=', spec.language);
    return q;
  }

  async countQuestions(projectId: string, spec: ListSpec): Promise<number> {
    const r = await this.questions(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  pageQuestions(
    projectId: string,
    spec: ListSpec,
    page: { offset: number; limit: number; dir: 'asc' | 'desc' },
  ): Promise<QuestionRow[]> {
    return this.questions(projectId, spec)
      .selectAll()
      .orderBy('create_time', page.dir)
      .orderBy('hot_question_id', page.dir)
      .offset(page.offset)
      .limit(page.limit)
      .execute();
  }

  // ── hot-word records ───────────────────────────────────────────────────────
  async insertHotWords(row: Insertable<RobotHotWordsTable>): Promise<void> {
    await this.db.insertInto('robot_hot_words').values(row).execute();
  }

  getHotWords(projectId: string, id: string, forUpdate = false): Promise<HotWordsRow | undefined> {
    let q = this.db
      .selectFrom('robot_hot_words')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('hot_words_id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async updateHotWords(projectId: string, id: string, patch: Updateable<RobotHotWordsTable>) {
    await this.db
      .updateTable('robot_hot_words')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('hot_words_id', '=', id)
      .execute();
  }

  async deleteHotWords(projectId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('robot_hot_words')
      .where('project_id', '=', projectId)
      .where('hot_words_id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  private hotWords(projectId: string, spec: ListSpec & { region?: number; type?: string }) {
    let q = this.db
      .selectFrom('robot_hot_words')
      .where('project_id', '=', projectId)
      .where('robot_id', '=', spec.robotId);
    if (spec.language) q = q.where('language', '=', spec.language);
    if (spec.region !== undefined) q = q.where('region', '=', spec.region);
    if (spec.type) q = q.where('hot_words_type', '=', spec.type as 'SIS' | 'MOBVOI');
    return q;
  }

  async countHotWords(projectId: string, spec: ListSpec & { region?: number; type?: string }) {
    const r = await this.hotWords(projectId, spec)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  pageHotWords(
    projectId: string,
    spec: ListSpec & { region?: number; type?: string },
    offset: number,
    limit: number,
  ): Promise<HotWordsRow[]> {
    return this.hotWords(projectId, spec)
      .selectAll()
      .orderBy('create_time')
      .orderBy('hot_words_id')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  // ── per robot ──────────────────────────────────────────────────────────────
  /** Everything one robot owns here (content and switches). */
  async deleteRobot(projectId: string, robotId: string): Promise<void> {
    for (const table of [
      'robot_welcome_speeches',
      'robot_hot_questions',
      'robot_hot_words',
      'robot_content_switches',
    ] as const) {
      await this.db
        .deleteFrom(table)
        .where('project_id', '=', projectId)
        .where('robot_id', '=', robotId)
        .execute();
    }
  }
}
