// A pool of engine processes: requests queue FIFO for an idle process; processes start on
// demand up to `size` and a dead one is simply dropped, so the next request starts a fresh
// one. A request whose process crashes is retried once on a fresh process (requests are
// single sentences, so a retry is cheap and idempotent); a second crash fails it with a
// retryable SpeechError('ENGINE_FAILED'). An aborted request kills its process. Engines
// idle for `idleMs` are stopped, so a quiet server does not hold N × ~100 MB.
import type { EngineProcess, EngineResult } from './engine-process.ts';
import type { SynthRequest } from './protocol.ts';
import { isSpeechError, SpeechError } from './types.ts';

export interface EnginePoolOptions {
  size: number;
  spawn(): EngineProcess;
  /** Transparent retries after an engine crash; default 1. */
  retries?: number;
  /** An engine idle this long is stopped (each holds ~100 MB); default 5 min, 0 = never. */
  idleMs?: number;
}

interface Waiter {
  resolve(p: EngineProcess): void;
  reject(e: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class EnginePool {
  readonly size: number;
  readonly #spawn: () => EngineProcess;
  readonly #retries: number;
  readonly #all = new Set<EngineProcess>();
  readonly #idle: EngineProcess[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #idleSince = new Map<EngineProcess, number>();
  readonly #reaper: NodeJS.Timeout | undefined;
  #closed = false;
  /** Processes that died while in use or idle; for metrics and tests. */
  crashes = 0;

  constructor(opts: EnginePoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1)
      throw new RangeError('pool size must be a positive integer');
    this.size = opts.size;
    this.#spawn = opts.spawn;
    this.#retries = opts.retries ?? 1;
    const idleMs = opts.idleMs ?? 300_000;
    if (idleMs > 0) {
      this.#reaper = setInterval(() => this.#reap(idleMs), Math.min(idleMs, 30_000));
      this.#reaper.unref();
    }
  }

  /** Process ids of the live engine processes. */
  pids(): number[] {
    return [...this.#all].flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  }

  /** Starts every process now instead of on first use (benchmarks, eager start). */
  async warm(): Promise<void> {
    while (this.#all.size < this.size) this.#add();
    await Promise.all([...this.#all].map((p) => p.ready.catch(() => {})));
  }

  async run(req: Omit<SynthRequest, 'id' | 'op'>, signal?: AbortSignal): Promise<EngineResult> {
    for (let attempt = 0; ; attempt++) {
      const proc = await this.#acquire(signal);
      try {
        return await proc.run(req, signal);
      } catch (e) {
        if (signal?.aborted) throw new SpeechError('ABORTED', 'synthesis aborted');
        const crashed = isSpeechError(e) && e.code === 'ENGINE_FAILED' && !proc.alive;
        if (!crashed || attempt >= this.#retries) throw e;
      } finally {
        this.#release(proc);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#reaper);
    for (const w of this.#waiters.splice(0))
      w.reject(new SpeechError('ENGINE_UNAVAILABLE', 'the speech engine pool is closed'));
    await Promise.all([...this.#all].map((p) => p.close()));
    this.#all.clear();
    this.#idle.length = 0;
  }

  #add(): EngineProcess {
    const p = this.#spawn();
    this.#all.add(p);
    this.#idle.push(p);
    this.#idleSince.set(p, Date.now());
    void p.exited.then(() => {
      if (this.#closed || !this.#all.has(p)) return; // closed by us, not a crash
      this.crashes++;
      this.#all.delete(p);
      this.#idleSince.delete(p);
      const i = this.#idle.indexOf(p);
      if (i >= 0) this.#idle.splice(i, 1);
      // Someone may be waiting for a slot that this death just freed.
      this.#serveWaiters();
    });
    return p;
  }

  #acquire(signal?: AbortSignal): Promise<EngineProcess> {
    if (this.#closed)
      return Promise.reject(new SpeechError('ENGINE_UNAVAILABLE', 'the speech engine pool is closed'));
    if (signal?.aborted) return Promise.reject(new SpeechError('ABORTED', 'synthesis aborted'));
    const p = this.#take();
    if (p) return Promise.resolve(p);
    return new Promise<EngineProcess>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.#waiters.indexOf(w);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(new SpeechError('ABORTED', 'synthesis aborted'));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.#waiters.push(w);
    });
  }

  #reap(idleMs: number): void {
    const now = Date.now();
    for (const p of [...this.#idle]) {
      if (now - (this.#idleSince.get(p) ?? now) < idleMs) continue;
      this.#idle.splice(this.#idle.indexOf(p), 1);
      this.#all.delete(p);
      this.#idleSince.delete(p);
      void p.close();
    }
  }

  #take(): EngineProcess | undefined {
    while (this.#idle.length > 0) {
      const p = this.#idle.shift()!;
      this.#idleSince.delete(p);
      if (p.alive) return p;
    }
    if (this.#all.size < this.size) {
      const p = this.#add();
      this.#idle.splice(this.#idle.indexOf(p), 1);
      return p;
    }
    return undefined;
  }

  #release(p: EngineProcess): void {
    if (this.#closed) return;
    if (p.alive) {
      this.#idle.push(p);
      this.#idleSince.set(p, Date.now());
    }
    this.#serveWaiters();
  }

  #serveWaiters(): void {
    while (this.#waiters.length > 0) {
      const p = this.#take();
      if (!p) return;
      const w = this.#waiters.shift()!;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve(p);
    }
  }
}
