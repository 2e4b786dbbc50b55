// `npm run bench:api [-- --duration S --connections N --warmup S]`: the per-request cost of
// Doppel's API layer (routing, AK/SK authentication, validation, error rendering, metrics)
// relative to a bare Fastify 5 hello world, measured with autocannon.
//
// Every server runs in a child process of its own, so neither the tsx loader nor the
// server shares an event loop with autocannon, and only one server lives at a time:
//
//   1. baseline #1: bare Fastify (scripts/bench/hello-server.ts), GET /
//   2. Doppel (`node bin/doppel.js serve`, embedded mode on a fresh temp data dir, throttle
//      off so the limiter cannot cut the measurement), one scenario after another:
//        signed-501         a signed GET of a list operation with no handler yet (the first
//                           one in contract order that answers 501): the layer alone
//        signed-ListAssets  a signed GET of ListAssets (501 before the assets module, 200
//                           and two queries on an empty project since)
//        unsigned-401       the ListAssets request without Authorization
//        health             GET /health (routing, hooks and metrics, no auth)
//      Every scenario is warmed up before the first is measured: the first requests after
//      a start pay for JIT compilation and the collection of the start's garbage.
//   3. baseline #2: bare Fastify again; the baseline is the mean of both runs, which
//      evens out some of the drift of a small, noisy machine.
//
// Besides req/s and latency, the server process's CPU time per response (from /proc) is
// reported: it moves less than req/s when other work shares the machine.
// Exits 1 if any run saw errors, timeouts or a status it did not expect.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type JsonSchema, type OperationDef, operations } from '../../src/contract/generated/operations.ts';
import { buildSignedRequest } from '../../test/helpers/signer.ts';
import { type AutocannonResult, autocannon } from './autocannon.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HELLO_SERVER = path.join(ROOT, 'scripts/bench/hello-server.ts');
const DOPPEL_LOG_LEVEL = 'warn';

// ── options ─────────────────────────────────────────────────────────────────

const USAGE = `Usage: npm run bench:api [-- --duration S] [--connections N] [--warmup S]

  --duration S      seconds per measured run (default 10, at most 600)
  --connections N   concurrent keep-alive connections (default 10)
  --warmup S        unmeasured seconds per scenario, all of a server's scenarios warmed
                    up before any is measured (default 3, 0 to skip)`;

interface Options {
  duration: number;
  connections: number;
  warmup: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`--${name} must be an integer between ${min} and ${max}, not '${raw}'`);
    }
    return n;
  };
  return {
    // A signature is made just before its scenario and stays valid for 15 minutes.
    duration: int('duration', values.duration, 1, 600),
    connections: int('connections', values.connections, 1, 1000),
    warmup: int('warmup', values.warmup, 0, 60),
  };
}

// ── child processes ─────────────────────────────────────────────────────────

interface Child {
  name: string;
  proc: ChildProcess;
  /** Everything it printed so far (stdout and stderr), for parsing and for error reports. */
  output(): string;
  exited: Promise<void>;
}

const children = new Set<Child>();
let tempDir: string | undefined;

/** Stops every child still running and removes the temporary data dir; safe to call twice. */
async function cleanup(): Promise<void> {
  await Promise.all([...children].map(stopChild));
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): Child {
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

async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 20_000);
  await child.exited;
  clearTimeout(timer);
}

const tail = (child: Child) =>
  child
    .output()
    .trimEnd()
    .split('\n')
    .slice(-30)
    .map((l) => `    ${l}`)
    .join('\n');

