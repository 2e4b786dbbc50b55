// Small pieces of the runner (queue.ts).
import { sleep } from '../util/time.ts';
import type { Logger, TaskSpec } from './types.ts';

export function checkSpec(task: string, spec: TaskSpec): void {
  if (!task) throw new Error('a job task needs a name');
  if (spec.maxAttempts !== undefined && (!Number.isInteger(spec.maxAttempts) || spec.maxAttempts < 1)) {
    throw new Error(`job task "${task}": maxAttempts must be a positive integer`);
  }
}

/** True when every run settled within `ms`. */
export async function settledWithin(runs: Array<{ done: Promise<void> }>, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  const all = Promise.allSettled(runs.map((r) => r.done)).then(() => true);
  const result = await Promise.race([all, sleep(ms, timeout.signal).then(() => false)]);
  timeout.abort();
  return result;
}

/** A logger with fields bound: pino's child() when there is one. */
export function bindLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  const child = (logger as { child?: (b: object) => Logger }).child;
  if (typeof child === 'function') return child.call(logger, bindings);
  const wrap =
    (level: keyof Logger) =>
    (a: object | string, msg?: string): void => {
      if (typeof a === 'string') logger[level](bindings, a);
      else logger[level]({ ...bindings, ...a }, msg);
    };
  return { info: wrap('info'), warn: wrap('warn'), error: wrap('error'), debug: wrap('debug') };
}
