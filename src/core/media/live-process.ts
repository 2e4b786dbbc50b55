// A long-running media process (a live encoder, an RTMP relay): unlike runTool it does not run
// to completion and collect, it hands the caller its pipes. stdin and, when asked, fd 3 are
// writable pipes (ffmpeg reads them as `pipe:0` / `pipe:3`: raw video on one, PCM on the other,
// so neither stream waits behind the other's bytes); stdout is readable (`pipe:1`: progress or
// a muxed stream); stderr is kept bounded (head and tail) for the exit reason. argv only, no
// shell. Killing is the caller's decision; `exited` always resolves, never rejects.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { MediaError } from './errors.ts';
import { BoundedBuffer } from './run.ts';

export interface LiveProcessOptions {
  /** Open fd 3 as a second input pipe (default false). */
  extraInput?: boolean;
  /** Bytes of stderr kept (default 32 KiB). */
  maxStderrBytes?: number;
}

export interface LiveProcess {
  readonly pid: number | undefined;
  stdin: Writable;
  /** fd 3, when `extraInput` was asked for. */
  input3?: Writable;
  stdout: Readable;
  /** Resolves when the process has exited and its pipes are closed. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** SIGTERM first (ffmpeg then finishes its files), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): void;
}

export function spawnLiveProcess(
  command: string,
  args: readonly string[],
  opts: LiveProcessOptions = {},
): LiveProcess {
  const name = command.split(/[\\/]/).pop() ?? command;
  let child: ChildProcess;
  try {
    const stdio: Array<'pipe' | 'ignore'> = ['pipe', 'pipe', 'pipe'];
    if (opts.extraInput) stdio.push('pipe');
    child = spawn(command, args, { stdio, windowsHide: true });
  } catch (err) {
    throw new MediaError('FAILED', `cannot run ${name}: invalid arguments`, { cause: err });
  }
  const stderr = new BoundedBuffer(opts.maxStderrBytes ?? 32 * 1024, 'head-and-tail');
  child.stderr?.on('data', (c: Buffer) => stderr.push(c));
  const stdin = child.stdin as Writable;
  const input3 = opts.extraInput ? (child.stdio[3] as Writable) : undefined;
  // A process that exits while we write (a dropped RTMP connection ends the relay) makes the
  // next write fail with EPIPE; the exit is what the caller acts on.
  stdin.on('error', () => {});
  input3?.on('error', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      child.once('error', (err: NodeJS.ErrnoException) =>
        resolve({ code: null, signal: null, stderr: `cannot run ${name}: ${err.code ?? err.message}` }),
      );
      child.once('close', (code, signal) => resolve({ code, signal, stderr: stderr.toString() }));
    },
  );
  let closed = false;
  void exited.then(() => {
    closed = true;
  });
  const kill = () => {
    if (!closed) child.kill('SIGKILL');
  };
  return {
    pid: child.pid,
    stdin,
    ...(input3 ? { input3 } : {}),
    stdout: child.stdout as Readable,
    exited,
    kill,
    async stop(graceMs = 5000) {
      if (closed) return;
      child.kill('SIGTERM');
      const timer = setTimeout(kill, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
