// Database legs for tests: every DB-backed suite runs on PGlite and, when PostgreSQL is
// reachable, again on a fresh PostgreSQL database. TEST_DATABASE_URL picks the server
// (default: the local one on 127.0.0.1:5432); TEST_DATABASE_URL=off skips that leg.
import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type Database, openDatabase, pgliteOptions } from '../../src/core/db/index.ts';
import { migrate } from '../../src/core/db/migrate.ts';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDb {
  database: Database;
  /** postgres:// URL of this test's own database (PostgreSQL leg only). */
  url?: string;
  cleanup(): Promise<void>;
}

export interface DbLeg {
  name: 'pglite' | 'postgres';
  /** Why the leg cannot run here, or undefined when it can. */
  skip?: string;
  /** A fresh, migrated database of this kind. */
  open(): Promise<TestDb>;
}

let pgProbe: Promise<string | undefined> | undefined;

/** Resolves to undefined when PostgreSQL is usable, else to the reason it is not. */
export function postgresUnavailable(): Promise<string | undefined> {
  pgProbe ??= (async () => {
    const url = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
    if (url === 'off') return 'TEST_DATABASE_URL=off';
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (e) {
      return `PostgreSQL not reachable at ${url}: ${(e as Error).message}`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgProbe;
}

/** A fresh PostgreSQL database on the test server; returns its URL and a drop function. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const name = `doppel_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

let template: Promise<PGlite> | undefined;

/** A migrated in-memory PGlite, cloned from a per-process template (a clone takes about a
 * third of the time of a fresh create plus migrations). */
export async function freshPGlite(): Promise<Database> {
  template ??= (async () => {
    const raw = await PGlite.create(pgliteOptions());
    const seed = await openDatabase({ pglite: raw });
    await migrate(seed.db);
    return raw;
  })();
  const clone = await (await template).clone();
  return openDatabase({ pglite: clone });
}

export async function dbLegs(): Promise<DbLeg[]> {
  const pgSkip = await postgresUnavailable();
  return [
    {
      name: 'pglite',
      async open() {
        const database = await freshPGlite();
        return { database, cleanup: () => database.close() };
      },
    },
    {
      name: 'postgres',
      skip: pgSkip,
      async open() {
        const created = await createPostgresDatabase();
        const database = await openDatabase({ url: created.url, poolSize: 5 });
        await migrate(database.db);
        return {
          database,
          url: created.url,
          async cleanup() {
            await database.close();
            await created.drop();
          },
        };
      },
    },
  ];
}

/**
 * Declares `suite` once per database leg. A leg that cannot run is declared skipped with
 * its reason, so the runner's output says plainly that the PostgreSQL leg did not run.
 */
export async function describeEachDb(title: string, suite: (leg: DbLeg) => void): Promise<void> {
  for (const leg of await dbLegs()) {
    if (leg.skip) {
      console.log(`# SKIP ${title} [${leg.name}]: ${leg.skip}`);
      describe(`${title} [${leg.name}]`, { skip: leg.skip }, () => {});
    } else {
      describe(`${title} [${leg.name}]`, () => suite(leg));
    }
  }
}
