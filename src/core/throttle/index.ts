// Per-tenant, per-operation, per-second request budgets, as MetaStudio's gateway applies
// them (seed 003: "N times/second per single tenant", by region). One token bucket per
// (project, operation) with a one-second window. In memory on a single node; in Redis when
// several API nodes must share the count.
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Region } from '../../config.ts';

export interface ThrottleDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  retryAfterMs: number;
}

export interface Throttle {
  readonly store: 'memory' | 'redis';
  /** The per-second limit that applies to an operation in this region. */
  limitFor(operationId: string, table: Readonly<Record<Region, number>> | null): number;
  consume(projectId: string, operationId: string, limit: number): Promise<ThrottleDecision>;
}

export interface ThrottleOptions {
  region: Region;
  /** Limit for operations the published table does not list. */
  defaultRps: number;
  /** Shared store; when absent counts are kept in this process. */
  redis?: Redis;
}

export function createThrottle(opts: ThrottleOptions): Throttle {
  // rate-limiter-flexible takes the budget per limiter instance, so there is one limiter
  // per distinct limit value; the key carries tenant and operation.
  const limiters = new Map<number, RateLimiterAbstract>();
  const limiterFor = (points: number): RateLimiterAbstract => {
    let l = limiters.get(points);
    if (!l) {
      const memory = new RateLimiterMemory({ points, duration: 1, keyPrefix: `rl${points}` });
      l = opts.redis
        ? new RateLimiterRedis({
            storeClient: opts.redis,
            points,
            duration: 1,
            keyPrefix: `doppel:rl:${points}`,
            // If Redis goes away, keep limiting per node instead of failing requests.
            insuranceLimiter: memory,
          })
        : memory;
      limiters.set(points, l);
    }
    return l;
  };

  return {
    store: opts.redis ? 'redis' : 'memory',
    limitFor(_operationId, table) {
      return table?.[opts.region] ?? opts.defaultRps;
    },
    async consume(projectId, operationId, limit) {
      try {
        const r = await limiterFor(limit).consume(`${projectId}:${operationId}`, 1);
        return { allowed: true, limit, remaining: r.remainingPoints, retryAfterMs: 0 };
      } catch (e) {
        if (e instanceof RateLimiterRes) {
          return { allowed: false, limit, remaining: 0, retryAfterMs: e.msBeforeNext };
        }
        throw e;
      }
    },
  };
}
