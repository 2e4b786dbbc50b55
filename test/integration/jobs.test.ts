// The job queue against a real database, on PGlite and on PostgreSQL. Leases are short
// (hundreds of ms) so expiry is exercised; no assertion depends on how fast anything runs.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/core/db/index.ts';
import {
  JobAbortedError,
  JobQueue,
  type JobQueueOptions,
  type JobRow,
  MissingHandlerError,
  PermanentJobError,
  UnknownTaskError,
} from '../../src/core/jobs/index.ts';
import { sleep } from '../../src/core/util/time.ts';
import { memoryLogger, openJobsDb, waitFor } from '../fixtures/jobs-support.ts';
import { describeEachDb, type TestDb } from '../helpers/db.ts';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describeEachDb('job queue', (leg) => {
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

  const finished = (q: JobQueue, id: number): Promise<JobRow> =>
    waitFor(`job ${id} to finish`, async () => {
      const row = await q.get(id);
      return row && FINAL.has(row.state) ? row : undefined;
    });

  beforeEach(async () => {
    t = await openJobsDb(leg);
    database = t.database;
  });

  afterEach(async () => {
    for (const q of queues.splice(0)) await q.stop({ graceMs: 0 });
    await t.cleanup();
  });

  test('enqueues, claims and succeeds', async () => {
    const q = makeQueue();
    const seen: Array<{ payload: unknown; attempts: number; lockedBy: string | null }> = [];
    q.define<{ videoId: string }>('video.render', {}, async (payload, { job }) => {
      seen.push({ payload, attempts: job.attempts, lockedBy: job.locked_by });
    });
    const { id, deduped } = await q.enqueue('video.render', { videoId: 'v1' });
    assert.equal(deduped, false);
    const queued = await q.get(id);
    assert.equal(queued?.state, 'queued');
    assert.equal(queued?.queue, 'default');
    assert.equal(queued?.max_attempts, 5);
    await q.start();
    const row = await finished(q, id);
    assert.equal(row.state, 'succeeded');
    assert.equal(row.attempts, 1);
    assert.ok(row.finished_at);
    assert.equal(row.locked_by, null);
    assert.equal(row.locked_until, null);
    assert.deepEqual(seen, [{ payload: { videoId: 'v1' }, attempts: 1, lockedBy: q.workerId }]);
  });

  test('records the project of a tenant job', async () => {
    const projectId = 'a'.repeat(32);
    await sql`INSERT INTO projects (id, name, domain_name) VALUES (${projectId}, 'p', 'd')`.execute(
      database.db,
    );
    const q = makeQueue();
    q.declare('tts.synthesize');
    const { id } = await q.enqueue('tts.synthesize', { jobId: 'x' }, { projectId });
    assert.equal((await q.get(id))?.project_id, projectId);
  });

  test('refuses to enqueue a task it does not know', async () => {
    const q = makeQueue();
    await assert.rejects(q.enqueue('no.such', {}), UnknownTaskError);
  });

  test('dedupes on job_key while unfinished, and not after', async () => {
    const q = makeQueue();
    const gate = deferred();
    q.define('asset.transcode', {}, () => gate.promise);
    const first = await q.enqueue('asset.transcode', { n: 1 }, { jobKey: 'asset:1' });
    const again = await q.enqueue('asset.transcode', { n: 2 }, { jobKey: 'asset:1' });
    assert.deepEqual(again, { id: first.id, deduped: true });
    const other = await q.enqueue('asset.transcode', {}, { jobKey: 'asset:2' });
    assert.equal(other.deduped, false);
    await q.start();
    // Running still counts as unfinished.
    await waitFor('running', async () => (await q.get(first.id))?.state === 'running');
    assert.deepEqual(await q.enqueue('asset.transcode', {}, { jobKey: 'asset:1' }), {
      id: first.id,
      deduped: true,
    });
    gate.resolve();
    await finished(q, first.id);
    const later = await q.enqueue('asset.transcode', {}, { jobKey: 'asset:1' });
    assert.equal(later.deduped, false);
    assert.notEqual(later.id, first.id);
    await finished(q, later.id);
  });

  test('retries with backoff, records the error, then fails', async () => {
    const q = makeQueue();
    const attempts: number[] = [];
    const backoffCalls: number[] = [];
    q.define(
      'flaky',
      {
        maxAttempts: 3,
        backoff: (n) => {
          backoffCalls.push(n);
          return 10;
        },
      },
      async (_p, { job }) => {
        attempts.push(job.attempts);
        throw new Error(`boom ${job.attempts}`);
      },
    );
    const { id } = await q.enqueue('flaky', {});
    await q.start();
    const row = await finished(q, id);
    assert.equal(row.state, 'failed');
    assert.equal(row.attempts, 3);
    assert.equal(row.last_error, 'Error: boom 3');
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.deepEqual(backoffCalls, [1, 2]);
  });

  test('a retry waits out its backoff, then can succeed', async () => {
    const q = makeQueue();
    let runs = 0;
    q.define('slow-retry', { backoff: () => 60_000 }, async () => {
      runs++;
      if (runs === 1) throw new Error('transient');
    });
    const { id } = await q.enqueue('slow-retry', {});
    await q.start();
    const retrying = await waitFor('the first failure', async () => {
      const row = await q.get(id);
      return row?.attempts === 1 && row.state === 'queued' ? row : undefined;
    });
    assert.equal(retrying.last_error, 'Error: transient');
    assert.equal(retrying.finished_at, null);
    // Scheduled a minute out (database clock on both sides of the comparison).
    assert.ok(+retrying.run_at - +retrying.updated_at >= 59_000, 'run_at is pushed back by the backoff');
    // Make it due now; the poll picks it up.
    await sql`UPDATE jobs SET run_at = now() WHERE id = ${id}`.execute(database.db);
    const row = await finished(q, id);
    assert.equal(row.state, 'succeeded');
    assert.equal(row.attempts, 2);
    assert.equal(row.last_error, 'Error: transient', 'the last error stays for the record');
  });

  test('PermanentJobError fails without retrying', async () => {
    const q = makeQueue();
    q.define('bad-input', { maxAttempts: 5 }, async () => {
      throw new PermanentJobError('the asset is not a video');
    });
    const { id } = await q.enqueue('bad-input', {});
    await q.start();
    const row = await finished(q, id);
    assert.equal(row.state, 'failed');
    assert.equal(row.attempts, 1);
    assert.equal(row.last_error, 'PermanentJobError: the asset is not a video');
  });

  test('runs in priority order, then in enqueue order', async () => {
    const q = makeQueue({ concurrency: 1 });
    const order: string[] = [];
    q.define<{ name: string }>('ordered', {}, async ({ name }) => {
      order.push(name);
    });
    const ids = [];
    for (const [name, priority] of [
      ['p5', 5],
      ['p0-a', 0],
      ['p10', 10],
      ['p-1', -1],
      ['p0-b', 0],
    ] as const) {
      ids.push((await q.enqueue('ordered', { name }, { priority })).id);
    }
    await q.start();
    for (const id of ids) await finished(q, id);
    assert.deepEqual(order, ['p-1', 'p0-a', 'p0-b', 'p5', 'p10']);
  });

  test('never runs more than a queue allows at once', async () => {
    const q = makeQueue({ concurrency: { render: 2, default: 3 } });
    const now = { render: 0, default: 0 };
    const peak = { render: 0, default: 0 };
    const work = (queue: 'render' | 'default') => async () => {
      now[queue]++;
      peak[queue] = Math.max(peak[queue], now[queue]);
      await sleep(30);
      now[queue]--;
    };
    q.define('render.video', { queue: 'render' }, work('render'));
    q.define('small', {}, work('default'));
    const ids = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await q.enqueue('render.video', { i })).id, (await q.enqueue('small', { i })).id);
    }
    await q.start();
    for (const id of ids) assert.equal((await finished(q, id)).state, 'succeeded');
    assert.ok(peak.render >= 1 && peak.render <= 2, `render peaked at ${peak.render}`);
    assert.ok(peak.default >= 1 && peak.default <= 3, `default peaked at ${peak.default}`);
  });

  test('an enqueue inside a rolled-back transaction leaves no job; a committed one runs', async () => {
    const q = makeQueue();
    const ran: number[] = [];
    q.define<{ n: number }>('in-trx', {}, async ({ n }) => {
      ran.push(n);
    });
    await q.start();
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await q.enqueue('in-trx', { n: 1 }, { trx });
        throw new Error('the create call failed');
      }),
      /the create call failed/,
    );
    assert.equal((await database.db.selectFrom('jobs').select('id').execute()).length, 0);
    const id = await database.db
      .transaction()
      .execute(async (trx) => (await q.enqueue('in-trx', { n: 2 }, { trx })).id);
    assert.equal((await finished(q, id)).state, 'succeeded');
    assert.deepEqual(ran, [2]);
  });

  test('cancels a queued job', async () => {
    const q = makeQueue();
    let ran = false;
    q.define('never', {}, async () => {
      ran = true;
    });
    const { id } = await q.enqueue('never', {}, { runAt: new Date(Date.now() + 60_000) });
    assert.equal(await q.cancel(id), true);
    const row = await q.get(id);
    assert.equal(row?.state, 'cancelled');
    assert.ok(row?.finished_at);
    assert.equal(await q.cancel(id), false, 'already finished');
    assert.equal(await q.cancel(987_654), false, 'no such job');
    await q.start();
    await sleep(150);
    assert.equal(ran, false);
  });

  for (const where of ['this instance', 'another instance'] as const) {
    test(`cancelling a running job fires its abort signal (cancel from ${where})`, async () => {
      const worker = makeQueue();
      const started = deferred();
      let reason: unknown;
      worker.define('long', {}, async (_p, { signal }) => {
        started.resolve();
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        reason = signal.reason;
        throw signal.reason;
      });
      const { id } = await worker.enqueue('long', {});
      await worker.start();
      await started.promise;
      const canceller = where === 'this instance' ? worker : makeQueue();
      assert.equal(await canceller.cancel(id), true);
      const row = await finished(worker, id);
      assert.equal(row.state, 'cancelled');
      assert.ok(reason instanceof JobAbortedError);
      assert.equal(reason.kind, 'cancelled');
    });
  }

  test('stop() returns in-flight jobs to the queue without burning an attempt', async () => {
    const q = makeQueue();
    const started = deferred();
    let reason: unknown;
    q.define('interruptible', {}, async (_p, { signal }) => {
      started.resolve();
      await sleep(60_000, signal);
      reason = signal.reason;
    });
    const { id } = await q.enqueue('interruptible', {});
    await q.start();
    await started.promise;
    assert.equal((await q.get(id))?.attempts, 1);
    await q.stop({ graceMs: 50 });
    assert.ok(reason instanceof JobAbortedError && reason.kind === 'shutdown');
    const row = await q.get(id);
    assert.equal(row?.state, 'queued');
    assert.equal(row?.attempts, 0);
    assert.equal(row?.locked_by, null);
    assert.equal(row?.locked_until, null);

    // The next worker runs it as a first attempt.
    const next = makeQueue();
    next.define('interruptible', {}, async () => {});
    await next.start();
    const done = await finished(next, id);
    assert.equal(done.state, 'succeeded');
    assert.equal(done.attempts, 1);
  });

  test('stop() lets a job finish within the grace period', async () => {
    const q = makeQueue();
    const started = deferred();
    q.define('quick', {}, async () => {
      started.resolve();
      await sleep(50);
    });
    const { id } = await q.enqueue('quick', {});
    await q.start();
    await started.promise;
    await q.stop({ graceMs: 10_000 });
    assert.equal((await q.get(id))?.state, 'succeeded');
  });

  test('boot check: a declared task without a handler stops start()', async () => {
    const q = makeQueue();
    q.declare('video.render');
    await assert.rejects(
      q.start(),
      (e: unknown) => e instanceof MissingHandlerError && e.tasks.includes('video.render'),
    );
  });

  test('boot check: an unfinished job in the table without a handler stops start()', async () => {
    const api = makeQueue();
    api.declare('ghost.task');
    await api.enqueue('ghost.task', {});
    const worker = makeQueue();
    worker.define('other', {}, async () => {});
    await assert.rejects(
      worker.start(),
      (e: unknown) => e instanceof MissingHandlerError && e.tasks.includes('ghost.task'),
    );
    // A worker that serves only other queues is not concerned.
    const scoped = makeQueue({ concurrency: { render: 1 } });
    scoped.define('other', { queue: 'render' }, async () => {});
    await scoped.start();
  });

  test('a job whose worker died (expired lease) is reclaimed and run by another worker', async () => {
    const q = makeQueue();
    const ran: number[] = [];
    q.define('orphan', {}, async (_p, { job }) => {
      ran.push(job.attempts);
    });
    const { id } = await q.enqueue('orphan', {});
    const { id: exhausted } = await q.enqueue('orphan', {}, { maxAttempts: 1 });
    // What a kill -9 leaves behind: running, attempt counted, lease in the past.
    await sql`UPDATE jobs SET state = 'running', attempts = 1, locked_by = 'dead-worker',
      locked_until = now() - interval '1 second' WHERE id IN (${id}, ${exhausted})`.execute(database.db);
    await q.start();
    const row = await finished(q, id);
    assert.equal(row.state, 'succeeded');
    assert.equal(row.attempts, 2);
    assert.deepEqual(ran, [2]);
    const dead = await finished(q, exhausted);
    assert.equal(dead.state, 'failed');
    assert.match(dead.last_error ?? '', /lease expired: worker dead-worker/);
  });

  test('heartbeats keep a long job leased past leaseMs', async () => {
    const a = makeQueue({ leaseMs: 300 });
    const b = makeQueue({ leaseMs: 300 });
    let runs = 0;
    const handler = async () => {
      runs++;
      await sleep(1_200);
    };
    a.define('long-lived', {}, handler);
    b.define('long-lived', {}, handler);
    const { id } = await a.enqueue('long-lived', {});
    await a.start();
    await b.start();
    const row = await finished(a, id);
    assert.equal(row.state, 'succeeded');
    assert.equal(row.attempts, 1, 'nobody took the job back while it was heartbeating');
    assert.equal(runs, 1);
  });

  test('a worker that lost its lease aborts its handler and drops its outcome', async () => {
    const q = makeQueue({ leaseMs: 300 });
    const started = deferred();
    let reason: unknown;
    q.define('stolen', {}, async (_p, { signal, job }) => {
      if (job.attempts > 1) return;
      started.resolve();
      await sleep(60_000, signal);
      reason = signal.reason;
    });
    const { id } = await q.enqueue('stolen', {});
    await q.start();
    await started.promise;
    // Another worker took it over (as after a long pause of this one).
    await sql`UPDATE jobs SET locked_by = 'someone-else' WHERE id = ${id}`.execute(database.db);
    await waitFor('the abort', async () => reason);
    assert.ok(reason instanceof JobAbortedError && reason.kind === 'lease-lost');
    const row = await q.get(id);
    assert.equal(row?.state, 'running');
    assert.equal(row?.locked_by, 'someone-else');
  });

  test('an error thrown by a handler never stops the loop', async () => {
    const q = makeQueue({ concurrency: 1 });
    q.define('throws-sync', { maxAttempts: 1 }, (() => {
      throw new TypeError('not even async');
    }) as never);
    q.define('throws-nonerror', { maxAttempts: 1 }, async () => {
      throw 'a string';
    });
    q.define('fine', {}, async () => {});
    const a = await q.enqueue('throws-sync', {});
    const b = await q.enqueue('throws-nonerror', {});
    const c = await q.enqueue('fine', {});
    await q.start();
    assert.equal((await finished(q, a.id)).last_error, 'TypeError: not even async');
    assert.equal((await finished(q, b.id)).last_error, 'thrown: a string');
    assert.equal((await finished(q, c.id)).state, 'succeeded');
  });
});
