// The job runner: claims jobs from the `jobs` table, runs their handlers under a lease,
// and writes the outcome. docs/design/2026-11-22-job-queue.md explains the choices.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { DEFAULT_MAX_ATTEMPTS, defaultBackoff } from './backoff.ts';
import {
  type AbortKind,
  describeError,
  JobAbortedError,
  MissingHandlerError,
  PermanentJobError,
  UnknownTaskError,
} from './errors.ts';
import { GIVE_UP_SUFFIX, giveUpHandler, giveUpTaskOf } from './give-up.ts';
import {
  type Claim,
  claimJobs,
  extendLease,
  finishRun,
  getJob,
  insertJob,
  JOBS_CHANNEL,
  type Outcome,
  requestCancel,
  returnToQueue,
  sweepExpiredLeases,
  unfinishedTasks,
} from './jobs.repo.ts';
import type { JobRow } from './jobs.table.ts';
import { bindLogger, checkSpec, settledWithin } from './queue.helpers.ts';
import type {
  EnqueueOptions,
  EnqueueResult,
  JobQueueOptions,
  Logger,
  StopOptions,
  TaskHandler,
  TaskSpec,
} from './types.ts';

const DEFAULT_QUEUE = 'default';
/** Expired leases taken back per sweep; the next tick takes the rest. */
const SWEEP_BATCH = 100;

interface TaskDef {
  spec: TaskSpec;
  handler?: TaskHandler<unknown>;
}

/** A job this instance is running. */
interface Run {
  job: JobRow;
  claim: Claim;
  controller: AbortController;
  abortKind?: AbortKind;
  heartbeatTimer?: NodeJS.Timeout;
  beating?: Promise<void>;
  /** Set once the row has been written for the last time by this run. */
  released: boolean;
  done: Promise<void>;
}

type Phase = 'idle' | 'started' | 'stopping' | 'stopped';

export class JobQueue {
  readonly workerId: string;
  private readonly tasks = new Map<string, TaskDef>();
  private readonly runs = new Map<number, Run>();
  private readonly activeByQueue = new Map<string, number>();
  /** Queue → slots, fixed at start(). */
  private limits = new Map<string, number>();
  /** Tasks with a handler, fixed at start() (define() is refused after it). */
  private handled: string[] = [];
  private phase: Phase = 'idle';
  private unlisten?: () => Promise<void>;
  private pollTimer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private pumping?: Promise<void>;
  private pumpAgain = false;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;

