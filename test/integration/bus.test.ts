// The request/reply bus (src/core/bus) on a real database: two buses stand for two processes
// (on PostgreSQL each has its own pool and listening connection on one database). A reply comes
// back with its value or its catalog error; with notifications off the poll alone delivers; a
// message nobody serves fails 'unclaimed', one whose handler never answers fails 'no-reply'.
// Timeouts here are bounds on waiting, not on speed: a slow machine only makes them fire later.
import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { Bus, BusUnavailableError, redisWakeups } from '../../src/core/bus/index.ts';
import { type Database, openDatabase } from '../../src/core/db/index.ts';
import { AppError } from '../../src/core/errors/index.ts';
import { createLogger } from '../../src/core/logger.ts';
import { newId } from '../../src/core/util/ids.ts';
import { describeEachDb, type TestDb } from '../helpers/db.ts';

/** Waits for a condition (checked every 20 ms) up to a generous bound. */
async function waitUntil(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis: Redis | string = await (async () => {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1500 });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return r;
  } catch (e) {
    r.disconnect();
    return `Redis not reachable at ${REDIS_URL}: ${(e as Error).message}`;
  }
})();
if (typeof redis === 'string') console.log(`# SKIP bus over Redis: ${redis}`);
after(() => {
  if (typeof redis !== 'string') redis.disconnect();
});

