// `doppel serve`: one process, any role. Embedded mode (the default) is role `all` on
// PGlite and local files; a cluster runs `api` and `worker` processes on PostgreSQL.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config.ts';
import { createLogger } from '../core/logger.ts';
import { createDeps } from '../deps.ts';
import { buildPlatform, databaseReadiness } from '../platform.ts';
import { accountsAdminOps } from './accounts-admin.ts';
import { startAdminServer } from './admin.ts';
import type { ClusterChild } from './cluster.ts';
import { collectStartupGarbage } from './heap.ts';

/** `child`: this process is one of `--api-processes N` (src/main/cluster.ts). */
export async function serve(requested: Readonly<Config>, child?: ClusterChild): Promise<void> {
  const config = await withConcretePort(requested);
  const logger = createLogger({ level: config.logLevel });
  if (config.auth === 'loose') {
    logger.warn(
      'auth is LOOSE: unsigned requests are accepted for any project id; use only for local experiments',
    );
  }
  const deps = await createDeps(config, logger);
  const boot = await deps.accounts.ensureBootstrap({ region: config.region });
  if (boot) announceDefaultCredential(config, boot);

  let shuttingDown = false;
  const runsJobs = config.role !== 'api';
  const platform = await buildPlatform(deps, {
    runsJobs,
    serveApi: config.role !== 'worker',
    readiness: async () => (shuttingDown ? 'shutting down' : databaseReadiness(deps.database)),
    ...(child && { processTag: `${child.index}:${process.pid}` }),
  });
  const app = platform.app;

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  await platform.startJobs();
  const admin =
    deps.database.kind === 'pglite'
      ? await startAdminServer(
          config.dataDir,
          accountsAdminOps(deps.accounts, { db: deps.database.db, allowPrivate: config.allowPrivateFetch }),
        )
      : undefined;

  logger.info(
    {
      url: `http://${config.host}:${port}`,
      role: config.role,
      auth: config.auth,
      database: deps.database.where,
      objects:
        deps.objects.kind === 'local' ? `local files in ${path.join(config.dataDir, 'objects')}` : 'S3',
      throttle: deps.throttle ? `${deps.throttle.store}, region ${config.region}` : 'off',
      jobs: runsJobs ? `in this process, concurrency ${config.jobs.concurrency}` : 'not in this process',
      ...(child && { process: child.index, pid: process.pid }),
    },
    // The primary of `--api-processes N` says 'doppel is serving' once every child listens.
    child ? 'api process serving' : 'doppel is serving',
  );
  // Returns the start's garbage to the OS before the server settles into idling.
  collectStartupGarbage();

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing requests and jobs');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.jobs.shutdownGraceMs + 15_000);
    force.unref();
    try {
      await app.close();
      if (runsJobs) await deps.queue.stop({ graceMs: config.jobs.shutdownGraceMs });
      await admin?.close();
      await deps.close();
      logger.info('stopped');
      // A cluster child's IPC channel to the primary would keep it alive.
      if (child) process.disconnect?.();
    } finally {
      clearTimeout(force);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * Port 0 asks the OS for a free port. Presigned object URLs are built before listening,
 * so the port is picked here, first, and the public URL follows it unless set explicitly.
 */
export async function withConcretePort(config: Readonly<Config>): Promise<Readonly<Config>> {
  if (config.port !== 0) return config;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, config.host, () => resolve());
  });
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const publicUrl = config.publicUrl.replace(/:0$/, `:${port}`);
  return Object.freeze({ ...config, port, publicUrl });
}

/**
 * The first start's credential goes to the terminal, not the log (logs are shipped and
 * kept; a secret does not belong there), and to an owner-only file for later reference.
 */
export function announceDefaultCredential(
  config: Readonly<Config>,
  c: { ak: string; sk: string; projectId: string },
): void {
  const file = path.join(config.dataDir, 'default-credential.json');
  fs.writeFileSync(file, `${JSON.stringify({ ak: c.ak, sk: c.sk, project_id: c.projectId }, null, 2)}\n`, {
    mode: 0o600,
  });
  process.stdout.write(
    [
      '',
      'A new, empty Doppel: created a project and an access key for it.',
      `  project id : ${c.projectId}`,
      `  access key : ${c.ak}`,
      `  secret key : ${c.sk}`,
      `The secret is shown only here and kept in ${file} (owner-only).`,
      'Manage keys with `npm run doppel -- credentials create|list|delete`.',
      '',
    ].join('\n') + '\n',
  );
}