/** Resolves with what `probe` returns once it returns something; fails if the child exits first. */
async function waitFor<T>(
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

async function startHello(): Promise<{ child: Child; port: number }> {
  const child = startChild('bare Fastify', ['--import', 'tsx', HELLO_SERVER], { ...process.env });
  const port = await waitFor(child, 'listening line', 30_000, async () => {
    const m = /^listening (\d+)$/m.exec(child.output());
    return m ? Number(m[1]) : undefined;
  });
  return { child, port };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Credential {
  projectId: string;
  ak: string;
  sk: string;
}

async function startDoppel(dataDir: string): Promise<{ child: Child; port: number; cred: Credential }> {
  const port = await freePort();
  // Only what is set here configures it: an inherited DOPPEL_AUTH=loose or DATABASE_URL
  // would measure something else.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(DOPPEL_|S3_)/.test(k) && k !== 'DATABASE_URL' && k !== 'REDIS_URL') env[k] = v;
  }
  Object.assign(env, {
    DOPPEL_DATA_DIR: dataDir,
    DOPPEL_HOST: '127.0.0.1',
    DOPPEL_PORT: String(port),
    DOPPEL_LOG_LEVEL,
    DOPPEL_THROTTLE: 'false',
  });
  const child = startChild('doppel', ['bin/doppel.js', 'serve'], env);
  await waitFor(child, 'GET /health 200', 120_000, async () => {
    const r = await send({ url: `http://127.0.0.1:${port}/health`, method: 'GET', headers: {} });
    return r.status === 200 ? true : undefined;
  });
  const banner = (label: string) =>
    new RegExp(`^\\s*${label}\\s*:\\s*(\\S+)\\s*$`, 'm').exec(child.output())?.[1];
  // The first start prints the new credential; the same is kept in default-credential.json.
  const [projectId, ak, sk] = [banner('project id'), banner('access key'), banner('secret key')];
  if (projectId && ak && sk) return { child, port, cred: { projectId, ak, sk } };
  const file = path.join(dataDir, 'default-credential.json');
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { ak: string; sk: string; project_id: string };
  return { child, port, cred: { projectId: j.project_id, ak: j.ak, sk: j.sk } };
}

// ── requests ────────────────────────────────────────────────────────────────

interface Req {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Sends one request exactly as autocannon will (same headers and body). */
function send(req: Req): Promise<{ status: number; body: string }> {
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

const LIST_ASSETS = '/v1/{project_id}/digital-assets';

/**
 * A GET operation that still answers 501 (no handler), so that the signed scenario measures
 * the API layer alone and no module's work: the first, in contract order, of the GET
 * operations that take no required query or header, whose signed probe (other path
 * parameters filled with a 32-hex id) answers 501. ListAssets is measured on its own.
 */
const probePath = (op: OperationDef) => op.path.replace(/\{(?!project_id\})[a-z_]+\}/g, '0'.repeat(32));

async function findUnimplemented(signed: (apiPath: string) => Req): Promise<OperationDef | undefined> {
  const required = (s: JsonSchema | undefined) => (s?.required as string[] | undefined) ?? [];
  for (const op of operations) {
    if (op.method !== 'GET' || op.path === LIST_ASSETS || !op.path.startsWith('/v1/{project_id}/')) continue;
    if (required(op.schema.querystring).length > 0 || required(op.schema.headers).length > 0) continue;
    const r = await send(signed(probePath(op)));
    if (r.status === 501) return op;
    if (r.status === 401)
      throw new Error(`a signed probe of ${op.operationId} got 401: ${r.body.slice(0, 300)}`);
  }
  return undefined;
}

// ── measuring ───────────────────────────────────────────────────────────────

interface Scenario {
  name: string;
  what: string;
  build(): Req;
  expected(status: number): boolean;
  expectedText: string;
}

interface Measured {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Server CPU time (user + system) per request, microseconds; undefined where /proc is missing. */
  cpuUsPerReq: number | undefined;
  problems: string[];
}

/** utime + stime of a process in seconds, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5); the slice starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function load(req: Req, opts: Options, seconds: number) {
  // autocannon's own latency histogram keeps whole milliseconds, too coarse for answers
  // that take a fraction of one; every response's time is kept here instead.
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  const result = await autocannon(
    {
      url: req.url,
      method: req.method,
      headers: req.headers,
      body: req.body,
      connections: opts.connections,
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

/** Builds the scenario's request and sends it once; throws unless the answer is the expected one. */
async function probe(scenario: Scenario, verbose: boolean): Promise<Req> {
  const req = scenario.build();
  const r = await send(req);
  const code = /"error_code"\s*:\s*"([^"]+)"/.exec(r.body)?.[1];
  if (verbose) {
    console.log(`  ${scenario.name}: ${scenario.what}; probe answered ${r.status}${code ? ` ${code}` : ''}`);
  }
  if (!scenario.expected(r.status)) {
    throw new Error(
      `${scenario.name}: expected ${scenario.expectedText}, the probe got ${r.status}: ${r.body.slice(0, 300)}`,
    );
  }
  return req;
}

