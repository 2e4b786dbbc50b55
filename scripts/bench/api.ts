// `npm run bench:api [-- --duration S --connections N --warmup S ...]`: the per-request cost
// of Doppel's API layer (routing, AK/SK authentication, validation, throttling, error
// rendering, metrics) relative to a bare Fastify 5 hello world, measured with autocannon,
// and how it holds up on PostgreSQL, under 50 connections and with two API processes.
//
// Every server runs in a child process of its own, so neither the tsx loader nor the
// server shares an event loop with autocannon, and only one server lives at a time:
//
//   1. baseline #1: bare Fastify (scripts/bench/hello-server.ts), GET /
//   2. Doppel embedded (PGlite, fresh temp data dir), THROTTLE OFF, the first start's
//      credential:
//        signed-400         a signed ListAssets that validation refuses (limit=0): the layer
//                           alone (every operation has a handler now, so no 501 is left)
//        signed-ListAssets  a signed GET of ListAssets (two queries on an empty project)
//        unsigned-401       the ListAssets request without Authorization
//        health             GET /health (routing, hooks and metrics, no auth)
//   3. Doppel embedded, THROTTLE ON (memory store), requests rotating over --tenants
//      projects so that no tenant exceeds its per-second budget (the limiter runs on every
//      request and is counted in, but cuts nothing):
//        throttled-400            the signed-400 request
//        throttled-ShowAsset      a signed ShowAsset of a system avatar
//   4. PostgreSQL legs (skipped with a message when --pg does not answer), a fresh
//      database, role api:
//        pg-throttled-ShowAsset   as in 3, one process, throttle on
//        pg-reads-50c             throttle off, --read-connections connections, ShowAsset
//                                 and ListAssets in turn: req/s, p99, max
//        pg-reads-50c-x2          the same on `serve --api-processes 2`
//   5. baseline #2: bare Fastify again; the baseline is the mean of both runs, which
//      evens out some of the drift of a small, noisy machine.
//
// Every server's scenarios are warmed up before the first is measured: the first requests
// after a start pay for JIT compilation and the collection of the start's garbage.
// Besides req/s and latency, the server's CPU time per response (from /proc, all its
// processes) is reported: it moves less than req/s when other work shares the machine.
// Exits 1 if any run saw errors, timeouts or a status it did not expect.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import {
  createPostgresDatabase,
  DEFAULT_TEST_DATABASE_URL,
  postgresUnavailable,
} from '../../test/helpers/db.ts';
import { buildSignedRequest } from '../../test/helpers/signer.ts';
import { type Credential, createTenants, DOPPEL_LOG_LEVEL, type Doppel, startDoppel } from './api-doppel.ts';
import {
  atCleanup,
  cleanup,
  type Measured,
  measure,
  type Options,
  type Req,
  type Scenario,
  startHello,
  stopChild,
  warmUp,
} from './api-lib.ts';
import { report, targets } from './api-report.ts';

// ── options ─────────────────────────────────────────────────────────────────

const LEGS = ['embedded', 'throttled', 'pg', 'cluster'] as const;
type Leg = (typeof LEGS)[number];

const USAGE = `Usage: npm run bench:api [-- options]

  --duration S          seconds per measured run (default 10, at most 600)
  --connections N       concurrent keep-alive connections (default 10)
  --read-connections N  connections of the PostgreSQL read runs (default 50)
  --warmup S            unmeasured seconds per scenario, all of a server's scenarios warmed
                        up before any is measured (default 3, 0 to skip)
  --tenants N           projects the throttled scenarios rotate over (default 400)
  --pg URL              PostgreSQL server for the PostgreSQL legs; each run makes a fresh
                        database on it (default TEST_DATABASE_URL or ${DEFAULT_TEST_DATABASE_URL};
                        'off' skips those legs)
  --legs L,...          which Doppel servers to run: ${LEGS.join(',')} (default all)
  --cpu-prof DIR        run single-process Doppel servers under node --cpu-prof, profiles in DIR`;

interface BenchOptions extends Options {
  readConnections: number;
  tenants: number;
  pg: string;
  legs: Set<Leg>;
  cpuProf: string | undefined;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      'read-connections': { type: 'string', default: '50' },
      warmup: { type: 'string', default: '3' },
      tenants: { type: 'string', default: '400' },
      pg: { type: 'string' },
      legs: { type: 'string', default: LEGS.join(',') },
      'cpu-prof': { type: 'string' },
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
  const legs = new Set(values.legs.split(',').map((l) => l.trim()) as Leg[]);
  for (const l of legs) if (!LEGS.includes(l)) throw new Error(`--legs: unknown leg '${l}'`);
  return {
    // A signature is made just before its scenario and stays valid for 15 minutes.
    duration: int('duration', values.duration, 1, 600),
    connections: int('connections', values.connections, 1, 1000),
    readConnections: int('read-connections', values['read-connections'], 1, 1000),
    warmup: int('warmup', values.warmup, 0, 60),
    tenants: int('tenants', values.tenants, 1, 100_000),
    pg: values.pg ?? process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL,
    legs,
    cpuProf: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined,
  };
}

