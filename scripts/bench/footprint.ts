// `npm run bench:footprint [-- --assets N --connections C --duration S --runs R]`: what the
// embedded server costs a laptop, as `npm start` runs it (`node bin/doppel.js serve`, PGlite,
// local files, its speech engine processes):
//
//   start-to-ready  fresh data dir; the same dir again (restart); the dir with N assets
//                   written straight into its database (default 100 000)
//   idle RSS        the server and every process it started, summed from /proc, 10 s after
//                   /ready, on the fresh data dir and again after the restart, each process
//                   listed with its own figure
//   loaded RSS      the same sum after each of R runs of C connections of signed ListAssets /
//                   ShowAsset (throttle off); "growth" is the last run's figure minus the first
//   first TTS       CreateTtsAudition until its first sentence's file is listed: with no engine
//                   process running (a fresh server), warm, and again once the engines have
//                   been stopped for idling (DOPPEL_TTS_IDLE_SECONDS, --tts-idle, default 10 s
//                   here instead of the server's 60 s so the bench does not wait minutes)
//
// The server runs with the Node options of package.json's `start` script (`npm start`).
// Times are wall-clock milliseconds of this machine at the load average printed with them;
// compare figures from one run (docs/benchmarks.md keeps them with the load they had).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase } from '../../src/core/db/index.ts';
import { buildSignedRequest, signedFetch } from '../../test/helpers/signer.ts';
import { EN_VOICE } from '../../test/helpers/tts.ts';
import { autocannon } from './autocannon.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values } = parseArgs({
  options: {
    assets: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    'tts-idle': { type: 'string', default: '10' },
    /** Node options instead of the `start` script's, to compare them (`--node-options=""`). */
    'node-options': { type: 'string' },
  },
});
const TTS_IDLE_S = Number(values['tts-idle']);

/** The Node options `npm start` runs the server with (package.json: `node <options> bin/doppel.js serve`). */
const START_OPTIONS: string[] = (() => {
  if (values['node-options'] !== undefined) return values['node-options'].split(/\s+/).filter(Boolean);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const words = String(pkg.scripts.start).split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('bin/doppel.js'));
})();
const ASSETS = Number(values.assets);
const CONNECTIONS = Number(values.connections);
const DURATION = Number(values.duration);
const RUNS = Number(values.runs);

interface Server {
  proc: ChildProcess;
  url: string;
  readyMs: number;
  output(): string;
}

function envFor(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(DOPPEL_|S3_)/.test(k) && k !== 'DATABASE_URL' && k !== 'REDIS_URL') env[k] = v;
  }
  return {
    ...env,
    DOPPEL_DATA_DIR: dataDir,
    DOPPEL_HOST: '127.0.0.1',
    DOPPEL_PORT: '0',
    DOPPEL_LOG_LEVEL: 'info',
    DOPPEL_THROTTLE: 'false',
    DOPPEL_TTS_IDLE_SECONDS: String(TTS_IDLE_S),
  };
}

/** Starts the server and answers once GET /ready is 200, with the time that took. */
async function start(dataDir: string): Promise<Server> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...START_OPTIONS, 'bin/doppel.js', 'serve'], {
    cwd: ROOT,
    env: envFor(dataDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  proc.stderr?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}):\n${out.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`the server was not ready in 300 s:\n${out.slice(-3000)}`);
    const url = /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1];
    if (url && (await status(`${url}/ready`)) === 200)
      return { proc, url, readyMs: performance.now() - t0, output: () => out };
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(s: Server): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  const t = setTimeout(() => s.proc.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(t);
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const r = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    r.on('error', () => resolve(0));
    r.setTimeout(5000, () => r.destroy());
  });
}

/** RSS in MB of `pid` and all its descendants, from /proc. */
function treeRss(pid: number): { total: number; processes: number; each: string } {
  const parents = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parents.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++)
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  let kb = 0;
  const each: string[] = [];
  for (const p of tree) {
    try {
      const own = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      kb += own;
      const args = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      const what =
        p === pid
          ? 'server'
          : (args
              .find((a) => /\.(ts|js)$/.test(a))
              ?.split('/')
              .pop() ?? args[0]);
      each.push(`${what} ${Math.round(own / 1024)}`);
    } catch {}
  }
  return { total: Math.round(kb / 1024), processes: tree.length, each: each.join(', ') };
}