/** Unmeasured load on every scenario in turn, so the measured runs find the server's code hot. */
async function warmUp(scenarios: Scenario[], opts: Options): Promise<void> {
  for (const s of scenarios) {
    const req = await probe(s, true);
    if (opts.warmup > 0) await load(req, opts, opts.warmup);
  }
}

async function measure(scenario: Scenario, serverPid: number | undefined, opts: Options): Promise<Measured> {
  const req = await probe(scenario, false);
  const cpuBefore = cpuSeconds(serverPid);
  const { result, latencies } = await load(req, opts, opts.duration);
  const cpuAfter = cpuSeconds(serverPid);
  return summarise(scenario, result, latencies, cpuBefore, cpuAfter);
}

function summarise(
  scenario: Scenario,
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
    rps: r.requests.mean,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
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

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((v, i) => (i === 0 || i === r.length - 1 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function report(baselines: Measured[], doppel: Measured[]): string {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const baseRps = mean(baselines.map((m) => m.rps));
  const cpus = baselines.map((m) => m.cpuUsPerReq);
  const baseCpu = cpus.every((c) => c !== undefined) ? mean(cpus as number[]) : undefined;
  const fmt = (n: number | undefined, digits: number) =>
    n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
  const row = (m: Measured): string[] => [
    m.scenario,
    fmt(m.rps, 0),
    fmt(m.p50, 2),
    fmt(m.p99, 2),
    String(m.total),
    String(m.non2xx),
    (m.rps / baseRps).toFixed(2),
    fmt(m.cpuUsPerReq, 0),
    fmt(m.cpuUsPerReq !== undefined && baseCpu ? m.cpuUsPerReq / baseCpu : undefined, 1),
    Object.entries(m.statuses)
      .map(([code, count]) => `${code}×${count}`)
      .join(' ') + (m.errors > 0 ? ` errors×${m.errors}` : ''),
  ];
  const rows = [
    [
      'scenario',
      'req/s',
      'p50 ms',
      'p99 ms',
      'responses',
      'non-2xx',
      'ratio',
      'cpu µs/req',
      'cpu ×base',
      'statuses',
    ],
    ...doppel.map(row),
    ...baselines.map(row),
    ['baseline (mean)', baseRps.toFixed(0), '', '', '', '', '1.00', fmt(baseCpu, 0), '1.0', ''],
  ];
  return table(rows);
}

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

// ── main ────────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const cpus = os.cpus();
  console.log('Doppel API-layer benchmark (npm run bench:api)');
  console.log(`  date        : ${new Date().toISOString()}`);
  console.log(`  node        : ${process.version} (${process.platform} ${os.release()}, ${process.arch})`);
  console.log(`  cpus        : ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`);
  console.log(`  load avg    : ${loadavg()} at the start (other work on the machine skews every figure)`);
  console.log(
    `  load        : autocannon, ${opts.connections} connections, pipelining 1, ${opts.duration} s per run` +
      (opts.warmup > 0 ? `, after ${opts.warmup} s of warm-up per scenario (all before the first run)` : ''),
  );
  console.log(
    `  doppel      : embedded (PGlite), role all, auth strict, log level ${DOPPEL_LOG_LEVEL}, ` +
      'THROTTLE OFF (DOPPEL_THROTTLE=false) so the rate limiter does not cut the measurement',
  );
  console.log('');

  const baselineScenario = (port: number, n: number): Scenario => ({
    name: `baseline #${n}`,
    what: 'bare Fastify 5 hello world, GET /',
    build: () => ({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {} }),
    expected: (s) => s === 200,
    expectedText: '200',
  });

  const baselines: Measured[] = [];
  const doppel: Measured[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-bench-'));
  tempDir = dataDir;
  try {
    {
      const hello = await startHello();
      const baseline = baselineScenario(hello.port, 1);
      await warmUp([baseline], opts);
      baselines.push(await measure(baseline, hello.child.proc.pid, opts));
      await stopChild(hello.child);
    }

    {
      const d = await startDoppel(dataDir);
      const base = `http://127.0.0.1:${d.port}`;
      // The official SDK's request: JSON content type, X-Project-Id, Host and X-Sdk-Date
      // signed, and `{}` as the body of a GET. Signed once per scenario (just before its
      // probe), then sent unchanged: the server allows 15 minutes of clock skew.
      const signed = (apiPath: string): Req => {
        const url = `${base}${apiPath.replace('{project_id}', d.cred.projectId)}`;
        const r = buildSignedRequest(url, { ak: d.cred.ak, sk: d.cred.sk, projectId: d.cred.projectId });
        return { url, method: r.method, headers: r.headers, body: r.body };
      };
      const scenarios: Scenario[] = [];
      const unimplemented = await findUnimplemented(signed);
      if (unimplemented) {
        scenarios.push({
          name: 'signed-501',
          what: `signed GET ${unimplemented.path} (${unimplemented.operationId}, no handler yet)`,
          build: () => signed(probePath(unimplemented)),
          expected: (s) => s === 501,
          expectedText: '501',
        });
      } else {
        console.log('  signed-501: skipped, every candidate GET operation has a handler now');
      }
      scenarios.push(
        {
          name: 'signed-ListAssets',
          what: `signed GET ${LIST_ASSETS} (ListAssets, empty project)`,
          build: () => signed(LIST_ASSETS),
          // 501 while ListAssets had no handler; 2xx (two queries) since it has one.
          expected: (s) => s === 501 || (s >= 200 && s < 300),
          expectedText: '501 or 2xx',
        },
        {
          name: 'unsigned-401',
          what: `the ListAssets request without Authorization`,
          build: () => {
            const req = signed(LIST_ASSETS);
            const { authorization: _, ...headers } = req.headers;
            return { ...req, headers };
          },
          expected: (s) => s === 401,
          expectedText: '401',
        },
        {
          name: 'health',
          what: 'GET /health',
          build: () => ({ url: `${base}/health`, method: 'GET', headers: {} }),
          expected: (s) => s === 200,
          expectedText: '200',
        },
      );
      await warmUp(scenarios, opts);
      for (const s of scenarios) doppel.push(await measure(s, d.child.proc.pid, opts));
      await stopChild(d.child);
    }

    {
      const hello = await startHello();
      const baseline = baselineScenario(hello.port, 2);
      await warmUp([baseline], opts);
      baselines.push(await measure(baseline, hello.child.proc.pid, opts));
      await stopChild(hello.child);
    }
  } finally {
    await cleanup();
  }

  console.log('');
  console.log(`load avg ${loadavg()} at the end`);
  console.log(report(baselines, doppel));
  console.log('');
  console.log(
    'req/s: mean of per-second samples. p50/p99: over every response, from its own timing.\n' +
      'ratio: scenario req/s ÷ mean baseline req/s; 1 − ratio is the share of bare-Fastify\n' +
      'throughput spent on what Doppel does per request (hooks, auth, validation, errors, metrics).\n' +
      'cpu µs/req: server process CPU (user+system, from /proc) over the measured run ÷ responses;\n' +
      "cpu ×base: that ÷ the baseline's. It depends less on what else runs on the machine than req/s.",
  );

  const failures = [...baselines, ...doppel].flatMap((m) => m.problems.map((p) => `${m.scenario}: ${p}`));
  if (failures.length > 0) {
    console.error(`\nFAILED:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    return 1;
  }
  return 0;
}

let cleaningUp = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (cleaningUp) return;
    cleaningUp = true;
    console.error(`\n${signal}: stopping the servers`);
    void cleanup().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench:api failed: ${e instanceof Error ? e.message : String(e)}`);
    void cleanup().finally(() => process.exit(1));
  },
);
