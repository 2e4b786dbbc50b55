// One engine child process and the client side of the JSON-lines protocol (protocol.ts).
// It runs one request at a time (the pool makes sure); a request whose process dies fails
// with a retryable ENGINE_FAILED, and aborting a request kills the process (a synchronous
// engine cannot be interrupted any other way) — the pool then starts a fresh one.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../../core/logger.ts';
import {
  base64ToPcm,
  encodeLine,
  LineSplitter,
  parseEngineMessage,
  type SynthRequest,
  type WirePhoneme,
  type WireWord,
} from './protocol.ts';
import { SpeechError } from './types.ts';

export interface EngineResult {
  sampleRate: number;
  samples: Int16Array;
  durationMs: number;
  words: WireWord[];
  phonemes: WirePhoneme[];
}

export interface EngineProcessOptions {
  command: string;
  args: string[];
  cwd?: string;
  logger?: Logger;
  /** Milliseconds to wait for `ready`; default 30 s (a cold tsx + WebAssembly start takes ~1 s). */
  startTimeoutMs?: number;
}

interface Pending {
  id: number;
  resolve(r: EngineResult): void;
  reject(e: Error): void;
  parts: Int16Array[];
  sampleRate: number;
  words: WireWord[];
  phonemes: WirePhoneme[];
}

export class EngineProcess {
  readonly #child: ChildProcess;
  readonly #logger: Logger | undefined;
  #pending: Pending | undefined;
  #nextId = 1;
  #exited = false;
  #killed = false;
  #stderrTail = '';
  readonly ready: Promise<number>;
  readonly exited: Promise<void>;

  constructor(opts: EngineProcessOptions) {
    this.#logger = opts.logger;
    this.#child = spawn(opts.command, opts.args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let onReady!: (sr: number) => void;
    let onFail!: (e: Error) => void;
    this.ready = new Promise<number>((res, rej) => {
      onReady = res;
      onFail = rej;
    });
    this.ready.catch(() => {});
    const timer = setTimeout(() => {
      onFail(new SpeechError('ENGINE_FAILED', 'the speech engine did not start in time'));
      this.kill();
    }, opts.startTimeoutMs ?? 30_000);
    timer.unref();

    const lines = new LineSplitter();
    this.#child.stdout?.setEncoding('utf8');
    this.#child.stdout?.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        const m = parseEngineMessage(line);
        if ('invalid' in m) {
          this.#logger?.warn(
            { pid: this.pid, problem: m.invalid },
            'speech engine said something off-protocol',
          );
          continue;
        }
        if (m.type === 'ready') {
          clearTimeout(timer);
          onReady(m.sampleRate);
          continue;
        }
        const p = this.#pending;
        if (!p || p.id !== m.id) continue; // a late reply to a request we gave up on
        if (m.type === 'audio') {
          p.sampleRate = m.sampleRate;
          p.parts.push(base64ToPcm(m.pcmBase64));
        } else if (m.type === 'events') {
          p.words.push(...m.words);
          p.phonemes.push(...m.phonemes);
        } else if (m.type === 'done') {
          this.#pending = undefined;
          p.resolve({
            sampleRate: p.sampleRate,
            samples: concat(p.parts),
            durationMs: m.durationMs,
            words: p.words,
            phonemes: p.phonemes,
          });
        } else if (m.type === 'error') {
          this.#pending = undefined;
          p.reject(
            m.code === 'BAD_VOICE'
              ? new SpeechError('UNSUPPORTED_LANGUAGE', m.message)
              : new SpeechError('ENGINE_FAILED', m.message, m.code === 'FAILED'),
          );
        }
      }
    });
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (s: string) => {
      this.#stderrTail = (this.#stderrTail + s).slice(-2000);
    });
    this.#child.stdin?.on('error', () => {}); // EPIPE after a crash; 'exit' reports it
    this.exited = new Promise<void>((resolve) => {
      const finish = (why: string) => {
        if (this.#exited) return;
        this.#exited = true;
        clearTimeout(timer);
        onFail(new SpeechError('ENGINE_FAILED', why));
        const p = this.#pending;
        this.#pending = undefined;
        p?.reject(new SpeechError('ENGINE_FAILED', why));
        resolve();
      };
      this.#child.once('exit', (code, signal) => {
        const why = `the speech engine exited (${signal ?? `code ${code}`})`;
        if (code !== 0 || signal) {
          this.#logger?.warn({ pid: this.pid, code, signal, stderr: this.#stderrTail.trim() }, why);
        }
        finish(why);
      });
      // A spawn failure (no such file) emits 'error' and possibly no 'exit'.
      this.#child.once('error', (e) => {
        this.#logger?.error({ err: e }, 'cannot start the speech engine');
        finish(`cannot start the speech engine: ${e.message}`);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get alive(): boolean {
    return !this.#exited && !this.#killed;
  }

  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /** Runs one synthesis. Rejects with SpeechError: ENGINE_FAILED (crash), ABORTED, UNSUPPORTED_LANGUAGE. */
  async run(req: Omit<SynthRequest, 'id' | 'op'>, signal?: AbortSignal): Promise<EngineResult> {
    if (this.#pending) throw new Error('EngineProcess runs one request at a time');
    await this.ready;
    if (signal?.aborted) throw new SpeechError('ABORTED', 'synthesis aborted');
    const id = this.#nextId++;
    const result = new Promise<EngineResult>((resolve, reject) => {
      this.#pending = { id, resolve, reject, parts: [], sampleRate: 0, words: [], phonemes: [] };
    });
    const onAbort = () => {
      const p = this.#pending;
      this.#pending = undefined;
      p?.reject(new SpeechError('ABORTED', 'synthesis aborted'));
      this.kill();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (!this.#exited) this.#child.stdin?.write(encodeLine({ id, op: 'synth', ...req }));
      else throw new SpeechError('ENGINE_FAILED', 'the speech engine has exited');
      return await result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#killed = true;
    if (!this.#exited) this.#child.kill(signal);
  }

  /** Closes stdin so the engine ends by itself; kills it if it does not within `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    if (this.#exited) return;
    this.#child.stdin?.end();
    const t = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

export function concat(parts: Int16Array[]): Int16Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
