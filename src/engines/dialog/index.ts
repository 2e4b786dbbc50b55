// The dialog engine's knowledge matcher (see docs/design/2026-12-03-knowledge-matcher.md).
export { type OpenAiEmbeddingsOptions, openAiEmbeddings } from './embeddings.ts';
export { createMatcher, DEFAULT_THRESHOLD, type MatcherOptions } from './matcher.ts';
export { features, normalizeText } from './text.ts';
export type { EmbeddingEngine, KbDoc, Matcher, MatchHit, MatchOptions, MatchResult } from './types.ts';
