// The queue's central promise: killing a worker loses nothing. A child process claims a
// job, writes its effect and is killed with SIGKILL mid-handler; a second process on the
// same database takes the job back when the lease expires, runs it again, and the
// idempotent effect exists exactly once. On PGlite the second process opens the data
// directory the killed one left behind (crash recovery); on PostgreSQL, the same database.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { type Database, openDatabase } from '../../src/core/db/index.ts';
import { migrate } from '../../src/core/db/migrate.ts';
import { JobQueue, type JobRow } from '../../src/core/jobs/index.ts';
import { memoryLogger, openJobsDb } from '../fixtures/jobs-support.ts';
import { describeEachDb, type TestDb } from '../helpers/db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('../fixtures/jobs-worker.ts', import.meta.url));
const CRASH_TASK = 'crash.effect';

interface Child {
  proc: ChildProcess;
  /** Resolves with the first stdout event of that name. */
  next(event: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function startWorker(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line));
    } catch {
      return;
    }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    exited,
    stderr: () => err,
    next(event) {
      return new Promise((resolve, reject) => {
        const look = () => {
          const hit = events.find((e) => e.event === event);
          if (hit) return resolve(hit);
          waiters.push(look);
        };
        exited.then(({ code, signal }) =>
          reject(new Error(`worker exited (${code ?? signal}) before "${event}"; stderr:\n${err}`)),
        );
        look();
      });
    },
  };
}

async function prepare(database: Database): Promise<number> {
  await sql`CREATE TABLE crash_effects (job_id bigint PRIMARY KEY, attempt int NOT NULL)`.execute(
    database.db,
  );
  await sql`CREATE TABLE crash_progress (job_id bigint, attempt int, step text NOT NULL, PRIMARY KEY (job_id, attempt))`.execute(
    database.db,
  );
  const api = new JobQueue({ database, logger: memoryLogger(), leaseMs: 800, pollMs: 100, concurrency: 1 });
  api.declare(CRASH_TASK, { maxAttempts: 3 });
  return (await api.enqueue(CRASH_TASK, { note: 'ids only' })).id;
}

async function observe(database: Database, id: number) {
  const job = (await database.db
    .selectFrom('jobs')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow()) as JobRow;
  const effects = (
    await sql<{
      job_id: number;
      attempt: number;
    }>`SELECT job_id, attempt FROM crash_effects WHERE job_id = ${id}`.execute(database.db)
  ).rows;
  const progress = (
    await sql<{
      attempt: number;
    }>`SELECT attempt FROM crash_progress WHERE job_id = ${id} ORDER BY attempt`.execute(database.db)
  ).rows.map((r) => r.attempt);
  return { job, effects, progress };
}

describeEachDb('job queue survives kill -9', (leg) => {
  test('a job whose worker was killed mid-run runs again, and its effect exists once', {
    timeout: 180_000,
  }, async () => {
    const children: Child[] = [];
    let tmp: string | undefined;
    let pgDb: TestDb | undefined;
    try {
      let env: Record<string, string>;
      let reopen: () => Promise<Database>;
      let id: number;
      if (leg.name === 'pglite') {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-jobs-crash-'));
        const dir = path.join(tmp, 'db');
        const database = await openDatabase({ pgliteDir: dir });
        await migrate(database.db);
        id = await prepare(database);
        // One process at a time on a PGlite directory: the parent lets go first.
        await database.close();
        env = { JOBS_PGLITE_DIR: dir };
        reopen = () => openDatabase({ pgliteDir: dir });
      } else {
        pgDb = await openJobsDb(leg);
        id = await prepare(pgDb.database);
        env = { JOBS_DB_URL: pgDb.url! };
        reopen = async () => pgDb!.database;
      }

      const first = startWorker({ ...env, JOBS_MODE: 'block' });
      children.push(first);
      const wrote = await first.next('effect-written');
      assert.equal(wrote.jobId, id);
      assert.equal(wrote.attempt, 1);
      first.proc.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');

      if (pgDb) {
        // What the dead worker left: a running row under its lease, the effect committed.
        const mid = await observe(pgDb.database, id);
        assert.equal(mid.job.state, 'running');
        assert.equal(mid.job.attempts, 1);
        assert.deepEqual(mid.progress, [1]);
      }

      const second = startWorker({ ...env, JOBS_MODE: 'run', JOBS_JOB_ID: String(id) });
      children.push(second);
      const rerun = await second.next('effect-written');
      assert.equal(rerun.attempt, 2);
      const done = await second.next('finished');
      assert.equal((done.job as JobRow).state, 'succeeded');
      assert.equal((await second.exited).code, 0, second.stderr());

      const database = await reopen();
      try {
        const end = await observe(database, id);
        assert.equal(end.job.state, 'succeeded');
        assert.equal(end.job.attempts, 2);
        assert.ok(end.job.finished_at);
        assert.equal(end.job.locked_by, null);
        assert.match(end.job.last_error ?? '', /lease expired/);
        assert.deepEqual(
          end.effects,
          [{ job_id: id, attempt: 1 }],
          'the effect exists exactly once, from the first run',
        );
        assert.deepEqual(end.progress, [1, 2], 'the handler ran twice');
      } finally {
        if (leg.name === 'pglite') await database.close();
      }
    } finally {
      for (const c of children)
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await pgDb?.cleanup();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
