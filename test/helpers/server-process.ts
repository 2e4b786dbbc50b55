// Runs the real CLI (`node bin/doppel.js serve`) as a child process, the way a user starts
// Doppel, and reads what it prints: the first-start credential banner and the JSON log
// line that carries the URL it listens on (port 0 lets the OS pick a free port).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signedFetch } from './signer.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin', 'doppel.js');

export interface Banner {
  projectId: string;
  ak: string;
  sk: string;
}

export interface ServerProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** Credential printed on the first start of an empty data dir. */
  banner?: Banner;
  /** Everything written to stdout and stderr so far (for failure messages). */
  output(): string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-e2e-'));
}

export async function startServer(opts: {
  dataDir: string;
  env?: Record<string, string>;
  args?: string[];
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...(opts.args ?? [])], {
    cwd: REPO,
    env: {
      ...process.env,
      DOPPEL_DATA_DIR: opts.dataDir,
      DOPPEL_HOST: '127.0.0.1',
      DOPPEL_PORT: '0',
      DOPPEL_LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'doppel is serving' && rec.url) resolve(rec.url);
        } catch {}
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before serving:\n${out}`)));
    setTimeout(
      () => reject(new Error(`server did not start in time:\n${out}`)),
      opts.timeoutMs ?? 120_000,
    ).unref();
  });
  let url: string;
  try {
    url = await ready;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const field = (label: string) => out.match(new RegExp(`${label}\\s*:\\s*(\\S+)`))?.[1];
  const projectId = field('project id');
  const ak = field('access key');
  const sk = field('secret key');
  return {
    url,
    dataDir: opts.dataDir,
    child,
    banner: projectId && ak && sk ? { projectId, ak, sk } : undefined,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs a `doppel` CLI command to completion. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, DOPPEL_LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A signed MetaStudio call to a running server as `cred`; `{project_id}` in the path is theirs. */
export async function callServer(
  s: ServerProcess,
  cred: Banner,
  method: string,
  p: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are read freely in tests.
): Promise<{ status: number; body: any }> {
  const res = await signedFetch(`${s.url}${p.replace('{project_id}', cred.projectId)}`, {
    method,
    body,
    ak: cred.ak,
    sk: cred.sk,
    projectId: cred.projectId,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
