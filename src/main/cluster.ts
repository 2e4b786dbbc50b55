// `doppel serve --api-processes N`: N API processes share one port through node:cluster
// (the primary accepts connections and hands them to the children in turn), so one machine
// uses its cores without an external balancer. PostgreSQL only: PGlite lives in one process.
//
// The primary never serves requests. It migrates the database and creates the first-start
// credential (once, before any child could race for it), then forks the children and
// watches them: a child that dies is forked again after a growing delay, and a slot whose
// children keep dying soon after their start makes the whole server give up (exit 1) rather
// than loop. SIGTERM/SIGINT are passed on to every child, each finishes its in-flight
// requests, and the primary exits 0 when all of them did.
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import type { Config, Role } from '../config.ts';
import { AccountsService } from '../core/auth/accounts.service.ts';
import { loadOrCreateMasterKey } from '../core/auth/secrets.ts';
import { openDatabase } from '../core/db/index.ts';
import { migrate } from '../core/db/migrate.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { systemClock } from '../core/util/time.ts';
import { announceDefaultCredential, withConcretePort } from './serve.ts';

/** What the primary tells a child, in the environment variable CHILD_ENV. */
export interface ClusterChild {
  /** 1..N, stable across restarts of the slot. */
  index: number;
  role: Role;
  port: number;
  publicUrl: string;
}

export const CHILD_ENV = 'DOPPEL_CLUSTER_CHILD';

/** The child's settings when this process is a cluster child, else undefined. */
export function clusterChild(): ClusterChild | undefined {
  if (!cluster.isWorker) return undefined;
  const raw = process.env[CHILD_ENV];
  return raw ? (JSON.parse(raw) as ClusterChild) : undefined;
}

export class ClusterConfigError extends Error {}

/** Why `config` cannot run N API processes, or undefined when it can. */
export function clusterRefusal(config: Readonly<Config>): string | undefined {
  const n = config.apiProcesses;
  if (!config.databaseUrl) {
    return `--api-processes ${n} needs PostgreSQL (set DATABASE_URL): the embedded database (PGlite) can be opened by one process only`;
  }
  if (config.role === 'worker') return '--api-processes needs role api or all; role worker serves no API';
  if (config.throttle.enabled && !config.redisUrl) {
    return `--api-processes ${n} with throttling on needs REDIS_URL, so that the processes share the per-tenant limits (or set DOPPEL_THROTTLE=false)`;
  }
  return undefined;
}

/** A child that ran this long before dying is not part of a crash loop. */
const STABLE_MS = 30_000;
/** Quick deaths in a row after which a slot (and the server) gives up. */
const MAX_QUICK_DEATHS = 5;
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 10_000;

interface Slot {
  index: number;
  role: Role;
  worker?: Worker;
  startedAt: number;
  quickDeaths: number;
  listening: boolean;
  timer?: NodeJS.Timeout;
}

export async function serveCluster(requested: Readonly<Config>): Promise<void> {
  const refusal = clusterRefusal(requested);
  if (refusal) throw new ClusterConfigError(refusal);
  const config = await withConcretePort(requested);
  const logger = createLogger({ level: config.logLevel }).child({ component: 'cluster' });
  await prepareDatabase(config, logger);

  const n = config.apiProcesses;
  // Role all: the first child also runs the jobs; the others serve the API only.
  const slots: Slot[] = Array.from({ length: n }, (_, i) => ({
    index: i + 1,
    role: i === 0 ? config.role : 'api',
    startedAt: 0,
    quickDeaths: 0,
    listening: false,
  }));
  let stopping = false;
  let announced = false;
  let exitCode = 0;

  const fork = (slot: Slot) => {
    slot.timer = undefined;
    const child: ClusterChild = {
      index: slot.index,
      role: slot.role,
      port: config.port,
      publicUrl: config.publicUrl,
    };
    const worker = cluster.fork({ [CHILD_ENV]: JSON.stringify(child) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.listening = false;
    worker.once('listening', () => {
      slot.listening = true;
      logger.info({ process: slot.index, pid: worker.process.pid }, 'api process listening');
      if (!announced && slots.every((s) => s.listening)) {
        announced = true;
        logger.info(
          {
            url: `http://${config.host}:${config.port}`,
            processes: n,
            pids: slots.map((s) => s.worker?.process.pid),
            role: config.role,
          },
          'doppel is serving',
        );
      }
    });
    worker.once('exit', (code, signal) => onExit(slot, worker, code, signal));
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null) => {
    const wasListening = slot.listening;
    if (slot.worker === worker) slot.worker = undefined;
    slot.listening = false;
    if (stopping) {
      // A child still starting has no signal handler yet, and nothing in flight either.
      const clean = code === 0 || (!wasListening && signal === 'SIGTERM');
      if (!clean) exitCode = 1;
      logger.info({ process: slot.index, pid: worker.process.pid, code, signal }, 'api process stopped');
      if (slots.every((s) => !s.worker)) finish();
      return;
    }
    const lived = Date.now() - slot.startedAt;
    slot.quickDeaths = lived >= STABLE_MS ? 1 : slot.quickDeaths + 1;
    if (slot.quickDeaths >= MAX_QUICK_DEATHS) {
      logger.error(
        { process: slot.index, code, signal, deaths: slot.quickDeaths },
        `api process died ${slot.quickDeaths} times in a row within ${STABLE_MS / 1000} s of its start; giving up`,
      );
      exitCode = 1;
      stop('crash loop');
      return;
    }
    const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (slot.quickDeaths - 1));
    logger.warn(
      { process: slot.index, pid: worker.process.pid, code, signal, restartInMs: delay },
      'api process died; starting it again',
    );
    slot.timer = setTimeout(() => fork(slot), delay);
  };

  let force: NodeJS.Timeout | undefined;
  const finish = () => {
    if (force) clearTimeout(force);
    logger.info({ exitCode }, 'stopped');
    process.exit(exitCode);
  };

  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason: why }, 'shutting down: every api process finishes its requests');
    for (const s of slots) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = undefined;
      s.worker?.process.kill('SIGTERM');
    }
    force = setTimeout(() => {
      logger.error('api processes took too long to stop; killing them');
      for (const s of slots) s.worker?.process.kill('SIGKILL');
      exitCode = 1;
    }, config.jobs.shutdownGraceMs + 20_000);
    force.unref();
    if (slots.every((s) => !s.worker)) finish();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  for (const slot of slots) fork(slot);
}

/** Migrations and the first-start credential, done once here so the children never race for them. */
async function prepareDatabase(config: Readonly<Config>, logger: Logger): Promise<void> {
  const database = await openDatabase({
    url: config.databaseUrl,
    pgliteDir: path.join(config.dataDir, 'db'),
  });
  try {
    const m = await migrate(database.db);
    if (m.applied.length > 0) logger.info({ applied: m.applied }, 'database migrated');
    const master = loadOrCreateMasterKey(config.dataDir, config.masterKey);
    const accounts = new AccountsService({ db: database.db, masterKey: master.key, clock: systemClock });
    const boot = await accounts.ensureBootstrap({ region: config.region });
    if (boot) announceDefaultCredential(config, boot);
  } finally {
    await database.close();
  }
}