/** CPU seconds (user + system) `pid` has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** CreateTtsAudition → milliseconds until ShowTtsAuditionFile lists the first sentence's file. */
async function firstTts(url: string, cred: { projectId: string; ak: string; sk: string }): Promise<number> {
  const auth = { ak: cred.ak, sk: cred.sk, projectId: cred.projectId };
  const t0 = performance.now();
  const c = await signedFetch(`${url}/v1/${cred.projectId}/ttsc/audition`, {
    ...auth,
    method: 'POST',
    body: { text: 'Good morning. This is the first sentence of a short audition.', emotion: EN_VOICE },
  });
  const job = (await c.json()) as { job_id?: string };
  if (c.status !== 200 || !job.job_id) throw new Error(`CreateTtsAudition answered ${c.status}`);
  for (;;) {
    const r = await signedFetch(`${url}/v1/${cred.projectId}/ttsc/audition-file/${job.job_id}`, auth);
    const b = (await r.json()) as { files?: unknown[]; is_file_complete?: boolean; error_code?: string };
    if (r.status !== 200 || b.error_code) throw new Error(`ShowTtsAuditionFile: ${JSON.stringify(b)}`);
    if ((b.files?.length ?? 0) > 0) return performance.now() - t0;
    if (performance.now() - t0 > 120_000) throw new Error('no audition file in 120 s');
    await new Promise((res) => setTimeout(res, 20));
  }
}

async function ttsRuns(s: Server, cred: { projectId: string; ak: string; sk: string }): Promise<void> {
  const cold = await firstTts(s.url, cred);
  const warm = await firstTts(s.url, cred);
  const busy = treeRss(s.proc.pid!);
  console.log(
    `first TTS (first file of CreateTtsAudition), no engine running: ${cold.toFixed(0)} ms; warm: ${warm.toFixed(0)} ms; ` +
      `RSS with the engines: ${busy.total} MB in ${busy.processes} processes (${busy.each})`,
  );
  const t0 = performance.now();
  while (treeRss(s.proc.pid!).each.includes('worker.ts')) {
    if (performance.now() - t0 > TTS_IDLE_S * 1000 + 120_000)
      throw new Error('the engines did not stop when idle');
    await new Promise((res) => setTimeout(res, 500));
  }
  const after = treeRss(s.proc.pid!);
  console.log(
    `engines stopped ${((performance.now() - t0) / 1000).toFixed(0)} s after the last TTS ` +
      `(idle timeout ${TTS_IDLE_S} s); RSS then: ${after.total} MB (${after.each})`,
  );
  const again = await firstTts(s.url, cred);
  console.log(`first TTS after the idle shutdown: ${again.toFixed(0)} ms`);
}

function credentialOf(dataDir: string): { projectId: string; ak: string; sk: string } {
  const j = JSON.parse(fs.readFileSync(path.join(dataDir, 'default-credential.json'), 'utf8'));
  return { projectId: j.project_id, ak: j.ak, sk: j.sk };
}

async function addAssets(dataDir: string, projectId: string, n: number): Promise<void> {
  const d = await openDatabase({ pgliteDir: path.join(dataDir, 'db') });
  try {
    await sql`
      INSERT INTO assets (project_id, asset_id, asset_name, asset_type, asset_state, create_time, update_time)
      SELECT ${projectId}, md5('bench-' || i), 'bench asset ' || i, 'IMAGE', 'ACTIVED',
             now() - i * interval '1 second', now() - i * interval '1 second'
      FROM generate_series(1, ${n}::int) AS i`.execute(d.db);
  } finally {
    await d.close();
  }
}

