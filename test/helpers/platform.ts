// A whole Doppel process for integration tests, minus the socket: the real composition
// root (createDeps → buildPlatform) on a test database leg, a temp data dir for objects,
// two tenants with access keys, and `call()` sending requests signed by the test's own
// signer through app.inject.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { MASTER_KEY_FILE } from '../../src/core/auth/secrets.ts';
import { openDatabase } from '../../src/core/db/index.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { Clock } from '../../src/core/util/time.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import type { AssetsMedia } from '../../src/modules/assets/index.ts';
import { buildPlatform } from '../../src/platform.ts';
import type { DbLeg, TestDb } from './db.ts';
import { buildSignedRequest } from './signer.ts';

export interface Tenant {
  projectId: string;
  ak: string;
  sk: string;
}

export interface CallOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | Array<string | number>>;
  headers?: Record<string, string>;
  /** Whose key signs the request (default: the first tenant). */
  as?: Tenant;
}

export interface CallResult {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
  body: any;
  headers: Record<string, string | string[] | number | undefined>;
  raw: Buffer;
}

export interface TestPlatform {
  app: FastifyInstance;
  deps: Deps;
  dataDir: string;
  /** postgres:// URL of the database (PostgreSQL leg only): another instance may join it. */
  dbUrl?: string;
  tenant: Tenant;
  other: Tenant;
  /** Signed MetaStudio call; `{project_id}` in the path is the signer's project. */
  call(method: string, urlPath: string, opts?: CallOptions): Promise<CallResult>;
  /** Sends an unsigned request to an absolute URL Doppel handed out (presigned object URLs). */
  fetchUrl(
    method: string,
    url: string,
    opts?: { body?: Buffer; headers?: Record<string, string> },
  ): Promise<CallResult>;
  close(): Promise<void>;
}

export async function startTestPlatform(
  leg: DbLeg,
  opts: {
    clock?: Clock;
    media?: AssetsMedia;
    /** Run job workers in this process (default true). */
    runJobs?: boolean;
    env?: Record<string, string>;
    /**
     * Another process of the same cluster (PostgreSQL leg only): its own pool on `join`'s
     * database, its own data dir with `join`'s master key, the same tenants; closing it leaves
     * the database to `join`.
     */
    join?: TestPlatform;
  } = {},
): Promise<TestPlatform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-it-'));
  const join = opts.join;
  let testDb: TestDb;
  if (join) {
    if (!join.dbUrl) throw new Error('join needs a PostgreSQL leg (no dbUrl)');
    fs.copyFileSync(path.join(join.dataDir, MASTER_KEY_FILE), path.join(dataDir, MASTER_KEY_FILE));
    const own = await openDatabase({ url: join.dbUrl, poolSize: 5 });
    testDb = { database: own, url: join.dbUrl, cleanup: () => own.close() };
  } else testDb = await leg.open();
  const config = loadConfig({
    PATH: process.env.PATH,
    // The media tools the suite runs with (CI's second leg forces the npm build).
    ...(process.env.DOPPEL_MEDIA_TOOLS ? { DOPPEL_MEDIA_TOOLS: process.env.DOPPEL_MEDIA_TOOLS } : {}),
    ...(process.env.FFMPEG_PATH ? { FFMPEG_PATH: process.env.FFMPEG_PATH } : {}),
    ...(process.env.FFPROBE_PATH ? { FFPROBE_PATH: process.env.FFPROBE_PATH } : {}),
    DOPPEL_DATA_DIR: dataDir,
    DOPPEL_THROTTLE: 'false',
    DOPPEL_LOG_LEVEL: 'silent',
    DOPPEL_JOB_POLL_MS: '100',
    DOPPEL_JOB_LEASE_MS: '5000',
    ...opts.env,
  });
  const logger = createLogger({ level: 'silent' });
  // The leg owns the database: deps must not close it a second time.
  const database = { ...testDb.database, close: async () => {} };
  const deps = await createDeps(config, logger, { database, clock: opts.clock });
  if (opts.media) deps.moduleDeps.media = opts.media;
  const runsJobs = opts.runJobs ?? true;
  const platform = await buildPlatform(deps, { runsJobs, serveApi: true });
  await platform.app.ready();
  await platform.startJobs();

  const mk = async (name: string): Promise<Tenant> => {
    const p = await deps.accounts.createProject({ name, domainName: 'test' });
    const c = await deps.accounts.createCredential(p.id);
    return { projectId: p.id, ak: c.ak, sk: c.sk };
  };
  const tenant = join ? join.tenant : await mk('tenant-a');
  const other = join ? join.other : await mk('tenant-b');

  const toResult = (res: {
    statusCode: number;
    rawPayload: Buffer;
    headers: CallResult['headers'];
  }): CallResult => {
    const raw = res.rawPayload;
    let body: unknown = raw.toString('utf8');
    const type = String(res.headers['content-type'] ?? '');
    if (type.includes('json') && raw.length > 0) body = JSON.parse(raw.toString('utf8'));
    return { status: res.statusCode, body, headers: res.headers, raw };
  };

  return {
    app: platform.app,
    deps,
    dataDir,
    ...(testDb.url ? { dbUrl: testDb.url } : {}),
    tenant,
    other,
    async call(method, urlPath, o = {}) {
      const who = o.as ?? tenant;
      const u = new URL(`http://localhost${urlPath.replace('{project_id}', who.projectId)}`);
      for (const [k, v] of Object.entries(o.query ?? {})) {
        for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
      }
      const req = buildSignedRequest(u, {
        method,
        body: o.body,
        ak: who.ak,
        sk: who.sk,
        projectId: who.projectId,
        headers: o.headers,
      });
      const res = await platform.app.inject({
        method: req.method as 'GET',
        url: u.pathname + u.search,
        headers: req.headers,
        payload: req.body,
      });
      return toResult(res);
    },
    async fetchUrl(method, url, o = {}) {
      const u = new URL(url);
      const res = await platform.app.inject({
        method: method as 'GET',
        url: u.pathname + u.search,
        headers: o.headers,
        payload: o.body,
      });
      return toResult(res);
    },
    async close() {
      await platform.app.close();
      await deps.queue.stop({ graceMs: 1000 });
      await deps.close();
      await testDb.cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
