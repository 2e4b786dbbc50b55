// A typed door to autocannon's programmatic API (the package ships no type definitions);
// only what the benchmarks use is declared.
import { createRequire } from 'node:module';

export interface AutocannonOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  connections?: number;
  /** Seconds. */
  duration?: number;
  pipelining?: number;
  /** Seconds before a request counts as timed out. */
  timeout?: number;
  /** Requests each connection sends in turn, instead of method/headers/body. */
  requests?: Array<{ method: string; path: string; headers: Record<string, string>; body?: string | Buffer }>;
}

/** autocannon's percentile summary (`p50`, `p99`, …), plus mean and spread. */
export interface AutocannonStats {
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p99: number;
  [percentile: `p${string}`]: number;
}

export interface AutocannonResult {
  /** Per-second samples of completed requests. */
  requests: AutocannonStats & { sent: number };
  /** Milliseconds, recorded as whole numbers. */
  latency: AutocannonStats;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  resets: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}

/** Called for every response: status, bytes, and the time it took in milliseconds. */
export type OnResponse = (client: unknown, statusCode: number, bytes: number, ms: number) => void;

interface Instance {
  on(event: 'response', listener: OnResponse): unknown;
}

type Run = (opts: AutocannonOptions, cb: (err: Error | null, result: AutocannonResult) => void) => Instance;

const run = createRequire(import.meta.url)('autocannon') as Run;

/** Runs one load test to its end; `onResponse` sees every response as it arrives. */
export function autocannon(opts: AutocannonOptions, onResponse?: OnResponse): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const instance = run(opts, (err, result) => (err ? reject(err) : resolve(result)));
    if (onResponse) instance.on('response', onResponse);
  });
}
