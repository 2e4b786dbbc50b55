// The one place Doppel starts a media process. argv arrays only, never a shell, so no file name
// or user string is ever interpreted by /bin/sh. stdin is closed (unless the caller pipes
// `input` in) because ffmpeg otherwise reads it for interactive keys and can stall under a
// process manager. Output is bounded: a corrupt
// file can make ffmpeg print a warning per packet, megabytes of it.
import { spawn } from 'node:child_process';
import { MediaError, summarizeStderr } from './errors.ts';

export interface RunOptions {
  signal?: AbortSignal;
  /** Kill the process after this long. Default 60 s. */
  timeoutMs?: number;
  /** Bytes of stderr kept (half from the start, half from the end). Default 64 KiB. */
  maxStderrBytes?: number;
  /** Bytes of stdout kept; more is an error, since a truncated JSON would only mislead. Default 8 MiB. */
  maxStdoutBytes?: number;
  /** Bytes written to the tool's stdin (then closed), e.g. audio for `-i pipe:0`. */
  input?: Buffer;
  /** Sees stdout as it arrives (e.g. `-progress pipe:1`), besides the collected copy. */
  onStdout?: (chunk: Buffer) => void;
}

export interface RunResult {
  /** Exit code; null when the process died from a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Runs `command args…` to completion and collects its output. Resolves with any exit code: for
 * ffmpeg a non-zero code is often expected (`ffmpeg -i file` exits 1), so the caller judges it.
 * Rejects with a MediaError only when the process could not be run or had to be killed.
 */
export async function runTool(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const r = await runToolBinary(command, args, opts);
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

/** runTool for tools that write binary data (e.g. encoded audio to `pipe:1`): stdout as bytes. */
export function runToolBinary(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const { signal, timeoutMs = DEFAULT_TIMEOUT_MS } = opts;
  const name = command.split(/[\\/]/).pop() ?? command;
  if (signal?.aborted) {
    return Promise.reject(new MediaError('ABORTED', `${name} was cancelled`, { cause: signal.reason }));
  }
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      const stdin = opts.input ? 'pipe' : 'ignore';
      child = spawn(command, args, { stdio: [stdin, 'pipe', 'pipe'], windowsHide: true });
    } catch (err) {
      // Synchronous refusals, e.g. a NUL byte in an argument.
      reject(new MediaError('FAILED', `cannot run ${name}: invalid arguments`, { cause: err }));
      return;
    }
    const stdout = new BoundedBuffer(opts.maxStdoutBytes ?? 8 * 1024 * 1024, 'head');
    const stderr = new BoundedBuffer(opts.maxStderrBytes ?? 64 * 1024, 'head-and-tail');
    let killedFor: MediaError | undefined;

    const kill = (why: MediaError): void => {
      if (killedFor) return;
      killedFor = why;
      // SIGKILL, not SIGTERM: a probe or a cover has nothing worth flushing, and a wedged
      // demuxer may ignore a polite signal.
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => kill(new MediaError('TIMEOUT', `${name} took longer than ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    const onAbort = (): void =>
      kill(new MediaError('ABORTED', `${name} was cancelled`, { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => {
      opts.onStdout?.(chunk);
      if (!stdout.push(chunk)) kill(new MediaError('FAILED', `${name} printed more output than expected`));
    });
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (opts.input && child.stdin) {
      // A tool may exit before reading all of its input (bad data, early error): EPIPE is then
      // expected and the exit code and stderr tell the real story.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }

    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      done();
      const missing = err.code === 'ENOENT' || err.code === 'EACCES';
      const why = `cannot run ${name}: ${err.code ?? err.message}`;
      reject(new MediaError(missing ? 'TOOL_MISSING' : 'FAILED', why, { cause: err }));
    });
    // 'close' (not 'exit') so both pipes are drained before we answer.
    child.once('close', (code) => {
      done();
      if (killedFor) {
        const tail = summarizeStderr(stderr.toString());
        reject(
          tail
            ? new MediaError(killedFor.code, killedFor.reason, { detail: tail, cause: killedFor.cause })
            : killedFor,
        );
        return;
      }
      resolve({ code, stdout: stdout.toBuffer(), stderr: stderr.toString() });
    });
  });
}

/**
 * Keeps at most `limit` bytes. In 'head-and-tail' mode it keeps the first and the last half,
 * because ffmpeg prints what it found at the start and why it failed at the end.
 */
export class BoundedBuffer {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail = Buffer.alloc(0);
  private dropped = 0;

  constructor(
    private readonly limit: number,
    private readonly mode: 'head' | 'head-and-tail',
  ) {}

  /** Returns false once something had to be dropped. */
  push(chunk: Buffer): boolean {
    const headLimit = this.mode === 'head' ? this.limit : Math.floor(this.limit / 2);
    const room = headLimit - this.headBytes;
    if (room > 0) {
      const taken = chunk.subarray(0, room);
      this.head.push(taken);
      this.headBytes += taken.length;
      chunk = chunk.subarray(taken.length);
    }
    if (chunk.length === 0) return this.dropped === 0;
    if (this.mode === 'head') {
      this.dropped += chunk.length;
      return false;
    }
    const tailLimit = this.limit - headLimit;
    const joined = Buffer.concat([this.tail, chunk]);
    this.dropped += Math.max(0, joined.length - tailLimit);
    this.tail = joined.subarray(Math.max(0, joined.length - tailLimit));
    return this.dropped === 0;
  }

  /** The kept bytes ('head' mode: exactly what was pushed, when nothing was dropped). */
  toBuffer(): Buffer {
    return Buffer.concat([...this.head, this.tail]);
  }

  toString(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    if (this.mode === 'head' || this.dropped === 0) return head + this.tail.toString('utf8');
    return `${head}\n[… ${this.dropped} bytes dropped …]\n${this.tail.toString('utf8')}`;
  }
}
