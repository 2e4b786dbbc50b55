// Backoff for repeated authentication failures (wrong passwords on /v3/auth/tokens, wrong
// signatures), keyed by what is being guessed at (a user, an access key) and by who is
// guessing (the client address). The first few failures in a window are free, as typing
// mistakes are; after that each failure doubles how long the key is refused, up to a
// ceiling. A refused key is answered 429 without checking the credential at all, so the
// right password does not work during a block either. Per process: several API nodes
// each keep their own count, which bounds guessing per node rather than per cluster.
import type { Clock } from '../util/time.ts';

export interface FailureGuardOptions {
  /** Failures within `windowMs` before backoff starts. */
  freeFailures: number;
  /** A key whose last failure is older than this starts afresh. */
  windowMs: number;
  /** The first block; each further failure doubles it. */
  baseBlockMs: number;
  maxBlockMs: number;
  /** Bound on remembered keys (an attacker can make up addresses and key names). */
  maxKeys: number;
  clock: Clock;
}

export interface FailureGuard {
  /** How long the key is still refused, 0 when it may try. */
  blockedFor(key: string): number;
  /** Records a failure; returns how long the key is refused from now on (0: not yet). */
  fail(key: string): number;
  /** A success forgets the key's failures. */
  succeed(key: string): void;
}

interface Entry {
  failures: number;
  lastAt: number;
  blockedUntil: number;
}

export function createFailureGuard(opts: FailureGuardOptions): FailureGuard {
  const entries = new Map<string, Entry>();
  const now = () => opts.clock.now().getTime();

  return {
    blockedFor(key) {
      const e = entries.get(key);
      return e ? Math.max(0, e.blockedUntil - now()) : 0;
    },
    fail(key) {
      const t = now();
      let e = entries.get(key);
      if (!e || t - e.lastAt > opts.windowMs) e = { failures: 0, lastAt: t, blockedUntil: 0 };
      e.failures += 1;
      e.lastAt = t;
      const over = e.failures - opts.freeFailures;
      if (over > 0) {
        e.blockedUntil = t + Math.min(opts.maxBlockMs, opts.baseBlockMs * 2 ** Math.min(over - 1, 30));
      }
      // Re-inserted so that the map's order is least recently failed first.
      entries.delete(key);
      entries.set(key, e);
      while (entries.size > opts.maxKeys) entries.delete(entries.keys().next().value as string);
      return Math.max(0, e.blockedUntil - t);
    },
    succeed(key) {
      entries.delete(key);
    },
  };
}

/** The guards of one process: what is guessed at (users, access keys) and who guesses. */
export interface AuthGuards {
  users: FailureGuard;
  keys: FailureGuard;
  addresses: FailureGuard;
}

export function createAuthGuards(settings: { free: number; maxBlockMs: number }, clock: Clock): AuthGuards {
  const guard = (free: number) =>
    createFailureGuard({
      freeFailures: free,
      windowMs: 15 * 60_000,
      baseBlockMs: 1_000,
      maxBlockMs: settings.maxBlockMs,
      maxKeys: 100_000,
      clock,
    });
  // One address may hold several users and keys (a NAT, a CI runner): it gets more room.
  return { users: guard(settings.free), keys: guard(settings.free), addresses: guard(settings.free * 5) };
}