await describeEachDb('bus: request/reply between processes', (leg) => {
  let t: TestDb;
  let second: Database;
  const projectId = newId();
  const buses: Bus[] = [];

  before(async () => {
    t = await leg.open();
    // A second process on the same database (PGlite is one process: the same instance).
    second = t.url ? await openDatabase({ url: t.url, poolSize: 3 }) : t.database;
    await t.database.db
      .insertInto('projects')
      .values({ id: projectId, name: 'bus', domain_name: 'test' })
      .execute();
  });
  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
  });
  after(async () => {
    if (second !== t.database) await second.close();
    await t.cleanup();
  });

  const bus = (database: Database, o: Partial<ConstructorParameters<typeof Bus>[0]> = {}) => {
    const b = new Bus({ database, logger: createLogger({ level: 'silent' }), pollMs: 100, ...o });
    buses.push(b);
    return b;
  };
  const rowOf = (target: string) =>
    t.database.db
      .selectFrom('bus_messages')
      .select(['state', 'payload'])
      .where('target', '=', target)
      .executeTakeFirst();
  const stateOf = async (target: string) => (await rowOf(target))?.state;

  it('a request reaches the process that serves its target and answers its reply or its error', async () => {
    const worker = bus(t.database, { pollMs: 60_000 });
    const api = bus(second, { pollMs: 60_000 });
    const seen: unknown[] = [];
    worker.serve({
      targets: () => ['job-1'],
      async handle(m) {
        seen.push(m);
        const p = m.payload as { n: number };
        if (p.n < 0) throw new AppError(400, 'MSS.00000003', 'Invalid parameter: n');
        return { doubled: p.n * 2, by: worker.processId };
      },
    });
    worker.wake();
    // Polls are a minute apart: only NOTIFY can carry these in time.
    assert.deepEqual(await api.request(projectId, 'job-1', { n: 21 }, { claimTimeoutMs: 20_000 }), {
      doubled: 42,
      by: worker.processId,
    });
    await assert.rejects(
      api.request(projectId, 'job-1', { n: -1 }, { claimTimeoutMs: 20_000 }),
      (e: unknown) => e instanceof AppError && e.status === 400 && e.code === 'MSS.00000003',
    );
    assert.equal(seen.length, 2);
    assert.equal((seen[0] as { projectId: string }).projectId, projectId);
  });

  it('without notifications the poll alone delivers requests and replies', async () => {
    const worker = bus(t.database, { notifications: false });
    const api = bus(second, { notifications: false });
    worker.serve({ targets: () => ['job-2'], handle: async (m) => ({ echo: m.payload }) });
    worker.wake();
    assert.deepEqual(await api.request(projectId, 'job-2', 'hello', { claimTimeoutMs: 30_000 }), {
      echo: 'hello',
    });
    // A reply is read once: its row is gone with it.
    assert.equal(await rowOf('job-2'), undefined);
  });

  it('a message no process serves fails unclaimed and is withdrawn', async () => {
    const worker = bus(t.database);
    worker.serve({ targets: () => ['someone-else'], handle: async () => 'no' });
    worker.wake();
    const api = bus(second);
    await assert.rejects(
      api.request(projectId, 'job-3', {}, { claimTimeoutMs: 300 }),
      (e: unknown) => e instanceof BusUnavailableError && e.reason === 'unclaimed',
    );
    assert.equal(await stateOf('job-3'), 'expired');
    assert.equal((await rowOf('job-3'))?.payload, null);
  });

  it('a claimed message whose handler does not answer in time fails no-reply', async () => {
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let claimed = false;
    const worker = bus(t.database);
    worker.serve({
      targets: () => ['job-4'],
      async handle() {
        claimed = true;
        await held;
        return 'late';
      },
    });
    worker.wake();
    const api = bus(second);
    await assert.rejects(
      api.request(projectId, 'job-4', {}, { claimTimeoutMs: 30_000, replyTimeoutMs: 1500 }),
      (e: unknown) => e instanceof BusUnavailableError && e.reason === 'no-reply',
    );
    // It timed out after being claimed, not before (the claim timeout was far off).
    assert.equal(claimed, true);
    assert.equal(await stateOf('job-4'), 'abandoned');
    release();
  });

  it('a bus whose listening connection is killed listens again and hears requests', {
    skip: leg.name === 'postgres' ? false : 'PGlite has no connection to lose',
  }, async () => {
    // Polls a minute apart: the claim below can only come from a notification.
    const worker = bus(t.database, { pollMs: 60_000 });
    worker.serve({ targets: () => ['job-6'], handle: async () => 'heard' });
    worker.wake();
    const api = bus(second, { pollMs: 60_000 });
    await waitUntil(() => worker.listening);
    assert.equal(await api.request(projectId, 'job-6', {}, { claimTimeoutMs: 20_000 }), 'heard');
    const killed = await sql<{ n: number }>`
        SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`.execute(
      t.database.db,
    );
    assert.ok((killed.rows[0]?.n ?? 0) >= 1);
    await waitUntil(() => !worker.listening);
    await waitUntil(() => worker.listening);
    assert.equal(await api.request(projectId, 'job-6', {}, { claimTimeoutMs: 20_000 }), 'heard');
  });

  it('with Redis as the wake-up channel a request is heard without NOTIFY', {
    skip: typeof redis === 'string' ? redis : false,
  }, async () => {
    const r = redis as Redis;
    const workerWakeups = redisWakeups(r, `doppel:bus-test:${projectId}`);
    // No LISTEN and polls a minute apart: only Redis can carry the wake-up in time.
    const worker = bus(t.database, { notifications: false, pollMs: 60_000, wakeups: workerWakeups });
    worker.serve({ targets: () => ['job-7'], handle: async () => 'via redis' });
    worker.wake();
    await workerWakeups.subscribed();
    const api = bus(second, {
      notifications: false,
      pollMs: 60_000,
      wakeups: redisWakeups(r, `doppel:bus-test:${projectId}`),
    });
    assert.equal(await api.request(projectId, 'job-7', {}, { claimTimeoutMs: 20_000 }), 'via redis');
  });

  it('closing a bus fails its pending requests instead of leaving them hanging', async () => {
    const api = bus(second);
    const outcome = assert.rejects(
      api.request(projectId, 'job-5', {}, { claimTimeoutMs: 60_000 }),
      (e: unknown) => e instanceof BusUnavailableError && e.reason === 'closed',
    );
    await new Promise((r) => setTimeout(r, 50));
    await api.close();
    await outcome;
  });
});