  constructor(private readonly opts: JobQueueOptions) {
    if (!(opts.leaseMs > 0) || !(opts.pollMs > 0))
      throw new Error('JobQueue: leaseMs and pollMs must be positive');
    this.workerId = opts.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  /** Gives `task` its handler. A task has exactly one. */
  define<P>(task: string, spec: TaskSpec, handler: TaskHandler<P>): void {
    const prior = this.tasks.get(task);
    if (prior?.handler) throw new Error(`job task "${task}" already has a handler`);
    if (this.phase !== 'idle') throw new Error(`define("${task}") after start()`);
    checkSpec(task, spec);
    this.tasks.set(task, { spec: { ...prior?.spec, ...spec }, handler: handler as TaskHandler<unknown> });
  }

  /**
   * Names a task this process enqueues. A process that enqueues without running (an API
   * node) declares; a worker that serves the task's queue must also define it, or start()
   * refuses to run.
   */
  declare(task: string, spec: TaskSpec = {}): void {
    checkSpec(task, spec);
    const prior = this.tasks.get(task);
    this.tasks.set(task, { spec: { ...spec, ...prior?.spec }, handler: prior?.handler });
  }

  async enqueue(task: string, payload: unknown, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    const def = this.tasks.get(task);
    if (!def) throw new UnknownTaskError(task);
    const maxAttempts = opts.maxAttempts ?? def.spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new Error(`maxAttempts must be a positive integer`);
    return insertJob(opts.trx ?? this.opts.database.db, {
      task,
      queue: def.spec.queue ?? DEFAULT_QUEUE,
      payload: JSON.stringify(payload ?? {}),
      projectId: opts.projectId ?? null,
      jobKey: opts.jobKey ?? null,
      runAt: opts.runAt ?? null,
      priority: opts.priority ?? 0,
      maxAttempts,
    });
  }

  /**
   * Cancels a queued job at once; asks a running one to stop (its abort signal fires,
   * here or in whichever process runs it) and it ends cancelled. False when the job does
   * not exist or has already finished.
   */
  async cancel(id: number): Promise<boolean> {
    const state = await requestCancel(this.opts.database.db, id);
    if (state === 'running') {
      const run = this.runs.get(id);
      if (run) this.abort(run, 'cancelled');
    }
    return state !== null;
  }

  get(id: number): Promise<JobRow | null> {
    return getJob(this.opts.database.db, id);
  }

  /** Starts claiming, after the boot check: every job name this worker serves has a handler. */
  start(): Promise<void> {
    if (this.phase !== 'idle' || this.starting) throw new Error('JobQueue.start() called twice');
    this.starting = this.boot();
    return this.starting;
  }

  private async boot(): Promise<void> {
    const { concurrency } = this.opts;
    const served = typeof concurrency === 'number' ? undefined : Object.keys(concurrency);
    this.limits = new Map(
      typeof concurrency === 'number'
        ? [...this.tasks.values()]
            .filter((d) => d.handler)
            .map((d) => [
              d.spec.queue ?? DEFAULT_QUEUE,
              Math.min(concurrency, d.spec.maxConcurrency ?? concurrency),
            ])
        : Object.entries(concurrency),
    );
    for (const [queue, n] of this.limits) {
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`concurrency of queue "${queue}" must be a positive integer`);
    }
    const missing = new Set<string>();
    for (const [task, def] of this.tasks) {
      if (!def.handler && (!served || served.includes(def.spec.queue ?? DEFAULT_QUEUE))) missing.add(task);
    }
    for (const task of await unfinishedTasks(this.opts.database.db, served)) {
      if (!this.tasks.get(giveUpTaskOf(task) ?? task)?.handler) missing.add(task);
    }
    if (missing.size) throw new MissingHandlerError([...missing].sort());
    const withoutHook = [...this.tasks].filter(([, d]) => d.handler && !d.spec.onGiveUp).map(([n]) => n);
    if (withoutHook.length)
      this.opts.logger.warn(
        { tasks: withoutHook },
        'job tasks without onGiveUp: a job of theirs that fails for good ends nothing',
      );

    this.unlisten = await this.opts.database.listen(JOBS_CHANNEL, (payload) => this.onNotify(payload));
    // Each task's give-up step runs where the task runs.
    this.handled = [...this.tasks]
      .filter(([, d]) => d.handler)
      .flatMap(([name]) => [name, `${name}${GIVE_UP_SUFFIX}`]);
    this.phase = 'started';
    this.opts.logger.info(
      { workerId: this.workerId, queues: Object.fromEntries(this.limits) },
      'job queue started',
    );
    this.ticking = this.tick();
  }

  /**
   * Stops claiming and lets running jobs finish for up to `graceMs`; then aborts the rest
   * (signal reason: JobAbortedError 'shutdown') and returns them to the queue without
   * counting the attempt. Resolves when this instance no longer touches the database.
   */
  stop(opts: StopOptions): Promise<void> {
    this.stopping ??= this.shutdown(opts.graceMs);
    return this.stopping;
  }

  private async shutdown(graceMs: number): Promise<void> {
    await this.starting?.catch(() => {});
    if (this.phase === 'idle') {
      this.phase = 'stopped';
      return;
    }
    this.phase = 'stopping';
    clearTimeout(this.pollTimer);
    await this.ticking;
    await this.pumping;
    if (this.runs.size && !(await settledWithin([...this.runs.values()], graceMs))) {
      const left = [...this.runs.values()];
      this.opts.logger.info(
        { jobIds: left.map((r) => r.job.id) },
        'grace period over: aborting running jobs',
      );
      for (const run of left) this.abort(run, 'shutdown');
      // Handlers that honour their signal unwind at once; one that ignores it cannot hold
      // the job longer than its lease would have anyway.
      if (!(await settledWithin(left, Math.min(this.opts.leaseMs, 5_000)))) {
        for (const run of this.runs.values()) {
          this.opts.logger.warn(
            { jobId: run.job.id, task: run.job.task },
            'handler ignored its abort signal',
          );
          await this.giveBack(run);
        }
      }
    }
    await this.unlisten?.().catch((e) => this.opts.logger.warn({ err: e }, 'job queue: UNLISTEN failed'));
    this.phase = 'stopped';
    this.opts.logger.info({ workerId: this.workerId }, 'job queue stopped');
  }

