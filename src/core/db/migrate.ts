// Forward-only numbered SQL migrations (`migrations/0001-name.sql`), the same files on
// PGlite and PostgreSQL. Each applied file is recorded with its checksum; an edited
// migration that was already applied stops the start instead of drifting silently.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './index.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE = /^(\d{4})-([a-z0-9-]+)\.sql$/;

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const list = fs
    .readdirSync(dir)
    .filter((f) => FILE.test(f))
    .sort()
    .map((f) => {
      const [, v, name] = FILE.exec(f)!;
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      return {
        version: Number(v),
        name: name!,
        sql: text,
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
  // Numbers are handed out to work in progress ahead of time, so one may land before a lower
  // one: gaps are allowed (the lower file is applied when it arrives), repeats are not.
  list.forEach((m, i) => {
    const prev = list[i - 1];
    if (m.version < 1 || (prev && prev.version === m.version))
      throw new Error(`migrations must have distinct numbers from 0001 up (${m.name})`);
  });
  return list;
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

// An arbitrary constant: the advisory lock key that serialises concurrent migrators
// (several API nodes starting at once against one PostgreSQL).
const LOCK_KEY = 7_413_590_221;

export async function migrate(db: Db, migrations = loadMigrations()): Promise<MigrateResult> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`.execute(trx);
    const done = await sql<{ version: number; name: string; checksum: string }>`
      SELECT version, name, checksum FROM schema_migrations ORDER BY version`.execute(trx);
    const byVersion = new Map(done.rows.map((r) => [r.version, r]));
    const known = new Set(migrations.map((m) => m.version));
    for (const r of done.rows) {
      if (!known.has(r.version)) {
        throw new Error(
          `the database has migration ${r.version} (${r.name}) that this build does not know: is it older than the database?`,
        );
      }
    }
    const applied: string[] = [];
    for (const m of migrations) {
      const prior = byVersion.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new Error(
            `migration ${m.version}-${m.name} was edited after it was applied (checksum differs)`,
          );
        }
        continue;
      }
      await sql.raw(m.sql).execute(trx);
      await sql`INSERT INTO schema_migrations (version, name, checksum) VALUES (${m.version}, ${m.name}, ${m.checksum})`.execute(
        trx,
      );
      applied.push(`${String(m.version).padStart(4, '0')}-${m.name}`);
    }
    return { applied, current: migrations.at(-1)?.version ?? 0 };
  });
}
