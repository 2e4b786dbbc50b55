// The queue's give-up step (onGiveUp), on PGlite and on PostgreSQL: called once whenever the
// queue stops retrying a job (last attempt threw, a permanent error, the last attempt's lease
// expired), retried when the hook itself fails, never for a give-up job itself.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/core/db/index.ts';
import {
  type GiveUpContext,
  JobQueue,
  type JobQueueOptions,
  NOTHING_TO_END,
  PermanentJobError,
} from '../../src/core/jobs/index.ts';
import { registerTasks } from '../../src/modules/index.ts';
import type { TaskDefinition } from '../../src/modules/types.ts';
import { memoryLogger, openJobsDb, waitFor } from '../fixtures/jobs-support.ts';
import { describeEachDb, type TestDb } from '../helpers/db.ts';

describeEachDb('job queue: giving up', (leg) => {
  let t: TestDb;
  let database: Database;
  const queues: JobQueue[] = [];

  function makeQueue(over: Partial<JobQueueOptions> = {}): JobQueue {
    const q = new JobQueue({
      database,
      logger: memoryLogger(),
      leaseMs: 600,
      pollMs: 50,
      concurrency: 4,
      ...over,
    });
    queues.push(q);
    return q;
  }

  const giveUpJobs = async () =>
    (
      await sql<{ task: string; state: string; payload: { jobId: number; reason: string } }>`
        SELECT task, state, payload FROM jobs WHERE task LIKE '%#give-up' ORDER BY id`.execute(database.db)
    ).rows;

  beforeEach(async () => {
    t = await openJobsDb(leg);
    database = t.database;
  });

  afterEach(async () => {
    for (const q of queues.splice(0)) await q.stop({ graceMs: 0 });
    await t.cleanup();
  });

  test('the last failed attempt calls onGiveUp once, with the payload, the error and the job', async () => {
    const q = makeQueue();
    const calls: Array<{ payload: unknown; ctx: GiveUpContext }> = [];
    let runs = 0;
    q.define<{ thing: string }>(
      'thing.make',
      {
        maxAttempts: 2,
        backoff: () => 10,
        onGiveUp: async (payload: { thing: string }, ctx: GiveUpContext) => {
          calls.push({ payload, ctx });
        },
      },
      async () => {
        runs++;
        throw new Error(`boom ${runs}`);
      },
    );
    const { id } = await q.enqueue('thing.make', { thing: 't1' });
    await q.start();
    await waitFor('the give-up', async () => (calls.length ? true : undefined));
    assert.equal(runs, 2);
    const [{ payload, ctx }] = calls;
    assert.deepEqual(payload, { thing: 't1' });
    assert.equal(ctx.reason, 'attempts-exhausted');
    assert.equal(ctx.job.id, id);
    assert.equal(ctx.job.state, 'failed');
    assert.match(ctx.error, /boom 2/);
    assert.match(ctx.message, /after 2 attempts: Error: boom 2/);
    assert.ok(ctx.db);
    await waitFor('the give-up job to end', async () =>
      (await giveUpJobs())[0]?.state === 'succeeded' ? true : undefined,
    );
    const rows = await giveUpJobs();
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].payload, { jobId: id, reason: 'attempts-exhausted' });
    assert.equal(calls.length, 1);
  });

  test('a permanent error gives up at once (reason permanent-error); success and retries do not', async () => {
    const q = makeQueue();
    const reasons: string[] = [];
    let flaky = 0;
    const onGiveUp = async (_p: unknown, ctx: GiveUpContext) => {
      reasons.push(`${ctx.job.task}:${ctx.reason}`);
    };
    q.define('perm', { maxAttempts: 5, onGiveUp }, async () => {
      throw new PermanentJobError('bad input');
    });
    q.define('flaky', { maxAttempts: 3, backoff: () => 10, onGiveUp }, async () => {
      if (++flaky < 2) throw new Error('once');
    });
    const perm = await q.enqueue('perm', {});
    const ok = await q.enqueue('flaky', {});
    await q.start();
    await waitFor('the give-up', async () => (reasons.length ? true : undefined));
    await waitFor('flaky to succeed', async () =>
      (await q.get(ok.id))?.state === 'succeeded' ? true : undefined,
    );
    assert.deepEqual(reasons, ['perm:permanent-error']);
    assert.equal((await q.get(perm.id))?.attempts, 1);
  });

  test('a lease that expires on the last attempt (the worker died) gives up with reason lease-expired', async () => {
    // A job claimed for its last attempt by a worker that is gone: running, lease in the past.
    const { rows } = await sql<{ id: number }>`
      INSERT INTO jobs (task, payload, state, attempts, max_attempts, locked_by, locked_until)
      VALUES ('thing.render', '{"id":"r1"}', 'running', 3, 3, 'dead-host:1:abc', now() - interval '1 second')
      RETURNING id`.execute(database.db);
    const q = makeQueue();
    const calls: GiveUpContext[] = [];
    q.define(
      'thing.render',
      {
        maxAttempts: 3,
        onGiveUp: async (p: { id: string }, ctx: GiveUpContext) => {
          assert.deepEqual(p, { id: 'r1' });
          calls.push(ctx);
        },
      },
      async () => assert.fail('a given-up job never runs again'),
    );
    await q.start();
    await waitFor('the give-up', async () => (calls.length ? true : undefined));
    assert.equal(calls[0].reason, 'lease-expired');
    assert.equal(calls[0].job.id, rows[0].id);
    assert.match(calls[0].error, /lease expired/);
    assert.match(calls[0].message, /stopped responding/);
    assert.doesNotMatch(calls[0].message, /dead-host/, 'the tenant does not see worker names');
  });

  test('a lease that expires before the last attempt retries, and does not give up', async () => {
    await sql`
      INSERT INTO jobs (task, payload, state, attempts, max_attempts, locked_by, locked_until)
      VALUES ('thing.retry', '{}', 'running', 1, 3, 'dead', now() - interval '1 second')`.execute(
      database.db,
    );
    const q = makeQueue();
    let gaveUp = 0;
    let ran = 0;
    q.define(
      'thing.retry',
      {
        onGiveUp: async () => {
          gaveUp++;
        },
      },
      async () => {
        ran++;
      },
    );
    await q.start();
    await waitFor('the rerun', async () => (ran ? true : undefined));
    assert.equal(gaveUp, 0);
    assert.deepEqual(await giveUpJobs(), []);
  });

  test('a hook that fails (or whose process dies) is run again; a give-up job is never given up itself', async () => {
    const q = makeQueue();
    let hookRuns = 0;
    q.define(
      'thing.hook-flaky',
      {
        maxAttempts: 1,
        onGiveUp: async () => {
          hookRuns++;
          if (hookRuns === 1) throw new Error('database blip');
        },
      },
      async () => {
        throw new Error('fails');
      },
    );
    q.define(
      'thing.hook-broken',
      {
        maxAttempts: 1,
        onGiveUp: async () => {
          throw new PermanentJobError('always');
        },
      },
      async () => {
        throw new Error('fails');
      },
    );
    await q.enqueue('thing.hook-flaky', {});
    await q.enqueue('thing.hook-broken', {});
    await q.start();
    await waitFor(
      'both give-up jobs to end',
      async () => {
        const rows = await giveUpJobs();
        return rows.length === 2 && rows.every((r) => r.state === 'succeeded' || r.state === 'failed')
          ? rows
          : undefined;
      },
      30_000,
    );
    assert.equal(hookRuns, 2);
    const rows = await giveUpJobs();
    // Which job gave up first depends on the workers' timing: compare by task.
    assert.deepEqual(rows.map((r) => [r.task, r.state]).sort(), [
      ['thing.hook-broken#give-up', 'failed'],
      ['thing.hook-flaky#give-up', 'succeeded'],
    ]);
  });

  test('a give-up job waiting after a restart is served by a worker that defines the task', async () => {
    // The failed job and its give-up step exist; the process that would run it died.
    const { rows } = await sql<{ id: number }>`
      INSERT INTO jobs (task, payload, state, attempts, max_attempts, last_error, finished_at)
      VALUES ('thing.late', '{"n":1}', 'failed', 1, 1, 'Error: x', now()) RETURNING id`.execute(database.db);
    await sql`
      INSERT INTO jobs (task, payload, job_key)
      VALUES ('thing.late#give-up', ${JSON.stringify({ jobId: rows[0].id, reason: 'attempts-exhausted' })}::jsonb,
              ${`give-up:${rows[0].id}`})`.execute(database.db);
    const bare = makeQueue();
    await assert.rejects(bare.start(), /thing\.late#give-up/, 'the boot check sees the waiting step');
    const q = makeQueue();
    let called = 0;
    q.define(
      'thing.late',
      {
        onGiveUp: async () => {
          called++;
        },
      },
      async () => {},
    );
    await q.start();
    await waitFor('the late give-up', async () => (called ? true : undefined));
  });

  test('modules cannot register a task without onGiveUp; NOTHING_TO_END is the explicit opt-out', () => {
    const q = makeQueue();
    const bad = { name: 'x.y', spec: {}, handler: async () => {} } as unknown as TaskDefinition;
    assert.throws(() => registerTasks(q, [bad], true), /x\.y.*onGiveUp/);
    registerTasks(q, [{ name: 'x.z', spec: { onGiveUp: NOTHING_TO_END }, handler: async () => {} }], true);
  });
});