  private onNotify(payload: string): void {
    const sep = payload.indexOf(':');
    const kind = payload.slice(0, sep);
    const arg = payload.slice(sep + 1);
    if (kind === 'queued' && this.limits.has(arg)) this.wake();
    else if (kind === 'cancel') {
      const run = this.runs.get(Number(arg));
      if (run) this.abort(run, 'cancelled');
    }
  }

  /** The fallback to NOTIFY: take back expired leases, then look for due jobs. */
  private async tick(): Promise<void> {
    this.pollTimer = undefined;
    try {
      for (const job of await sweepExpiredLeases(this.opts.database.db, SWEEP_BATCH)) {
        const fields = { jobId: job.id, task: job.task, state: job.state, deadWorker: job.locked_by };
        this.opts.logger.warn(fields, 'job lease expired; taken back');
        if (job.state === 'failed')
          this.opts.logger.error(
            fields,
            giveUpTaskOf(job.task)
              ? 'give-up step failed for good'
              : 'job given up (lease expired on its last attempt)',
          );
      }
    } catch (e) {
      this.opts.logger.error({ err: e }, 'job queue: lease sweep failed');
    }
    this.wake();
    if (this.phase === 'started') {
      this.pollTimer = setTimeout(() => {
        this.ticking = this.tick();
      }, this.opts.pollMs);
    }
  }

