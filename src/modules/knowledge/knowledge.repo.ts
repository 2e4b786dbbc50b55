// All SQL for the knowledge tables, every query scoped by project. Deletes write a tombstone
// for each question they remove, so the change feed sees cascades too.
import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type {
  KnowledgeIntentsTable,
  KnowledgeQuestionsTable,
  KnowledgeSkillsTable,
} from '../../core/db/schema.ts';

export type SkillRow = Selectable<KnowledgeSkillsTable>;
export type IntentRow = Selectable<KnowledgeIntentsTable>;
export type QuestionRow = Selectable<KnowledgeQuestionsTable>;

const page = { offset: 0, limit: 10 };
type Page = typeof page;

export class KnowledgeRepo {
  constructor(private readonly db: Db) {}

  /**
   * The project's next knowledge revision. Called first in every write transaction: the row
   * lock it takes serializes the project's knowledge writes (so the checks that follow hold).
   */
  async bumpRev(projectId: string): Promise<number> {
    const r = await this.db
      .insertInto('knowledge_revisions')
      .values({ project_id: projectId, rev: 1 })
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ rev: sql`knowledge_revisions.rev + 1` }))
      .returning('rev')
      .executeTakeFirstOrThrow();
    return Number(r.rev);
  }

  async currentRev(projectId: string): Promise<number> {
    const r = await this.db
      .selectFrom('knowledge_revisions')
      .select('rev')
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return r ? Number(r.rev) : 0;
  }

  // ── skills ────────────────────────────────────────────────────────────────
  async countSkills(projectId: string): Promise<number> {
    const r = await this.db
      .selectFrom('knowledge_skills')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  getSkill(projectId: string, skillId: string): Promise<SkillRow | undefined> {
    return this.db
      .selectFrom('knowledge_skills')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('skill_id', '=', skillId)
      .executeTakeFirst();
  }

  skillWith(projectId: string, column: 'name' | 'identify', value: string): Promise<SkillRow | undefined> {
    return this.db
      .selectFrom('knowledge_skills')
      .selectAll()
      .where('project_id', '=', projectId)
      .where(column, '=', value)
      .executeTakeFirst();
  }

  async insertSkill(row: Insertable<KnowledgeSkillsTable>): Promise<void> {
    await this.db.insertInto('knowledge_skills').values(row).execute();
  }

  async updateSkill(projectId: string, skillId: string, patch: Updateable<KnowledgeSkillsTable>) {
    await this.db
      .updateTable('knowledge_skills')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('skill_id', '=', skillId)
      .execute();
  }

  pageSkills(projectId: string, p: Page): Promise<SkillRow[]> {
    return this.db
      .selectFrom('knowledge_skills')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('seq')
      .offset(p.offset)
      .limit(p.limit)
      .execute();
  }

  /** Removes skills with their intents and questions (tombstoned at `rev`). */
  async deleteSkills(projectId: string, skillIds: string[], rev: number): Promise<void> {
    await this.tombstone(projectId, 'skill_id', skillIds, rev);
    await this.db
      .deleteFrom('knowledge_questions')
      .where('project_id', '=', projectId)
      .where('skill_id', 'in', skillIds)
      .execute();
    await this.db
      .deleteFrom('knowledge_intents')
      .where('project_id', '=', projectId)
      .where('skill_id', 'in', skillIds)
      .execute();
    await this.db
      .deleteFrom('knowledge_skills')
      .where('project_id', '=', projectId)
      .where('skill_id', 'in', skillIds)
      .execute();
  }

  // ── intents ───────────────────────────────────────────────────────────────
  async countIntents(projectId: string, skillId: string): Promise<number> {
    const r = await this.db
      .selectFrom('knowledge_intents')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('skill_id', '=', skillId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  getIntent(projectId: string, intentId: string): Promise<IntentRow | undefined> {
    return this.db
      .selectFrom('knowledge_intents')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('intent_id', '=', intentId)
      .executeTakeFirst();
  }

  intentWith(
    projectId: string,
    skillId: string,
    column: 'name' | 'identify',
    value: string,
  ): Promise<IntentRow | undefined> {
    return this.db
      .selectFrom('knowledge_intents')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('skill_id', '=', skillId)
      .where(column, '=', value)
      .executeTakeFirst();
  }

  async insertIntent(row: Insertable<KnowledgeIntentsTable>): Promise<void> {
    await this.db.insertInto('knowledge_intents').values(row).execute();
  }

  async updateIntent(projectId: string, intentId: string, patch: Updateable<KnowledgeIntentsTable>) {
    await this.db
      .updateTable('knowledge_intents')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('intent_id', '=', intentId)
      .execute();
  }

  pageIntents(projectId: string, skillId: string, p: Page): Promise<IntentRow[]> {
    return this.db
      .selectFrom('knowledge_intents')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('skill_id', '=', skillId)
      .orderBy('seq')
      .offset(p.offset)
      .limit(p.limit)
      .execute();
  }

  /** Every intent of a skill in creation order (export). */
  intentsOfSkill(projectId: string, skillId: string): Promise<IntentRow[]> {
    return this.db
      .selectFrom('knowledge_intents')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('skill_id', '=', skillId)
      .orderBy('seq')
      .execute();
  }

  getIntents(projectId: string, intentIds: string[]): Promise<IntentRow[]> {
    return this.db
      .selectFrom('knowledge_intents')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('intent_id', 'in', intentIds)
      .execute();
  }

  /** Removes intents with their questions (tombstoned at `rev`). */
  async deleteIntents(projectId: string, intentIds: string[], rev: number): Promise<void> {
    await this.tombstone(projectId, 'intent_id', intentIds, rev);
    await this.db
      .deleteFrom('knowledge_questions')
      .where('project_id', '=', projectId)
      .where('intent_id', 'in', intentIds)
      .execute();
    await this.db
      .deleteFrom('knowledge_intents')
      .where('project_id', '=', projectId)
      .where('intent_id', 'in', intentIds)
      .execute();
  }

  // ── questions ─────────────────────────────────────────────────────────────
  async countQuestions(projectId: string, intentId: string): Promise<number> {
    const r = await this.db
      .selectFrom('knowledge_questions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('intent_id', '=', intentId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  getQuestions(projectId: string, questionIds: string[]): Promise<QuestionRow[]> {
    if (questionIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('knowledge_questions')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('question_id', 'in', questionIds)
      .execute();
  }

  /** The questions of a skill among `texts` (exact text). */
  questionsWithText(projectId: string, skillId: string, texts: string[]): Promise<QuestionRow[]> {
    if (texts.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('knowledge_questions')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('skill_id', '=', skillId)
      .where('question', 'in', texts)
      .execute();
  }

  async insertQuestions(rows: Insertable<KnowledgeQuestionsTable>[]): Promise<void> {
    if (rows.length > 0) await this.db.insertInto('knowledge_questions').values(rows).execute();
  }

  async updateQuestion(projectId: string, questionId: string, patch: Updateable<KnowledgeQuestionsTable>) {
    await this.db
      .updateTable('knowledge_questions')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('question_id', '=', questionId)
      .execute();
  }

  pageQuestions(projectId: string, intentId: string, p: Page): Promise<QuestionRow[]> {
    return this.db
      .selectFrom('knowledge_questions')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('intent_id', '=', intentId)
      .orderBy('seq')
      .offset(p.offset)
      .limit(p.limit)
      .execute();
  }

  /** Every question of a skill in creation order (export). */
  questionsOfSkill(projectId: string, skillId: string): Promise<QuestionRow[]> {
    return this.db
      .selectFrom('knowledge_questions')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('skill_id', '=', skillId)
      .orderBy('seq')
      .execute();
  }

  async deleteQuestions(projectId: string, questionIds: string[], rev: number): Promise<void> {
    await this.tombstone(projectId, 'question_id', questionIds, rev);
    await this.db
      .deleteFrom('knowledge_questions')
      .where('project_id', '=', projectId)
      .where('question_id', 'in', questionIds)
      .execute();
  }

  private async tombstone(
    projectId: string,
    column: 'skill_id' | 'intent_id' | 'question_id',
    ids: string[],
    rev: number,
  ): Promise<void> {
    await this.db
      .insertInto('knowledge_tombstones')
      .columns(['project_id', 'question_id', 'rev'])
      .expression(
        this.db
          .selectFrom('knowledge_questions')
          .select(['project_id', 'question_id', sql<number>`${rev}::bigint`.as('rev')])
          .where('project_id', '=', projectId)
          .where(column, 'in', ids),
      )
      .execute();
  }

  // ── change feed ───────────────────────────────────────────────────────────
  questionsSince(projectId: string, sinceRev: number, untilRev: number): Promise<QuestionRow[]> {
    return this.db
      .selectFrom('knowledge_questions')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('rev', '>', sinceRev)
      .where('rev', '<=', untilRev)
      .orderBy('rev')
      .orderBy('seq')
      .execute();
  }

  async removedSince(projectId: string, sinceRev: number, untilRev: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('knowledge_tombstones')
      .select('question_id')
      .distinct()
      .where('project_id', '=', projectId)
      .where('rev', '>', sinceRev)
      .where('rev', '<=', untilRev)
      .execute();
    return rows.map((r) => r.question_id);
  }
}
