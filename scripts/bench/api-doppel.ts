// Doppel servers for `npm run bench:api`: started as the CLI (`node bin/doppel.js serve`)
// with only the configuration given here, and the many tenants the throttled scenarios
// rotate over (each tenant has its own per-second budget per operation, so a rotation over
// enough of them measures the limiter's cost without being cut by it).
import fs from 'node:fs';
import path from 'node:path';
import { AccountsService } from '../../src/core/auth/accounts.service.ts';
import { loadOrCreateMasterKey } from '../../src/core/auth/secrets.ts';
import { openDatabase } from '../../src/core/db/index.ts';
import { migrate } from '../../src/core/db/migrate.ts';
import { systemClock } from '../../src/core/util/time.ts';
import { type Child, freePort, send, startChild, waitFor } from './api-lib.ts';

export const DOPPEL_LOG_LEVEL = 'warn';

export interface Credential {
  projectId: string;
  ak: string;
  sk: string;
}

export interface DoppelOptions {
  dataDir: string;
  throttle: boolean;
  /** PostgreSQL; embedded (PGlite in dataDir) when absent. */
  databaseUrl?: string;
  role?: 'all' | 'api';
  apiProcesses?: number;
  /** Extra environment (e.g. DOPPEL_* knobs under test). */
  env?: Record<string, string>;
  /** node flags for the server (e.g. --cpu-prof); single process only. */
  nodeArgs?: string[];
}

export interface Doppel {
  child: Child;
  port: number;
  /** The credential printed on the first start of an empty database, if this start printed one. */
  cred: Credential | undefined;
  /** Every process of the server: the primary and, with --api-processes, its children. */
  pids(): number[];
}

/** Child pids of `pid` (Linux /proc). */
function childPids(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/))
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export async function startDoppel(o: DoppelOptions): Promise<Doppel> {
  const port = await freePort();
  // Only what is set here configures it: an inherited DOPPEL_AUTH=loose or DATABASE_URL
  // would measure something else.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(DOPPEL_|S3_)/.test(k) && k !== 'DATABASE_URL' && k !== 'REDIS_URL') env[k] = v;
  }
  Object.assign(env, {
    DOPPEL_DATA_DIR: o.dataDir,
    DOPPEL_HOST: '127.0.0.1',
    DOPPEL_PORT: String(port),
    DOPPEL_LOG_LEVEL,
    DOPPEL_THROTTLE: String(o.throttle),
    DOPPEL_ROLE: o.role ?? 'all',
    ...(o.databaseUrl && { DATABASE_URL: o.databaseUrl }),
    ...(o.apiProcesses && { DOPPEL_API_PROCESSES: String(o.apiProcesses) }),
    ...o.env,
  });
  const n = o.apiProcesses ?? 1;
  const child = startChild(
    n > 1 ? `doppel ×${n}` : 'doppel',
    [...(o.nodeArgs ?? []), 'bin/doppel.js', 'serve'],
    env,
  );
  const pids = () => {
    const primary = child.proc.pid!;
    return n > 1 ? [primary, ...childPids(primary).sort()] : [primary];
  };
  await waitFor(child, 'GET /health 200 from every process', 180_000, async () => {
    const r = await send({ url: `http://127.0.0.1:${port}/health`, method: 'GET', headers: {} });
    return r.status === 200 && pids().length === (n > 1 ? n + 1 : 1) ? true : undefined;
  });
  if (n > 1) {
    // Every child answers once the primary has handed it connections.
    const seen = new Set<string>();
    await waitFor(child, `/health from all ${n} processes`, 120_000, async () => {
      const r = await send({ url: `http://127.0.0.1:${port}/health`, method: 'GET', headers: {} });
      const tag = (JSON.parse(r.body) as { process?: string }).process;
      if (tag) seen.add(tag);
      return seen.size >= n ? true : undefined;
    });
  }
  const banner = (label: string) =>
    new RegExp(`^\\s*${label}\\s*:\\s*(\\S+)\\s*$`, 'm').exec(child.output())?.[1];
  const [projectId, ak, sk] = [banner('project id'), banner('access key'), banner('secret key')];
  return { child, port, cred: projectId && ak && sk ? { projectId, ak, sk } : undefined, pids };
}

/**
 * Creates `count` projects with one access key each, straight in the database (the server
 * must not be running on an embedded data dir), with the data dir's master key.
 */
export async function createTenants(dataDir: string, databaseUrl: string | undefined, count: number) {
  const database = await openDatabase({ url: databaseUrl, pgliteDir: path.join(dataDir, 'db') });
  try {
    await migrate(database.db);
    const master = loadOrCreateMasterKey(dataDir);
    const accounts = new AccountsService({ db: database.db, masterKey: master.key, clock: systemClock });
    const out: Credential[] = [];
    const stamp = Date.now().toString(36);
    for (let i = 0; i < count; i++) {
      const p = await accounts.createProject({ name: `bench-${stamp}-${i}` });
      const c = await accounts.createCredential(p.id, 'bench:api');
      out.push({ projectId: c.projectId, ak: c.ak, sk: c.sk });
    }
    return out;
  } finally {
    await database.close();
  }
}
