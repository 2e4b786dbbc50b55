// The knowledge base answering a text: one matcher (engines/dialog) per project, kept in step
// with the database by its change feed. Before every question the project's revision is read
// (one row); when the database is ahead, only the questions changed and removed since are
// applied. So every process — API, worker, another node — answers from what is committed at
// the moment it is asked, without broadcasts or rebuilds. Least recently asked projects leave
// the cache first.
import type { Db } from '../../core/db/index.ts';
import {
  createMatcher,
  type Matcher,
  type MatcherOptions,
  type MatchOptions,
} from '../../engines/dialog/index.ts';
import { KnowledgeStore } from './knowledge.store.ts';

export interface KnowledgeAnswer {
  /** The matched intent, when its score reached the threshold. */
  best?: {
    intentId: string;
    intentName: string;
    skillId: string;
    questionId: string;
    answer: string;
    score: number;
  };
  candidates: Array<{ intentId: string; skillId: string; questionId: string; score: number }>;
  threshold: number;
  mode: 'lexical' | 'blended';
}

interface Entry {
  matcher: Matcher;
  rev: number;
  /** The catch-up under way, shared by concurrent questions. */
  syncing?: Promise<void>;
}

export class KnowledgeAnswerer {
  private readonly store: KnowledgeStore;
  private readonly cache = new Map<string, Entry>();

  constructor(
    db: Db,
    private readonly options: MatcherOptions = {},
    private readonly maxProjects = 64,
  ) {
    this.store = new KnowledgeStore(db);
  }

  async ask(projectId: string, text: string, options: MatchOptions = {}): Promise<KnowledgeAnswer> {
    const entry = await this.synced(projectId);
    const r = await entry.matcher.match(text, options);
    const candidates = r.candidates.map((c) => ({
      intentId: c.intentId,
      skillId: c.skillId,
      questionId: c.docId,
      score: c.score,
    }));
    if (!r.best) return { candidates, threshold: r.threshold, mode: r.mode };
    const intent = await this.store.answerOf(projectId, r.best.intentId);
    // Deleted between the match and now: the next question catches up; this one has no answer.
    if (!intent) return { candidates, threshold: r.threshold, mode: r.mode };
    return {
      best: {
        intentId: r.best.intentId,
        intentName: intent.intentName,
        skillId: intent.skillId,
        questionId: r.best.docId,
        answer: intent.answer,
        score: r.best.score,
      },
      candidates,
      threshold: r.threshold,
      mode: r.mode,
    };
  }

  /** The project's matcher, brought up to the database's current revision. */
  private async synced(projectId: string): Promise<Entry> {
    let entry = this.cache.get(projectId);
    if (entry) {
      this.cache.delete(projectId);
      this.cache.set(projectId, entry);
    } else {
      entry = { matcher: createMatcher(this.options), rev: 0 };
      this.cache.set(projectId, entry);
      for (const old of this.cache.keys()) {
        if (this.cache.size <= this.maxProjects) break;
        this.cache.delete(old);
      }
    }
    const e = entry;
    while (e.syncing) await e.syncing;
    // changesSince reads the revision first and stops there when nothing changed.
    e.syncing = (async () => {
      const changes = await this.store.changesSince(projectId, e.rev);
      if (changes.reset) {
        e.matcher = createMatcher(this.options);
      }
      e.matcher.remove(changes.removed);
      await e.matcher.upsert(changes.upserts);
      e.rev = changes.rev;
    })().finally(() => {
      e.syncing = undefined;
    });
    await e.syncing;
    return e;
  }
}
