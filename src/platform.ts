// Builds the HTTP app and the job wiring of one process from its Deps: the part of
// `doppel serve` that tests also need, without listening or signal handling.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { iamRoutes } from './core/auth/iam.routes.ts';
import type { Database } from './core/db/index.ts';
import type { JobQueue } from './core/jobs/index.ts';
import { downloadRedirectRoutes, objectRoutes } from './core/object-store/http.ts';
import { LocalObjectStore } from './core/object-store/local.ts';
import { S3ObjectStore } from './core/object-store/s3.ts';
import { createAuthGuards } from './core/throttle/failures.ts';
import type { Clock } from './core/util/time.ts';
import type { Deps } from './deps.ts';
import { consoleRoutes } from './http/console-routes.ts';
import { dialogPageRoutes } from './http/dialog-page-routes.ts';
import { createModules, IMPLEMENTED_OPERATIONS, registerTasks, seedModules } from './modules/index.ts';

export interface Platform {
  app: FastifyInstance;
  /** Starts the workers (when this process runs jobs) and the schedules. */
  startJobs(): Promise<void>;
}

export async function buildPlatform(
  deps: Deps,
  opts: {
    runsJobs: boolean;
    serveApi: boolean;
    readiness?: () => Promise<string | undefined>;
    /** Names this process in X-Doppel-Process and /health (one of `--api-processes N`). */
    processTag?: string;
  },
): Promise<Platform> {
  // Seed data (system assets) follows the migrations createDeps ran, in every role.
  await seedModules(deps.moduleDeps);
  const modules = createModules(deps.moduleDeps);
  const scheduled = new Map(modules.schedules.map((s) => [s.task, s.everyMs]));
  const tasks = modules.tasks.map((t) => {
    const everyMs = scheduled.get(t.name);
    if (everyMs === undefined) return t;
    // A scheduled task books its next run when it finishes (and when workers start).
    const handler = async (payload: never, helpers: Parameters<typeof t.handler>[1]) => {
      try {
        await t.handler(payload, helpers);
      } finally {
        await scheduleNext(deps.queue, t.name, everyMs, deps.clock);
      }
    };
    return { ...t, handler };
  });
  registerTasks(deps.queue, tasks, opts.runsJobs);

  // One set of failure counters for signatures and passwords alike.
  const guards = createAuthGuards(deps.config.authFailures, deps.clock);
  const app = await buildApp({
    config: deps.config,
    guards,
    logger: deps.logger,
    authenticate: deps.authenticate,
    throttle: deps.throttle,
    metrics: deps.metrics,
    handlers: modules.handlers,
    urlCredentials: modules.urlCredentials,
    plugins: [
      iamRoutes(deps.accounts, guards),
      consoleRoutes({ implemented: IMPLEMENTED_OPERATIONS }),
      dialogPageRoutes(),
      ...modules.routes.map((r) => r({ authenticate: deps.authenticate, guards })),
      ...(deps.objects instanceof LocalObjectStore ? [objectRoutes(deps.objects, modules.downloadGate)] : []),
      ...(deps.objects instanceof S3ObjectStore && deps.objects.redirectsDownloads
        ? [downloadRedirectRoutes(deps.objects, modules.downloadGate)]
        : []),
    ],
    serveApi: opts.serveApi,
    readiness: opts.readiness ?? (() => databaseReadiness(deps.database)),
    ...(opts.processTag && { processTag: opts.processTag }),
  });

  return {
    app,
    async startJobs() {
      if (!opts.runsJobs) return;
      await deps.queue.start();
      for (const [task, everyMs] of scheduled) await scheduleNext(deps.queue, task, everyMs, deps.clock);
    },
  };
}

/** undefined when the database answers a query, else why not (the default readiness). */
export async function databaseReadiness(database: Database): Promise<string | undefined> {
  try {
    await database.db.selectFrom('projects').select('id').limit(1).execute();
    return undefined;
  } catch (e) {
    return `database: ${(e as Error).message}`;
  }
}

/**
 * Enqueues the next run of a periodic task at the next multiple of `everyMs`. The job key
 * names that slot, so every worker that books it gets the same single job.
 */
async function scheduleNext(queue: JobQueue, task: string, everyMs: number, clock: Clock): Promise<void> {
  const slot = (Math.floor(clock.now().getTime() / everyMs) + 1) * everyMs;
  await queue.enqueue(task, {}, { jobKey: `${task}@${slot}`, runAt: new Date(slot) });
}
