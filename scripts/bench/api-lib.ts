// The machinery of `npm run bench:api` (scripts/bench/api.ts): servers as child processes,
// requests sent exactly as autocannon sends them, measured runs with the servers' CPU time
// from /proc, and the report table.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AutocannonResult, autocannon } from './autocannon.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HELLO_SERVER = path.join(ROOT, 'scripts/bench/hello-server.ts');

export interface Options {
  duration: number;
  connections: number;
  warmup: number;
}

// ── child processes ─────────────────────────────────────────────────────────

export interface Child {
  name: string;
  proc: ChildProcess;
  /** Everything it printed so far (stdout and stderr), for parsing and for error reports. */
  output(): string;
  exited: Promise<void>;
}

const children = new Set<Child>();
const cleanups: Array<() => Promise<void> | void> = [];

/** Runs `fn` at cleanup (after every child is stopped). */
export function atCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** Stops every child still running and runs the cleanups; safe to call twice. */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map(stopChild));
  for (const fn of cleanups.splice(0)) await Promise.resolve(fn()).catch(() => {});
}

export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = { name, proc, output: () => out, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

export async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 20_000);
  await child.exited;
  clearTimeout(timer);
}

export const tail = (child: Child) =>
  child
    .output()
    .trimEnd()
    .split('\n')
    .slice(-30)
    .map((l) => `    ${l}`)
    .join('\n');

