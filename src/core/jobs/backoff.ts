// Retry delays. Exponential so a failing dependency is not hammered; jittered so jobs
// that failed together (a dependency went down) do not retry in lockstep.

export const DEFAULT_MAX_ATTEMPTS = 5;

export interface BackoffOptions {
  /** Delay before the second attempt, before jitter. */
  baseMs?: number;
  /** No delay exceeds this. */
  capMs?: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * "Equal jitter": the delay for failed attempt n is d = min(cap, base·2^(n-1)), drawn
 * uniformly from [d/2, d). Never shorter than half the nominal delay, never in lockstep.
 */
export function exponentialBackoff(opts: BackoffOptions = {}): (attempt: number) => number {
  const base = opts.baseMs ?? 1_000;
  const cap = opts.capMs ?? 10 * 60_000;
  const random = opts.random ?? Math.random;
  return (attempt) => {
    const nominal = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
    return Math.round(nominal / 2 + random() * (nominal / 2));
  };
}

export const defaultBackoff = exponentialBackoff();
