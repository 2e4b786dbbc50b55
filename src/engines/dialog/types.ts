// The knowledge matcher's contract: what the knowledge module feeds it and what a dialog
// robot or a live room's INTELLIGENT_REPLY rule asks of it. The matcher is an in-memory index
// per project; the module keeps it in step with the database (see modules/knowledge).

/** One phrasing that should lead to an intent: a stored question, or the intent's own name. */
export interface KbDoc {
  /** Unique within the index: a question id, or `intent:<intent_id>` for the intent name. */
  id: string;
  intentId: string;
  skillId: string;
  text: string;
}

export interface MatchOptions {
  /** Only intents of these skills answer; all skills when absent or empty. */
  skillIds?: readonly string[];
  /** Terms to weigh higher where they occur in the question and in the user's text (hot words). */
  boostTerms?: readonly string[];
  /** How many ranked intents to return in `candidates` (default 5). */
  limit?: number;
  /** Overrides the matcher's acceptance threshold for this call (0…1). */
  threshold?: number;
}

export interface MatchHit {
  intentId: string;
  skillId: string;
  /** The doc (question) that scored best for this intent. */
  docId: string;
  /** 0…1, comparable across queries: the same threshold applies to every text. */
  score: number;
}

export interface MatchResult {
  /** The best intent when its score reaches the threshold; absent means "no match" (fallback). */
  best?: MatchHit;
  /** Up to `limit` intents, best first, whether or not they pass the threshold. */
  candidates: MatchHit[];
  threshold: number;
  /** How the score was made: the lexical ranking alone, or blended with embeddings. */
  mode: 'lexical' | 'blended';
}

/** An OpenAI-compatible `/v1/embeddings` client (or a test double that says it is one). */
export interface EmbeddingEngine {
  readonly name: string;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

export interface Matcher {
  /** Adds or replaces docs by id; the next match sees them. */
  upsert(docs: readonly KbDoc[]): Promise<void>;
  /** Removes docs by id; unknown ids are ignored. */
  remove(ids: readonly string[]): void;
  match(text: string, options?: MatchOptions): Promise<MatchResult>;
  readonly size: number;
}
