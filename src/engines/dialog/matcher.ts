// The knowledge matcher: user text → the best intent with a 0…1 score, or no match under the
// threshold. Lexical scoring (lexical-index.ts) always runs; with an embedding engine the score
// is blended with the cosine between the text and each question, so that phrasings sharing no
// words can still meet. One matcher holds one project's questions.
import { dot } from './embeddings.ts';
import { LexicalIndex, type ScoredDoc } from './lexical-index.ts';
import { features } from './text.ts';
import type { EmbeddingEngine, KbDoc, Matcher, MatchHit, MatchOptions, MatchResult } from './types.ts';

/** Chosen on the development half of the bench's evaluation set (docs/benchmarks.md). */
export const DEFAULT_THRESHOLD = 0.31;
/** Above this many questions, vectors rescore the lexical candidates instead of all questions. */
const BRUTE_FORCE_MAX = 20_000;

export interface MatcherOptions {
  threshold?: number;
  embeddings?: EmbeddingEngine;
  /** The embedding's share of a blended score (0…1, default 0.5). */
  blend?: number;
  /** Cosines at or below this count as 0 in the blend (default 0.3), 1 stays 1. */
  cosineFloor?: number;
}

export function createMatcher(o: MatcherOptions = {}): Matcher {
  return new KnowledgeMatcher(o);
}

class KnowledgeMatcher implements Matcher {
  private readonly index = new LexicalIndex();
  private readonly vectors = new Map<string, Float32Array>();
  private readonly threshold: number;
  private readonly blend: number;
  private readonly floor: number;

  constructor(private readonly o: MatcherOptions) {
    this.threshold = o.threshold ?? DEFAULT_THRESHOLD;
    this.blend = o.blend ?? 0.5;
    this.floor = o.cosineFloor ?? 0.3;
  }

  get size(): number {
    return this.index.size;
  }

  async upsert(docs: readonly KbDoc[]): Promise<void> {
    let vectors: Float32Array[] | undefined;
    if (this.o.embeddings && docs.length > 0) {
      try {
        vectors = await this.o.embeddings.embed(docs.map((d) => d.text));
      } catch {
        // The lexical half still answers; these questions are scored by words alone.
        vectors = undefined;
      }
    }
    docs.forEach((d, i) => {
      this.index.add(d, features(d.text));
      const v = vectors?.[i];
      if (v) this.vectors.set(d.id, v);
      else this.vectors.delete(d.id);
    });
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      this.index.remove(id);
      this.vectors.delete(id);
    }
  }

  async match(text: string, options: MatchOptions = {}): Promise<MatchResult> {
    const limit = options.limit ?? 5;
    const threshold = options.threshold ?? this.threshold;
    const boost = boostFeatures(options.boostTerms);
    const lexical = this.index.search(features(text), { skillIds: options.skillIds, boost, limit });
    let scored: ScoredDoc[] = lexical;
    let mode: MatchResult['mode'] = 'lexical';
    if (this.o.embeddings && this.vectors.size > 0 && text.trim()) {
      const q = await this.o.embeddings.embed([text]).then(
        (v) => v[0],
        () => undefined,
      );
      if (q) {
        mode = 'blended';
        scored = this.blended(q, lexical, options.skillIds);
      }
    }
    // An intent scores by its best question, raised by its second best as a probabilistic
    // "or": a text that meets two phrasings of one intent is likelier to mean it than a text
    // that brushes one phrasing through a single shared word.
    const byIntent = new Map<string, { hit: MatchHit; second: number }>();
    for (const d of scored) {
      const prev = byIntent.get(d.intentId);
      if (!prev)
        byIntent.set(d.intentId, {
          hit: { intentId: d.intentId, skillId: d.skillId, docId: d.id, score: d.score },
          second: 0,
        });
      else if (d.score > prev.hit.score) {
        prev.second = prev.hit.score;
        prev.hit = { intentId: d.intentId, skillId: d.skillId, docId: d.id, score: d.score };
      } else if (d.score > prev.second) prev.second = d.score;
    }
    const candidates = [...byIntent.values()]
      .map(({ hit, second }) => ({ ...hit, score: round(1 - (1 - hit.score) * (1 - second)) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
    const top = candidates[0];
    return { ...(top && top.score >= threshold ? { best: top } : {}), candidates, threshold, mode };
  }

  private blended(q: Float32Array, lexical: ScoredDoc[], skillIds?: readonly string[]): ScoredDoc[] {
    const lex = new Map(lexical.map((d) => [d.id, d]));
    const pool: ScoredDoc[] =
      this.index.size <= BRUTE_FORCE_MAX ? [...this.index.liveSlots(skillIds)] : lexical;
    const out: ScoredDoc[] = [];
    for (const d of pool) {
      const lexScore = lex.get(d.id)?.score ?? 0;
      const v = this.vectors.get(d.id);
      if (!v) {
        if (lexScore > 0) out.push({ ...d, score: lexScore });
        continue;
      }
      const c = Math.max(0, (dot(q, v) - this.floor) / (1 - this.floor));
      out.push({ ...d, score: (1 - this.blend) * lexScore + this.blend * c });
    }
    return out.sort((a, b) => b.score - a.score);
  }
}

function boostFeatures(terms?: readonly string[]): Set<string> | undefined {
  if (!terms || terms.length === 0) return undefined;
  const out = new Set<string>();
  for (const t of terms) for (const [f, w] of features(t)) if (w >= 1) out.add(f);
  return out;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
