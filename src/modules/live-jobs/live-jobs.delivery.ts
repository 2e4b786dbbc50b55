// How a command or an event report reaches the stream of a PROCESSING job. A job streamed by
// this process is in the registry and runs the message at once. Otherwise (cluster mode, a
// worker process streams it) the message goes over the bus to the process that streams the job:
// that process serves the ids of the jobs in its registry, claims the message, runs it with the
// same executor as here and replies; the caller answers that reply, errors included. When no
// process takes the message in time, or the one that took it does not answer, the caller gets
// 503 MSS.10004107 with the reason (ERRATA 87). Embedded mode has no bus and needs none.
import type { BusMessage } from '../../core/bus/index.ts';
import { BusUnavailableError } from '../../core/bus/index.ts';
import type { ModuleDeps } from '../types.ts';
import type { LiveEventIn } from './live-events.rules.ts';
import { LiveJobErrors } from './live-jobs.errors.ts';
import type { LiveJobRegistry } from './live-jobs.registry.ts';
import type { LiveRun } from './live-jobs.run.ts';

export type LiveMessage =
  | {
      kind: 'command';
      roomId: string;
      command: string;
      params: Record<string, unknown>;
      commandId: string;
    }
  | { kind: 'events'; roomId: string; events: LiveEventIn[] };

type Executors = {
  [K in LiveMessage['kind']]?: (
    run: LiveRun,
    projectId: string,
    msg: Extract<LiveMessage, { kind: K }>,
  ) => Promise<unknown>;
};

/** How long a message may wait for the streaming process to take it. */
export const CLAIM_TIMEOUT_MS = 5_000;
/** How long the process that took it may take to answer (a fetched INSERT_PLAY_AUDIO included). */
export const REPLY_TIMEOUT_MS = 90_000;

export class LiveDelivery {
  private readonly executors: Executors = {};

  constructor(
    private readonly deps: ModuleDeps,
    private readonly registry: LiveJobRegistry,
  ) {
    const bus = deps.bus;
    if (bus) {
      bus.serve({ targets: () => registry.jobIds(), handle: (m) => this.fromBus(m) });
      registry.onAdd(() => bus.wake());
    }
  }

  /** What runs a message of `kind` on a stream (the same code here and in the worker). */
  on<K extends LiveMessage['kind']>(kind: K, exec: NonNullable<Executors[K]>): void {
    (this.executors as Record<string, unknown>)[kind] = exec;
  }

  /** Runs `msg` on the job's stream, wherever it runs, and answers what the stream answered. */
  async deliver(projectId: string, jobId: string, msg: LiveMessage, what: string): Promise<unknown> {
    const run = this.registry.get(projectId, jobId);
    if (run) return this.exec(run, projectId, msg);
    const bus = this.deps.bus;
    if (!bus)
      throw LiveJobErrors.unreachable(
        what,
        jobId,
        'the job is starting or being taken over by a restarted worker; retry shortly',
      );
    try {
      return await bus.request(projectId, jobId, msg, {
        claimTimeoutMs: CLAIM_TIMEOUT_MS,
        replyTimeoutMs: REPLY_TIMEOUT_MS,
      });
    } catch (e) {
      if (!(e instanceof BusUnavailableError)) throw e;
      if (e.reason === 'unclaimed')
        throw LiveJobErrors.unreachable(
          what,
          jobId,
          `no worker process took it within ${CLAIM_TIMEOUT_MS / 1000} s (the job is starting, or its worker stopped and another has not taken it over yet); retry shortly`,
        );
      if (e.reason === 'no-reply')
        throw LiveJobErrors.unreachable(
          what,
          jobId,
          `the worker that streams the job took it but did not answer within ${REPLY_TIMEOUT_MS / 1000} s; it may still have run`,
        );
      throw LiveJobErrors.unreachable(what, jobId, 'this server is shutting down');
    }
  }

  /** A message another process sent for a job streamed here. */
  private async fromBus(m: BusMessage): Promise<unknown> {
    const msg = m.payload as LiveMessage;
    const run = this.registry.get(m.projectId, m.target);
    if (!run)
      // It stopped streaming here between the claim and now.
      throw LiveJobErrors.unreachable(
        msg.kind === 'command' ? msg.command : 'LiveEventReport',
        m.target,
        'the job stopped streaming on the worker that took the request; retry shortly',
      );
    return this.exec(run, m.projectId, msg);
  }

  private exec(run: LiveRun, projectId: string, msg: LiveMessage): Promise<unknown> {
    const exec = this.executors[msg.kind] as
      | ((run: LiveRun, projectId: string, msg: LiveMessage) => Promise<unknown>)
      | undefined;
    if (!exec) throw new Error(`no executor for live message ${msg.kind}`);
    return exec(run, projectId, msg);
  }
}