// ── requests ────────────────────────────────────────────────────────────────

const LIST_ASSETS = '/v1/{project_id}/digital-assets';

/**
 * Every operation has a handler now, so the layer alone is measured on a signed request
 * that validation refuses (ListAssets with limit=0, below its minimum of 1): routing,
 * authentication, throttling, validation and the error answer, and no module's work.
 */
const REFUSED = `${LIST_ASSETS}?limit=0`;

const SHOW_ASSET = `/v1/{project_id}/digital-assets/${SYSTEM_AVATARS[0]!.assetId}`;

/**
 * The official SDK's request: JSON content type, X-Project-Id, Host and X-Sdk-Date signed,
 * and `{}` as the body of a GET. Signed when a scenario is built (just before its probe),
 * then sent unchanged: the server allows 15 minutes of clock skew.
 */
function signer(port: number) {
  return (cred: Credential, apiPath: string): Req => {
    const url = `http://127.0.0.1:${port}${apiPath.replace('{project_id}', cred.projectId)}`;
    const r = buildSignedRequest(url, { ak: cred.ak, sk: cred.sk, projectId: cred.projectId });
    return { url, method: r.method, headers: r.headers, body: r.body };
  };
}

const ok = (s: number) => s >= 200 && s < 300;

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
    `  load        : autocannon, ${opts.connections} connections (${opts.readConnections} for the PostgreSQL reads), pipelining 1, ${opts.duration} s per run` +
      (opts.warmup > 0 ? `, after ${opts.warmup} s of warm-up per scenario (all before the first run)` : ''),
  );
  console.log(
    `  doppel      : auth strict, log level ${DOPPEL_LOG_LEVEL}; throttle as each scenario says, ${opts.tenants} tenants in the throttled rotations`,
  );
  // The test helpers that probe PostgreSQL and make the throwaway database read this.
  process.env.TEST_DATABASE_URL = opts.pg;
  const pgSkip = opts.pg === 'off' ? '--pg off' : await postgresUnavailable();
  console.log(`  postgresql  : ${pgSkip ? `PostgreSQL legs SKIPPED: ${pgSkip}` : opts.pg}`);
  if (opts.cpuProf) console.log(`  cpu profiles: ${opts.cpuProf}`);
  console.log('');

  const baselineScenario = (port: number, n: number): Scenario => ({
    name: `baseline #${n}`,
    what: 'bare Fastify 5 hello world, GET /',
    build: () => [{ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {} }],
    expected: (s) => s === 200,
    expectedText: '200',
  });
  const runBaseline = async (n: number) => {
    const hello = await startHello();
    const baseline = baselineScenario(hello.port, n);
    await warmUp([baseline], opts);
    baselines.push(await measure(baseline, () => [hello.child.proc.pid!], opts));
    await stopChild(hello.child);
  };
  const nodeArgs = (label: string) =>
    opts.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`, `--cpu-prof-name=${label}.cpuprofile`]
      : [];
  const runServer = async (d: Doppel, scenarios: Scenario[]) => {
    await warmUp(scenarios, opts);
    for (const s of scenarios) doppel.push(await measure(s, d.pids, opts));
    await stopChild(d.child);
  };

  const baselines: Measured[] = [];
  const doppel: Measured[] = [];
  const skipped = new Map<string, string>();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-bench-'));
  atCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  try {
    await runBaseline(1);

    if (opts.legs.has('embedded') || opts.legs.has('throttled')) {
      // The first start makes the default credential (and finds the no-handler operation).
      const d = await startDoppel({ dataDir, throttle: false, nodeArgs: nodeArgs('embedded') });
      if (!d.cred)
        throw new Error(`no first-start credential in the output:\n${d.child.output().slice(-2000)}`);
      const cred = d.cred;
      const sign = signer(d.port);
      const scenarios: Scenario[] = [
        {
          name: 'signed-400',
          what: `signed GET ${REFUSED} (ListAssets refused by validation), throttle off`,
          build: () => [sign(cred, REFUSED)],
          expected: (s) => s === 400,
          expectedText: '400',
        },
      ];
      scenarios.push(
        {
          name: 'signed-ListAssets',
          what: `signed GET ${LIST_ASSETS} (ListAssets, empty project), throttle off`,
          build: () => [sign(cred, LIST_ASSETS)],
          expected: ok,
          expectedText: '2xx',
        },
        {
          name: 'unsigned-401',
          what: 'the ListAssets request without Authorization',
          build: () => {
            const req = sign(cred, LIST_ASSETS);
            const { authorization: _, ...headers } = req.headers;
            return [{ ...req, headers }];
          },
          expected: (s) => s === 401,
          expectedText: '401',
        },
        {
          name: 'health',
          what: 'GET /health',
          build: () => [{ url: `http://127.0.0.1:${d.port}/health`, method: 'GET', headers: {} }],
          expected: (s) => s === 200,
          expectedText: '200',
        },
      );
      if (opts.legs.has('embedded')) await runServer(d, scenarios);
      else await stopChild(d.child);
    }

    if (opts.legs.has('throttled')) {
      const tenants = await createTenants(dataDir, undefined, opts.tenants);
      const d = await startDoppel({ dataDir, throttle: true, nodeArgs: nodeArgs('embedded-throttled') });
      const sign = signer(d.port);
      const scenarios: Scenario[] = [];
      scenarios.push({
        name: 'throttled-400',
        what: `signed GET ${REFUSED} (ListAssets refused by validation), throttle ON`,
        build: () => tenants.map((t) => sign(t, REFUSED)),
        expected: (s) => s === 400,
        expectedText: '400',
      });
      scenarios.push({
        name: 'throttled-ShowAsset',
        what: `signed GET ${SHOW_ASSET} (ShowAsset of a system avatar), embedded, throttle ON`,
        build: () => tenants.map((t) => sign(t, SHOW_ASSET)),
        expected: ok,
        expectedText: '2xx',
      });
      await runServer(d, scenarios);
    }

    const pgLegs = opts.legs.has('pg') || opts.legs.has('cluster');
    if (pgLegs && pgSkip) {
      for (const s of ['pg-throttled-ShowAsset', 'pg-reads-50c', 'pg-reads-50c-x2'])
        skipped.set(s, `PostgreSQL: ${pgSkip}`);
      console.log(`  PostgreSQL legs skipped: ${pgSkip}`);
    } else if (pgLegs) {
      const db = await createPostgresDatabase();
      atCleanup(() => db.drop());
      const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-bench-pg-'));
      atCleanup(() => fs.rmSync(pgDir, { recursive: true, force: true }));
      const tenants = await createTenants(pgDir, db.url, opts.tenants);
      const pg = { dataDir: pgDir, databaseUrl: db.url, role: 'api' as const };
      // ShowAsset and ListAssets in turn, over the tenants.
      const reads = (sign: ReturnType<typeof signer>) => () =>
        tenants.flatMap((t) => [sign(t, SHOW_ASSET), sign(t, `${LIST_ASSETS}?limit=10`)]);
      if (opts.legs.has('pg')) {
        const d = await startDoppel({ ...pg, throttle: true, nodeArgs: nodeArgs('pg-throttled') });
        const sign = signer(d.port);
        await runServer(d, [
          {
            name: 'pg-throttled-ShowAsset',
            what: `signed GET ${SHOW_ASSET} (ShowAsset), PostgreSQL, one process, throttle ON`,
            build: () => tenants.map((t) => sign(t, SHOW_ASSET)),
            expected: ok,
            expectedText: '2xx',
          },
        ]);
      }
      const readScenario = (name: string, sign: ReturnType<typeof signer>, what: string): Scenario => ({
        name,
        what: `signed ShowAsset and ListAssets in turn, PostgreSQL, ${what}, throttle off`,
        build: reads(sign),
        expected: ok,
        expectedText: '2xx',
        connections: opts.readConnections,
      });
      {
        const d = await startDoppel({ ...pg, throttle: false, nodeArgs: nodeArgs('pg-reads') });
        await runServer(d, [readScenario('pg-reads-50c', signer(d.port), 'one process')]);
      }
      if (opts.legs.has('cluster')) {
        const d = await startDoppel({ ...pg, throttle: false, apiProcesses: 2 });
        await runServer(d, [readScenario('pg-reads-50c-x2', signer(d.port), 'serve --api-processes 2')]);
      }
    }

    await runBaseline(2);
  } finally {
    await cleanup();
  }

  console.log('');
  console.log(`load avg ${loadavg()} at the end`);
  console.log(report(baselines, doppel));
  console.log('');
  console.log(
    'req/s: mean of per-second samples. p50/p99/max: over every response, from its own timing.\n' +
      'ratio: scenario req/s ÷ mean baseline req/s. cpu µs/req: CPU (user+system, from /proc) of\n' +
      "all the server's processes over the measured run ÷ responses; cpu ×base: that ÷ the\n" +
      "baseline's. It depends less on what else runs on the machine than req/s does.",
  );
  console.log('');
  console.log('Targets (issue 17):');
  console.log(targets(baselines, doppel, skipped));

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
