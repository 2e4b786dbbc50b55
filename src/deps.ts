// The composition root: the one place that builds the database, stores, queue, throttle,
// auth and services from a Config and hands them down. No module reaches for globals.

import { createHmac } from 'node:crypto';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { AccountsService } from './core/auth/accounts.service.ts';
import { createAuthenticator } from './core/auth/authenticate.ts';
import { loadOrCreateMasterKey } from './core/auth/secrets.ts';
import { Bus, redisWakeups } from './core/bus/index.ts';
import { type Database, openDatabase } from './core/db/index.ts';
import { migrate } from './core/db/migrate.ts';
import { JobQueue } from './core/jobs/index.ts';
import type { Logger } from './core/logger.ts';
import { createObjectStore } from './core/object-store/index.ts';
import type { ObjectStore } from './core/object-store/types.ts';
import { createThrottle, type Throttle } from './core/throttle/index.ts';
import { type Clock, systemClock } from './core/util/time.ts';
import { createRemoteRenderer } from './engines/render/remote.ts';
import { createSpeechService, type SpeechService } from './engines/speech/index.ts';
import type { Authenticate } from './http/bind-operations.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { createAssetsMedia, lazyMediaTools } from './media-adapter.ts';
import type { ModuleDeps } from './modules/index.ts';

export interface Deps {
  config: Readonly<Config>;
  logger: Logger;
  database: Database;
  objects: ObjectStore;
  queue: JobQueue;
  throttle: Throttle | undefined;
  accounts: AccountsService;
  authenticate: Authenticate;
  metrics: Metrics;
  masterKey: { source: 'config' | 'file'; path?: string };
  clock: Clock;
  speech: SpeechService;
  /** What the API modules are built from. */
  moduleDeps: ModuleDeps;
  close(): Promise<void>;
}

export interface CreateDepsOptions {
  /** An already-open database (tests); closed with the rest. */
  database?: Database;
  clock?: Clock;
}

/** Builds everything a process needs. Migrations run first, so code never meets an old schema. */
export async function createDeps(
  config: Readonly<Config>,
  logger: Logger,
  opts: CreateDepsOptions = {},
): Promise<Deps> {
  const clock = opts.clock ?? systemClock;
  const database =
    opts.database ??
    (await openDatabase({
      url: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, 'db'),
      onConnectionError: (err) => logger.warn({ err }, 'database connection lost; the pool reconnects'),
    }));
  const closers: Array<() => Promise<unknown>> = [() => database.close()];
  try {
    const m = await migrate(database.db);
    if (m.applied.length > 0) logger.info({ applied: m.applied }, 'database migrated');

    const master = loadOrCreateMasterKey(config.dataDir, config.masterKey);
    if (master.source === 'file' && config.databaseUrl) {
      logger.warn(
        { keyFile: master.path },
        'DOPPEL_MASTER_KEY is not set: secret keys are sealed with a key file on this node only; set it on every node of a cluster',
      );
    }
    // Separate keys per purpose, derived from the master key.
    const derive = (purpose: string) => createHmac('sha256', master.key).update(purpose).digest();

    const objects = createObjectStore({
      dataDir: config.dataDir,
      publicUrl: config.publicUrl,
      signingKey: derive('object-store-url-signing'),
      // Large files (CreateLargeFile) may reach 500 GB in parts.
      maxObjectBytes: 500 * 1024 ** 3,
      s3: config.s3,
      clock,
    });

    let redis: Redis | undefined;
    if (config.redisUrl) {
      // Loaded only when Redis is configured: embedded mode never holds ioredis.
      const { Redis } = await import('ioredis');
      redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
      redis.on('error', (e) => logger.warn({ err: e }, 'redis connection problem'));
      closers.push(async () => redis?.disconnect());
    }
    const throttle = config.throttle.enabled
      ? createThrottle({ region: config.region, defaultRps: config.throttle.defaultRps, redis })
      : undefined;

    const accounts = new AccountsService({ db: database.db, masterKey: master.key, clock });
    const authenticator = createAuthenticator({ service: accounts, mode: config.auth, clock });

    const queue = new JobQueue({
      database,
      logger: logger.child({ component: 'jobs' }),
      leaseMs: config.jobs.leaseMs,
      pollMs: config.jobs.pollMs,
      concurrency: config.jobs.concurrency,
      faults: config.faults,
    });

    // Engine processes start lazily, on the first synthesis.
    const speech = createSpeechService({
      poolSize: config.speech.poolSize,
      idleMs: config.speech.idleMs,
      engines: {
        ...(config.speech.openai && { openai: config.speech.openai }),
        ...(config.voiceCloning && {
          cloning: {
            url: config.voiceCloning.url,
            ...(config.voiceCloning.token ? { token: config.voiceCloning.token } : {}),
          },
        }),
      },
      allowPrivateFetch: config.allowPrivateFetch,
      logger,
    });
    closers.push(() => speech.close());

    // Cluster mode: requests between processes (a live command to the worker that streams the
    // job) over the shared PostgreSQL, woken by NOTIFY and, with Redis, by its pub/sub too.
    // Embedded mode is one process and needs none.
    let bus: Bus | undefined;
    if (database.kind === 'postgres') {
      const b = new Bus({
        database,
        logger: logger.child({ component: 'bus' }),
        ...(redis && { wakeups: redisWakeups(redis) }),
      });
      bus = b;
      closers.push(() => b.close());
    }

    // ffmpeg/ffprobe, resolved on first need, shared by the media port and encoders (MP3 speech).
    const mediaTools = lazyMediaTools(config.media);

    const moduleDeps: ModuleDeps = {
      db: database.db,
      objects,
      queue,
      clock,
      logger,
      media: createAssetsMedia(mediaTools, { logger, mode: config.media.tools }),
      tmpDir: path.join(config.dataDir, 'tmp'),
      ensureProject: (id) => accounts.ensureProject(id),
      keys: {
        replication: derive('asset-replication'),
        dialog: derive('dialog-robot-secrets'),
        liveEvents: derive('live-event-report'),
      },
      publicUrl: config.publicUrl,
      speech,
      mediaTools,
      allowPrivateFetch: config.allowPrivateFetch,
      ...(bus && { bus }),
      renderConcurrency: config.renderConcurrency,
      ...(config.voiceCloning && { voiceCloning: config.voiceCloning }),
      dialog: config.dialog,
      quotas: config.quotas,
      modelingReview: config.modelingReview,
      ...(config.neuralRenderer
        ? {
            neuralRenderer: {
              renderer: createRemoteRenderer({
                baseUrl: config.neuralRenderer.url,
                ...(config.neuralRenderer.token ? { token: config.neuralRenderer.token } : {}),
                timeoutMs: config.neuralRenderer.timeoutMs,
                pollIntervalMs: config.neuralRenderer.pollMs,
                maxVideoBytes: config.neuralRenderer.maxVideoBytes,
              }),
              fallback: config.neuralRenderer.fallback,
            },
          }
        : {}),
    };

    return {
      config,
      logger,
      database,
      clock,
      speech,
      moduleDeps,
      objects,
      queue,
      throttle,
      accounts,
      authenticate: authenticator,
      metrics: createMetrics({ defaultMetrics: true }),
      masterKey: { source: master.source, path: master.path },
      async close() {
        for (const c of closers.reverse()) await c().catch(() => {});
      },
    };
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => {});
    throw e;
  }
}