  /** Claims for every queue with a free slot; coalesces wake-ups that arrive meanwhile. */
  private wake(): void {
    if (this.phase !== 'started') return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  private async pump(): Promise<void> {
    do {
      this.pumpAgain = false;
      for (const [queue, limit] of this.limits) {
        if (this.phase !== 'started') return;
        const free = limit - (this.activeByQueue.get(queue) ?? 0);
        if (free <= 0) continue;
        try {
          const jobs = await claimJobs(this.opts.database.db, {
            workerId: this.workerId,
            queue,
            tasks: this.handled,
            limit: free,
            leaseMs: this.opts.leaseMs,
          });
          for (const job of jobs) this.launch(job);
        } catch (e) {
          this.opts.logger.error({ err: e, queue }, 'job queue: claim failed');
        }
      }
    } while (this.pumpAgain && this.phase === 'started');
  }

  private launch(job: JobRow): void {
    const run: Run = {
      job,
      claim: { id: job.id, workerId: this.workerId, attempts: job.attempts },
      controller: new AbortController(),
      released: false,
      done: Promise.resolve(),
    };
    this.runs.set(job.id, run);
    this.activeByQueue.set(job.queue, (this.activeByQueue.get(job.queue) ?? 0) + 1);
    run.done = this.execute(run)
      .catch((e) => this.opts.logger.error({ err: e, jobId: job.id }, 'job queue: run bookkeeping failed'))
      .finally(() => {
        this.runs.delete(job.id);
        this.activeByQueue.set(job.queue, (this.activeByQueue.get(job.queue) ?? 1) - 1);
        this.wake();
      });
  }

  private async execute(run: Run): Promise<void> {
    const { job } = run;
    const def = this.definitionOf(job.task);
    const logger = bindLogger(this.opts.logger, { jobId: job.id, task: job.task, attempt: job.attempts });
    run.heartbeatTimer = setInterval(
      () => void this.beat(run),
      Math.max(10, Math.floor(this.opts.leaseMs / 3)),
    );
    let failure: { error: unknown } | undefined;
    const fault = giveUpTaskOf(job.task) ? undefined : this.opts.faults?.forJob(job.task);
    let faultTimer: NodeJS.Timeout | undefined;
    let faultError: PermanentJobError | undefined;
    try {
      if (!def?.handler) throw new PermanentJobError(`no handler for task "${job.task}"`);
      if (fault) {
        logger.warn({ fault }, 'injected job fault');
        if (fault.kind === 'fail')
          throw new PermanentJobError('injected fault: the job failed (DOPPEL_FAULTS)');
        if (fault.kind === 'stall') await abortableSleep(fault.ms, run.controller.signal);
        if (fault.kind === 'fail-after')
          faultTimer = setTimeout(() => {
            faultError = new PermanentJobError(`injected fault: the job failed after ${fault.ms} ms`);
            run.controller.abort(faultError);
          }, fault.ms);
      }
      logger.debug({}, 'job started');
      await def.handler(job.payload, {
        job,
        signal: run.controller.signal,
        logger,
        heartbeat: () => this.beat(run),
        db: this.opts.database.db,
      });
    } catch (e) {
      failure = { error: e };
    } finally {
      clearInterval(run.heartbeatTimer);
      clearTimeout(faultTimer);
    }
    // A handler that finished its work although the fault aborted it still fails.
    if (faultError && !run.abortKind) failure = { error: faultError };
    await run.beating;
    await this.settle(run, failure, def?.spec ?? {}, logger);
  }

  /** The task's definition; a give-up task's is built from its task's onGiveUp. */
  private definitionOf(task: string): TaskDef | undefined {
    const of = giveUpTaskOf(task);
    if (of === undefined) return this.tasks.get(task);
    const def = this.tasks.get(of);
    if (!def?.handler) return undefined;
    const db = this.opts.database.db;
    return {
      spec: {},
      handler: giveUpHandler(of, def.spec, db, (id) => getJob(db, id)) as TaskHandler<unknown>,
    };
  }

  /** Writes the outcome of a run; never throws (an unwritten outcome expires with the lease). */
  private async settle(run: Run, failure: { error: unknown } | undefined, spec: TaskSpec, logger: Logger) {
    if (run.released) return;
    const { job } = run;
    const kind = run.abortKind;
    if (kind === 'lease-lost') {
      run.released = true;
      logger.warn({}, 'job lease was lost while running; its outcome is dropped');
      return;
    }
    if (kind === 'shutdown') return this.giveBack(run);
    run.released = true;
    const error = failure && describeError(failure.error);
    let state: string | null;
    try {
      const outcome: Outcome = !failure
        ? { state: 'succeeded' }
        : kind === 'cancelled'
          ? { state: 'cancelled', error }
          : failure.error instanceof PermanentJobError || job.attempts >= job.max_attempts
            ? {
                state: 'failed',
                error: error!,
                reason: failure.error instanceof PermanentJobError ? 'permanent-error' : 'attempts-exhausted',
              }
            : { state: 'queued', error: error!, delayMs: (spec.backoff ?? defaultBackoff)(job.attempts) };
      state = await finishRun(this.opts.database.db, run.claim, outcome);
    } catch (e) {
      logger.error({ err: e }, 'job queue: could not record the job outcome; the lease sweep will retry it');
      return;
    }
    if (state === null) logger.warn({}, 'job was taken back before its outcome could be recorded');
    else if (state === 'succeeded' || state === 'cancelled') logger.info({ state }, `job ${state}`);
    else logger[state === 'failed' ? 'error' : 'warn']({ err: failure?.error, state }, `job ${state}`);
  }

  /** Returns a shutdown-aborted job to the queue, attempt not counted. */
  private async giveBack(run: Run): Promise<void> {
    if (run.released) return;
    run.released = true;
    clearInterval(run.heartbeatTimer);
    try {
      const state = await returnToQueue(this.opts.database.db, run.claim);
      this.opts.logger.info({ jobId: run.job.id, task: run.job.task, state }, 'job returned to the queue');
    } catch (e) {
      this.opts.logger.error(
        { err: e, jobId: run.job.id },
        'job queue: could not return the job; its lease will expire',
      );
    }
  }

  /** Extends the lease; learns of cancellation and of a lost lease on the way. */
  private beat(run: Run): Promise<void> {
    if (run.released) return Promise.resolve();
    run.beating ??= (async () => {
      try {
        const held = await extendLease(this.opts.database.db, run.claim, this.opts.leaseMs);
        if (!held) this.abort(run, 'lease-lost');
        else if (held.cancelRequested) this.abort(run, 'cancelled');
      } catch (e) {
        this.opts.logger.warn({ err: e, jobId: run.job.id }, 'job heartbeat failed');
      } finally {
        run.beating = undefined;
      }
    })();
    return run.beating;
  }

  private abort(run: Run, kind: AbortKind): void {
    if (run.controller.signal.aborted) return;
    run.abortKind = kind;
    run.controller.abort(new JobAbortedError(kind));
  }
}

/** Resolves after `ms`, or at once when the job is aborted (cancel, shutdown, lost lease). */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
