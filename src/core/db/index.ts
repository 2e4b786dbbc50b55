// The one database layer: PGlite in the data dir by default, PostgreSQL when a URL is
// given. Both speak the same SQL through the same Kysely instance, so the code above
// this file never knows which one it runs on.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import type { Notification } from 'pg';
import { PGliteDialect } from './pglite-dialect.ts';
import type { DB } from './schema.ts';

export type { DB } from './schema.ts';
export type Db = Kysely<DB>;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, for logs (never includes a password). */
  readonly where: string;
  readonly db: Db;
  /**
   * Subscribes to NOTIFY on `channel`; returns the unsubscribe function. `onLost` hears that
   * the listening connection failed (PostgreSQL): no more notifications come through it, and
   * the caller may unsubscribe and listen again.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onLost?: (err: Error) => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; when absent PGlite is used. */
  url?: string;
  /** PGlite data directory; when absent (and no url) the database lives in memory. */
  pgliteDir?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /** An already-open PGlite to wrap (tests clone a migrated template). */
  pglite?: PGliteInterface;
  /**
   * Errors of idle or listening PostgreSQL connections (a server restart, a killed
   * backend). pg emits them as events; unhandled, one would end the process.
   */
  onConnectionError?: (err: Error) => void;
}

const INT8_OID = 20;
/** int8 as JS numbers on PGlite too (bigserial ids, counts). */
export const PGLITE_PARSERS = { [INT8_OID]: (v: string) => Number(v) };

/**
 * PGlite's shared buffers. Its default (128 MB) is most of an idle embedded server's memory
 * (a bare instance: ≈ 348 MB RSS at 128 MB, ≈ 207 MB at 32 MB, measured with
 * `npm run bench:footprint`); a laptop-sized tenant set fits in 32 MB, and the OS page
 * cache holds the rest of the data dir.
 */
export const PGLITE_SHARED_BUFFERS = '32MB';

/** The options every PGlite in Doppel opens with (the server's and the tests' templates). */
export function pgliteOptions(dataDir?: string): {
  dataDir?: string;
  parsers: typeof PGLITE_PARSERS;
  startParams?: string[];
} {
  const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams;
  return {
    ...(dataDir ? { dataDir } : {}),
    parsers: PGLITE_PARSERS,
    // Without the static (another PGlite build) PGlite keeps its own defaults.
    ...(Array.isArray(defaults)
      ? { startParams: [...defaults, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`] }
      : {}),
  };
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 10, opts.onConnectionError ?? (() => {}));
  return openPGlite(opts.pgliteDir, opts.pglite);
}

async function openPostgres(
  url: string,
  poolSize: number,
  onConnectionError: (err: Error) => void,
): Promise<Database> {
  // pg is loaded only when a PostgreSQL URL is given: embedded mode never holds it.
  const { default: pg } = await import('pg');
  // int8 (bigserial ids, counts) as JS numbers, as PGlite returns them.
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  pool.on('error', onConnectionError);
  // Fail fast with a clear message instead of on the first request.
  const probe = await pool.connect().catch(async (e: Error) => {
    await pool.end().catch(() => {});
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${e.message}`);
  });
  probe.release();
  const listeners = new Set<() => Promise<void>>();
  return {
    kind: 'postgres',
    where: redactUrl(url),
    db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }),
    async listen(channel, onNotify, onLost) {
      const client = await pool.connect();
      const handler = (msg: Notification) => {
        if (msg.channel === channel) onNotify(msg.payload ?? '');
      };
      let broken = false;
      const onError = (e: Error) => {
        const first = !broken;
        broken = true;
        onConnectionError(e);
        if (first) onLost?.(e);
      };
      client.on('error', onError);
      client.on('notification', handler);
      const unlisten = async () => {
        if (!listeners.delete(unlisten)) return;
        client.off('notification', handler);
        if (!broken) await client.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => (broken = true));
        client.off('error', onError);
        // A connection that failed is destroyed instead of going back to the pool.
        client.release(broken ? true : undefined);
      };
      try {
        await client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (e) {
        client.off('error', onError);
        client.release(true);
        throw e;
      }
      listeners.add(unlisten);
      return unlisten;
    },
    async close() {
      // Every listening connection goes back to the pool first: end() only ends idle clients,
      // and a checked-out listener would keep the pool open. Note end() resolves once the
      // clients are told to end, before their sockets close (see test/fixtures/jobs-support.ts).
      await Promise.all([...listeners].map((u) => u()));
      await pool.end();
    },
  };
}

async function openPGlite(dir: string | undefined, given?: PGliteInterface): Promise<Database> {
  let unlock = () => {};
  if (dir && !given) {
    fs.mkdirSync(dir, { recursive: true });
    unlock = lockDataDir(dir);
  }
  let pglite: PGliteInterface;
  try {
    if (dir && !given && !fs.existsSync(path.join(dir, 'PG_VERSION'))) await initInChild(dir);
    pglite = given ?? (await PGlite.create(pgliteOptions(dir)));
  } catch (e) {
    unlock();
    throw e;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    where: dir ? `PGlite in ${dir}` : 'PGlite in memory',
    db,
    // (UN)LISTEN take the dialect's connection lock: issued while another caller's
    // transaction holds the single connection, they would join that transaction.
    async listen(channel, onNotify) {
      const off = await db.connection().execute(() => pglite.listen(channel, onNotify));
      return () => db.connection().execute(() => off());
    },
    async close() {
      await db.destroy();
      await pglite.close();
      unlock();
    },
  };
}

const INIT_SCRIPT = fileURLToPath(new URL('./pglite-init.ts', import.meta.url));

/** A new data directory is created by a child process (pglite-init.ts says why). */
function initInChild(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), INIT_SCRIPT, dir],
      { timeout: 300_000, maxBuffer: 4 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        reject(
          new Error(
            `creating the embedded database in ${dir} failed: ${err.message}\n${stderr.slice(-2000)}`,
          ),
        );
      },
    );
  });
}

/**
 * PGlite is a single-process database: two processes on one directory would corrupt it.
 * A pid file next to it refuses a second opener while the first is alive, and is taken
 * over when its owner died (kill -9 leaves it behind).
 */
function lockDataDir(dir: string): () => void {
  const lockFile = path.join(dir, '..', `${path.basename(dir)}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.unlinkSync(lockFile);
        } catch {}
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(lockFile, 'utf8'));
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DatabaseBusyError(dir, owner);
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`cannot lock ${dir}`);
}

export class DatabaseBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`the embedded database in ${dir} is in use by process ${pid}`);
    this.name = 'DatabaseBusyError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}