/** Resolves with what `probe` returns once it returns something; fails if the child exits first. */
export async function waitFor<T>(
  child: Child,
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(
        `${child.name} exited (${child.proc.exitCode ?? child.proc.signalCode}) before ${what}:\n${tail(child)}`,
      );
    }
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`${child.name}: no ${what} after ${timeoutMs / 1000} s:\n${tail(child)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startHello(): Promise<{ child: Child; port: number }> {
  const child = startChild('bare Fastify', ['--import', 'tsx', HELLO_SERVER], { ...process.env });
  const port = await waitFor(child, 'listening line', 30_000, async () => {
    const m = /^listening (\d+)$/m.exec(child.output());
    return m ? Number(m[1]) : undefined;
  });
  return { child, port };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ── requests ────────────────────────────────────────────────────────────────

export interface Req {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Sends one request exactly as autocannon will (same headers and body). */
export function send(req: Req): Promise<{ status: number; body: string }> {
  const u = new URL(req.url);
  const headers: Record<string, string> = { ...req.headers };
  if (req.body && req.body.length > 0) headers['content-length'] = String(req.body.length);
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        method: req.method,
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    r.setTimeout(10_000, () => r.destroy(new Error('timeout')));
    r.on('error', reject);
    r.end(req.body && req.body.length > 0 ? req.body : undefined);
  });
}

// ── measuring ───────────────────────────────────────────────────────────────

export interface Scenario {
  name: string;
  what: string;
  /**
   * The requests each connection sends in turn (one, or a rotation over tenants and
   * operations); all on the same origin. Built just before the scenario's probe.
   */
  build(): Req[];
  expected(status: number): boolean;
  expectedText: string;
  /** Connections for this scenario when not the run's default. */
  connections?: number;
}

export interface Measured {
  scenario: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  total: number;
  non2xx: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Server CPU time (user + system, all its processes) per request, µs; undefined without /proc. */
  cpuUsPerReq: number | undefined;
  problems: string[];
}

/** utime + stime of processes in seconds, from /proc (Linux); undefined elsewhere. */
export function cpuSeconds(pids: number[]): number | undefined {
  let sum = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 of stat(5); the slice starts at field 3.
      sum += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return undefined;
    }
  }
  return sum;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function load(reqs: Req[], connections: number, seconds: number) {
  // autocannon's own latency histogram keeps whole milliseconds, too coarse for answers
  // that take a fraction of one; every response's time is kept here instead.
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  const first = reqs[0]!;
  const origin = new URL(first.url).origin;
  const result = await autocannon(
    {
      url: reqs.length === 1 ? first.url : origin,
      ...(reqs.length === 1
        ? { method: first.method, headers: first.headers, body: first.body }
        : {
            requests: reqs.map((r) => {
              const u = new URL(r.url);
              return { method: r.method, path: u.pathname + u.search, headers: r.headers, body: r.body };
            }),
          }),
      connections,
      duration: seconds,
      pipelining: 1,
      timeout: 10,
    },
    (_client, _status, _bytes, ms) => {
      if (n === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[n++] = ms;
    },
  );
  return { result, latencies: latencies.subarray(0, n).sort() };
}

/** Builds the scenario's requests and sends the first two once; throws unless the answers are expected. */
async function probe(scenario: Scenario, verbose: boolean): Promise<Req[]> {
  const reqs = scenario.build();
  for (const req of reqs.slice(0, 2)) {
    const r = await send(req);
    const code = /"error_code"\s*:\s*"([^"]+)"/.exec(r.body)?.[1];
    if (verbose && req === reqs[0]) {
      const rotation = reqs.length > 1 ? ` (a rotation of ${reqs.length} requests)` : '';
      console.log(
        `  ${scenario.name}: ${scenario.what}${rotation}; probe answered ${r.status}${code ? ` ${code}` : ''}`,
      );
    }
    if (!scenario.expected(r.status)) {
      throw new Error(
        `${scenario.name}: expected ${scenario.expectedText}, the probe got ${r.status}: ${r.body.slice(0, 300)}`,
      );
    }
  }
  return reqs;
}

/** Unmeasured load on every scenario in turn, so the measured runs find the server's code hot. */
export async function warmUp(scenarios: Scenario[], opts: Options): Promise<void> {
  for (const s of scenarios) {
    const reqs = await probe(s, true);
    if (opts.warmup > 0) await load(reqs, s.connections ?? opts.connections, opts.warmup);
  }
}

/** `pids`: every process of the server under test, read before and after the run. */
export async function measure(scenario: Scenario, pids: () => number[], opts: Options): Promise<Measured> {
  const reqs = await probe(scenario, false);
  const connections = scenario.connections ?? opts.connections;
  const before = pids();
  const cpuBefore = cpuSeconds(before);
  const { result, latencies } = await load(reqs, connections, opts.duration);
  const after = pids();
  // A process that changed during the run (a restart) makes the CPU figure meaningless.
  const cpuAfter = after.join() === before.join() ? cpuSeconds(after) : undefined;
  return summarise(scenario, connections, result, latencies, cpuBefore, cpuAfter);
}

function summarise(
  scenario: Scenario,
  connections: number,
  r: AutocannonResult,
  latencies: Float64Array,
  cpuBefore: number | undefined,
  cpuAfter: number | undefined,
): Measured {
  const statuses: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats)) statuses[code] = s.count;
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  const problems: string[] = [];
  if (r.errors > 0) problems.push(`${r.errors} errors (${r.timeouts} of them timeouts)`);
  if (total === 0) problems.push('no responses at all');
  for (const [code, count] of Object.entries(statuses)) {
    if (!scenario.expected(Number(code)))
      problems.push(`${count} × ${code}, expected ${scenario.expectedText}`);
  }
  return {
    scenario: scenario.name,
    connections,
    rps: r.requests.mean,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.length > 0 ? latencies[latencies.length - 1]! : Number.NaN,
    total,
    non2xx: r.non2xx,
    statuses,
    errors: r.errors,
    timeouts: r.timeouts,
    cpuUsPerReq:
      cpuBefore !== undefined && cpuAfter !== undefined && total > 0
        ? ((cpuAfter - cpuBefore) * 1e6) / total
        : undefined,
    problems,
  };
}

// ── report ──────────────────────────────────────────────────────────────────

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((v, i) => (i === 0 || i === r.length - 1 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
