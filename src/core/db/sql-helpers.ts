// Small SQL helpers every repo shares, on PGlite and PostgreSQL alike.

/** True for PostgreSQL's unique_violation (SQLSTATE 23505), whichever driver raised it. */
export const isUniqueViolation = (e: unknown): boolean => (e as { code?: unknown })?.code === '23505';

/** A `%…%` LIKE/ILIKE pattern matching `s` literally (its `\`, `%` and `_` escaped). */
export const likePattern = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
