// The dialog engine: the knowledge matcher (docs/design/2026-12-03-knowledge-matcher.md), the
// third-party LLM client and the sentence chunker that lets an answer be spoken as it streams.
export { type OpenAiEmbeddingsOptions, openAiEmbeddings } from './embeddings.ts';
export { type ChatMessage, chatCompletion, LlmError, type LlmRequest, sseContent } from './llm-client.ts';
export { createMatcher, DEFAULT_THRESHOLD, type MatcherOptions } from './matcher.ts';
export { SentenceChunker } from './sentences.ts';
export { features, normalizeText } from './text.ts';
export type { EmbeddingEngine, KbDoc, Matcher, MatchHit, MatchOptions, MatchResult } from './types.ts';
