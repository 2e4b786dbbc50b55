// The bus's shapes: its options, messages, servers, wake-up channels and errors (see bus.ts).
import type { Database } from '../db/index.ts';
import type { Logger } from '../logger.ts';

export const BUS_CHANNEL = 'doppel_bus';

export interface BusOptions {
  database: Database;
  logger: Logger;
  /** This process in `claimed_by` (default: a fresh id per bus). */
  processId?: string;
  /** How often both sides look at the table when no notification came (default 1000 ms). */
  pollMs?: number;
  /** How long a message may wait for a process to claim it (default 5 s). */
  claimTimeoutMs?: number;
  /** How long a claimed message may wait for its reply (default 90 s). */
  replyTimeoutMs?: number;
  /** Rows older than this are deleted (default 10 minutes). */
  keepMs?: number;
  /** false: no LISTEN, every wake-up comes from polling (tests of the fallback). */
  notifications?: boolean;
  /** Another wake-up channel beside NOTIFY (Redis pub/sub when configured). */
  wakeups?: Wakeups;
}

/** A channel that carries wake-ups ('pending:<id>', 'replied:<id>') between processes. */
export interface Wakeups {
  publish(payload: string): Promise<void>;
  /** Starts hearing wake-ups; resolves with the function that stops it. */
  subscribe(onMessage: (payload: string) => void): Promise<() => Promise<void>>;
}

export interface BusMessage {
  id: number;
  projectId: string;
  target: string;
  payload: unknown;
}

export interface BusServer {
  /** The targets this process serves now (asked on every claim). */
  targets(): Iterable<string>;
  /** Runs a claimed message; what it returns (JSON) or throws (an AppError) is the reply. */
  handle(msg: BusMessage): Promise<unknown>;
}

export interface RequestOptions {
  claimTimeoutMs?: number;
  replyTimeoutMs?: number;
}

/** Why a request got no answer: nobody claimed it, its claimer did not reply, or the bus closed. */
export class BusUnavailableError extends Error {
  constructor(
    readonly reason: 'unclaimed' | 'no-reply' | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'BusUnavailableError';
  }
}

export type Reply =
  | { ok: true; value?: unknown }
  | { ok: false; error: { status?: number; code?: string; message: string } };