async function loadRun(url: string, cred: { projectId: string; ak: string; sk: string }, assetId: string) {
  const sign = (p: string) => {
    const r = buildSignedRequest(`${url}${p}`, { ak: cred.ak, sk: cred.sk, projectId: cred.projectId });
    return {
      method: r.method,
      path: r.url.pathname + r.url.search,
      // autocannon writes content-length itself.
      headers: r.headers,
      body: r.body,
    };
  };
  const result = await autocannon(
    {
      url,
      connections: CONNECTIONS,
      duration: DURATION,
      timeout: 10,
      requests: [
        sign(`/v1/${cred.projectId}/digital-assets?limit=10`),
        sign(`/v1/${cred.projectId}/digital-assets/${assetId}`),
      ],
    },
    () => {},
  );
  return result;
}

/** An asset the project can show (a system asset on a fresh data dir), for ShowAsset. */
async function firstAssetId(
  url: string,
  cred: { projectId: string; ak: string; sk: string },
): Promise<string> {
  const r = buildSignedRequest(`${url}/v1/${cred.projectId}/digital-assets?limit=1&asset_source=SYSTEM`, {
    ak: cred.ak,
    sk: cred.sk,
    projectId: cred.projectId,
  });
  const body = await new Promise<string>((resolve, reject) => {
    const q = http.request(
      {
        method: 'GET',
        host: r.url.hostname,
        port: r.url.port,
        path: r.url.pathname + r.url.search,
        headers: { ...r.headers, 'content-length': String(r.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      },
    );
    q.on('error', reject);
    q.end(r.body);
  });
  const id = (JSON.parse(body) as { assets?: Array<{ asset_id: string }> }).assets?.[0]?.asset_id;
  if (!id) throw new Error(`ListAssets gave no asset to show: ${body.slice(0, 300)}`);
  return id;
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-footprint-'));
  try {
    console.log(
      `bench:footprint — node ${process.version} ${START_OPTIONS.join(' ')}, ${os.cpus().length} cores, load ${load()}`,
    );
    const fresh = await start(dir);
    console.log(`start to /ready, fresh data dir: ${fresh.readyMs.toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 10_000));
    const idle = treeRss(fresh.proc.pid!);
    console.log(
      `idle RSS, all processes: ${idle.total} MB in ${idle.processes} processes (${idle.each}) (load ${load()})`,
    );
    const cred = credentialOf(dir);
    const assetId = await firstAssetId(fresh.url, cred);
    const peaks: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const cpu0 = cpuSeconds(fresh.proc.pid!);
      const r = await loadRun(fresh.url, cred, assetId);
      const cpuUs = ((cpuSeconds(fresh.proc.pid!) - cpu0) / Math.max(1, r.requests.total)) * 1e6;
      const rss = treeRss(fresh.proc.pid!);
      peaks.push(rss.total);
      console.log(
        `load run ${i}: ${CONNECTIONS} connections × ${DURATION} s of signed ListAssets/ShowAsset: ` +
          `${Math.round(r.requests.mean)} req/s, p99 ${r.latency.p99} ms, errors ${r.errors}, ` +
          `non-2xx ${r.non2xx} ${JSON.stringify(r.statusCodeStats)}; server CPU ${cpuUs.toFixed(0)} µs a request; ` +
          `RSS after: ${rss.total} MB`,
      );
    }
    console.log(`RSS growth from run 1 to run ${RUNS}: ${peaks.at(-1)! - peaks[0]!} MB`);
    await ttsRuns(fresh, cred);
    await stop(fresh);

    const again = await start(dir);
    console.log(`start to /ready, restart on the same data dir: ${again.readyMs.toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 10_000));
    const idle2 = treeRss(again.proc.pid!);
    console.log(
      `idle RSS after the restart: ${idle2.total} MB in ${idle2.processes} processes (${idle2.each}) (load ${load()})`,
    );
    await stop(again);

    await addAssets(dir, cred.projectId, ASSETS);
    const big = await start(dir);
    console.log(`start to /ready with ${ASSETS} assets: ${big.readyMs.toFixed(0)} ms (load ${load()})`);
    await stop(big);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
