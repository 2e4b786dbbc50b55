// The read side a matcher follows: question-level changes since a revision, and the answer
// an intent gives. Revisions are per project and only grow (knowledge_revisions).
import type { Db } from '../../core/db/index.ts';
import { KnowledgeRepo } from './knowledge.repo.ts';

export interface KnowledgeDoc {
  id: string;
  intentId: string;
  skillId: string;
  text: string;
}

export interface KnowledgeChanges {
  /** The revision the answer is complete up to: pass it as `sinceRev` next time. */
  rev: number;
  /** Questions created or rewritten after `sinceRev` (a fresh reader, 0, gets every live one). */
  upserts: KnowledgeDoc[];
  /** Ids of questions deleted after `sinceRev` (directly or with their intent or skill). */
  removed: string[];
  /**
   * Set when the project's revision went back below `sinceRev` (its knowledge was wiped with
   * the project and begun anew): `upserts` then holds every live question and the reader
   * should drop everything else it holds for the project.
   */
  reset?: true;
}

export class KnowledgeStore {
  constructor(private readonly db: Db) {}

  currentRev(projectId: string): Promise<number> {
    return new KnowledgeRepo(this.db).currentRev(projectId);
  }

  /**
   * Reads the revision first, then only rows stamped up to it: a write committing meanwhile
   * is left for the next call (its rows carry a later revision), never half-seen.
   */
  async changesSince(projectId: string, sinceRev: number): Promise<KnowledgeChanges> {
    const repo = new KnowledgeRepo(this.db);
    const rev = await repo.currentRev(projectId);
    if (rev < sinceRev) return { ...(await this.changesSince(projectId, 0)), reset: true };
    if (rev === sinceRev) return { rev, upserts: [], removed: [] };
    const rows = await repo.questionsSince(projectId, sinceRev, rev);
    const removed = sinceRev > 0 ? await repo.removedSince(projectId, sinceRev, rev) : [];
    return {
      rev,
      upserts: rows.map((r) => ({
        id: r.question_id,
        intentId: r.intent_id,
        skillId: r.skill_id,
        text: r.question,
      })),
      removed,
    };
  }

  async answerOf(
    projectId: string,
    intentId: string,
  ): Promise<{ answer: string; intentName: string; skillId: string } | undefined> {
    const row = await new KnowledgeRepo(this.db).getIntent(projectId, intentId);
    return row ? { answer: row.answer, intentName: row.name, skillId: row.skill_id } : undefined;
  }
}
