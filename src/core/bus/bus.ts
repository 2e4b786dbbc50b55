// A small request/reply bus between the processes of one deployment, on the database they
// share. A sender writes a message row for a target (e.g. a live job id) and waits; the
// process that serves that target claims the row, runs its handler and writes the reply.
// NOTIFY (migrations/0020-bus-messages.sql), and Redis pub/sub when configured, wake both sides
// at once; both also poll, so a lost notification (a dropped listening connection, a restart of
// PostgreSQL) only delays.
// A message nobody claims within `claimTimeoutMs`, or claimed and not answered within
// `replyTimeoutMs`, fails the request with a BusUnavailableError: a caller never waits forever.
import { sql } from 'kysely';
import { AppError, isAppError } from '../errors/index.ts';
import { newId } from '../util/ids.ts';
import {
  BUS_CHANNEL,
  type BusMessage,
  type BusOptions,
  type BusServer,
  BusUnavailableError,
  type Reply,
  type RequestOptions,
} from './types.ts';

interface Waiter {
  id: number;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timers: NodeJS.Timeout[];
}

const SWEEP_EVERY_MS = 60_000;
const RELISTEN_EVERY_MS = 5_000;
const RELISTEN_AFTER_LOSS_MS = 500;
const CLAIM_BATCH = 50;

export class Bus {
  readonly processId: string;
  private readonly pollMs: number;
  private readonly claimTimeoutMs: number;
  private readonly replyTimeoutMs: number;
  private readonly keepMs: number;
  private readonly servers = new Set<BusServer>();
  private readonly waiters = new Map<number, Waiter>();
  private readonly handling = new Set<Promise<void>>();
  private started = false;
  private closed = false;
  private timer?: NodeJS.Timeout;
  private unlisten?: () => Promise<void>;
  /** How many times a LISTEN succeeded (the first, then each one after a lost connection). */
  listens = 0;
  private listenCall?: Promise<void>;
  private unsubscribe?: () => Promise<void>;
  private subscribing?: Promise<void>;
  private lastSubscribeTry = 0;
  private relistenTimer?: NodeJS.Timeout;
  private lastListenTry = 0;
  private lastSweep = 0;
  private claiming = false;
  private claimAgain = false;

  constructor(private readonly opts: BusOptions) {
    this.processId = opts.processId ?? newId();
    this.pollMs = opts.pollMs ?? 1000;
    this.claimTimeoutMs = opts.claimTimeoutMs ?? 5000;
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 90_000;
    this.keepMs = opts.keepMs ?? 10 * 60_000;
  }

  private get db() {
    return this.opts.database.db;
  }

  /** Sends `payload` to whoever serves `target` and resolves with its reply (or its error). */
  async request(
    projectId: string,
    target: string,
    payload: unknown,
    o: RequestOptions = {},
  ): Promise<unknown> {
    if (this.closed) throw new BusUnavailableError('closed', 'the bus is closed');
    this.start();
    await this.listenCall;
    const row = await this.db
      .insertInto('bus_messages')
      .values({ project_id: projectId, target, payload: JSON.stringify(payload ?? null) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(row.id);
    this.announce(`pending:${id}`);
    if (this.closed) throw new BusUnavailableError('closed', 'the bus was closed');
    return new Promise((resolve, reject) => {
      const w: Waiter = { id, resolve, reject, timers: [] };
      this.waiters.set(id, w);
      w.timers.push(
        setTimeout(() => void this.expire(w), o.claimTimeoutMs ?? this.claimTimeoutMs),
        setTimeout(() => void this.abandon(w), o.replyTimeoutMs ?? this.replyTimeoutMs),
      );
    });
  }

  /** Serves messages for the server's targets in this process; returns the function that stops it. */
  serve(server: BusServer): () => void {
    this.servers.add(server);
    return () => {
      this.servers.delete(server);
    };
  }

  /** A server has a new target: start listening if not yet, and look for its messages now. */
  wake(): void {
    if (this.closed) return;
    this.start();
    void this.claim();
  }

  /** Stops polling and listening; pending requests fail with 'closed'; running handlers finish. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const w of [...this.waiters.values()])
      this.settle(w, () => w.reject(new BusUnavailableError('closed', 'the bus was closed')));
    clearTimeout(this.relistenTimer);
    await Promise.allSettled([...this.handling]);
    await this.listenCall;
    await this.subscribing;
    await this.unlisten?.().catch(() => {});
    this.unlisten = undefined;
    await this.unsubscribe?.().catch(() => {});
    this.unsubscribe = undefined;
  }

  private start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.listen();
    this.subscribe();
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
  }

  private listen(): void {
    if (this.opts.notifications === false || this.closed || this.unlisten || this.listenCall) return;
    this.lastListenTry = Date.now();
    this.listenCall = this.opts.database
      .listen(
        BUS_CHANNEL,
        (p) => this.onNotify(p),
        (err) => {
          // The connection is gone: drop it and listen again soon (polling meanwhile).
          this.opts.logger.warn({ err }, 'bus: listening connection lost; polling until it is back');
          const off = this.unlisten;
          this.unlisten = undefined;
          void off?.().catch(() => {});
          this.relistenSoon(RELISTEN_AFTER_LOSS_MS);
        },
      )
      .then(
        async (off) => {
          if (this.closed) await off().catch(() => {});
          else {
            this.unlisten = off;
            this.listens++;
            // Whatever was announced while nobody listened is found now.
            void this.tick();
          }
        },
        (err) => {
          this.opts.logger.warn({ err }, 'bus: LISTEN failed; polling until it works');
          this.relistenSoon(RELISTEN_EVERY_MS);
        },
      )
      .finally(() => {
        this.listenCall = undefined;
      });
  }

  /** Hears the other wake-up channel, when there is one (retried by the tick when it failed). */
  private subscribe(): void {
    const w = this.opts.wakeups;
    if (!w || this.closed || this.unsubscribe || this.subscribing) return;
    this.lastSubscribeTry = Date.now();
    this.subscribing = w
      .subscribe((p) => this.onNotify(p))
      .then(
        async (off) => {
          if (this.closed) await off().catch(() => {});
          else this.unsubscribe = off;
        },
        (err) =>
          this.opts.logger.warn({ err }, 'bus: subscribing to wake-ups failed; polling until it works'),
      )
      .finally(() => {
        this.subscribing = undefined;
      });
  }

  private announce(payload: string): void {
    void this.opts.wakeups
      ?.publish(payload)
      .catch((err) => this.opts.logger.debug({ err }, 'bus: publishing a wake-up failed'));
  }

  /** Whether notifications come through now (false: polling only until the connection is back). */
  get listening(): boolean {
    return this.unlisten !== undefined;
  }

  private relistenSoon(ms: number): void {
    if (this.closed || this.relistenTimer) return;
    this.relistenTimer = setTimeout(() => {
      this.relistenTimer = undefined;
      this.listen();
    }, ms);
    this.relistenTimer.unref();
  }

  private onNotify(payload: string): void {
    const sep = payload.indexOf(':');
    const kind = payload.slice(0, sep);
    const id = Number(payload.slice(sep + 1));
    if (kind === 'pending' && this.servers.size) void this.claim();
    else if (kind === 'replied' && this.waiters.has(id)) void this.check([id]);
  }

  /** The fallback to NOTIFY, and the housekeeping. */
  private async tick(): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    if (!this.unlisten && now - this.lastListenTry >= RELISTEN_EVERY_MS) this.listen();
    if (!this.unsubscribe && now - this.lastSubscribeTry >= RELISTEN_EVERY_MS) this.subscribe();
    if (this.servers.size) await this.claim();
    if (this.waiters.size) await this.check([...this.waiters.keys()]);
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      await sql`DELETE FROM bus_messages WHERE created_at < now() - make_interval(secs => ${this.keepMs / 1000})`
        .execute(this.db)
        .catch((err) => this.opts.logger.warn({ err }, 'bus: sweep failed'));
    }
  }

  /** Claims the pending messages of this process's targets and runs them. */
  private async claim(): Promise<void> {
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    try {
      do {
        this.claimAgain = false;
        const byTarget = new Map<string, BusServer>();
        for (const s of this.servers) for (const t of s.targets()) byTarget.set(t, s);
        if (!byTarget.size || this.closed) return;
        const rows = await this.db
          .updateTable('bus_messages')
          .set({ state: 'claimed', claimed_by: this.processId, claimed_at: sql`now()` })
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('bus_messages')
              .select('id')
              .where('state', '=', 'pending')
              .where('target', 'in', [...byTarget.keys()])
              .orderBy('id')
              .limit(CLAIM_BATCH)
              .forUpdate()
              .skipLocked(),
          )
          .returning(['id', 'project_id', 'target', 'payload'])
          .execute();
        for (const r of rows) {
          const server = byTarget.get(r.target);
          if (!server) continue;
          const msg = { id: Number(r.id), projectId: r.project_id, target: r.target, payload: r.payload };
          const p = this.run(server, msg).finally(() => this.handling.delete(p));
          this.handling.add(p);
        }
        if (rows.length === CLAIM_BATCH) this.claimAgain = true;
      } while (this.claimAgain);
    } catch (err) {
      this.opts.logger.warn({ err }, 'bus: claiming messages failed');
    } finally {
      this.claiming = false;
    }
  }

  private async run(server: BusServer, msg: BusMessage): Promise<void> {
    let reply: Reply;
    try {
      reply = { ok: true, value: await server.handle(msg) };
    } catch (e) {
      if (isAppError(e)) reply = { ok: false, error: { status: e.status, code: e.code, message: e.message } };
      else {
        this.opts.logger.error({ err: e, target: msg.target }, 'bus: handler failed');
        reply = { ok: false, error: { message: String((e as Error)?.message ?? e) } };
      }
    }
    await this.db
      .updateTable('bus_messages')
      .set({ state: 'replied', reply: JSON.stringify(reply), replied_at: sql`now()` })
      .where('id', '=', msg.id)
      .where('state', '=', 'claimed')
      .execute()
      .then(
        () => this.announce(`replied:${msg.id}`),
        (err) => this.opts.logger.warn({ err, id: msg.id }, 'bus: writing a reply failed'),
      );
  }

  /** Settles the waiters among `ids` whose reply is in, and deletes those rows. */
  private async check(ids: number[]): Promise<void> {
    let rows: Array<{ id: number; state: string; reply: unknown }>;
    try {
      // Read once: the row goes with its reply (payloads may hold stream keys, replies signed URLs).
      rows = await this.db
        .deleteFrom('bus_messages')
        .where('id', 'in', ids)
        .where('state', '=', 'replied')
        .returning(['id', 'state', 'reply'])
        .execute();
    } catch (err) {
      this.opts.logger.warn({ err }, 'bus: reading replies failed');
      return;
    }
    for (const r of rows) {
      const w = this.waiters.get(Number(r.id));
      if (w) this.settle(w, () => answer(w, r.reply as Reply));
    }
  }

  /** Nobody claimed the message in time: withdraw it (unless it was claimed meanwhile). */
  private async expire(w: Waiter): Promise<void> {
    const hit = await this.db
      .updateTable('bus_messages')
      .set({ state: 'expired', payload: 'null' })
      .where('id', '=', w.id)
      .where('state', '=', 'pending')
      .returning('id')
      .executeTakeFirst()
      .catch(() => undefined);
    if (hit)
      this.settle(w, () =>
        w.reject(new BusUnavailableError('unclaimed', 'no process serving the target took the message')),
      );
    else await this.check([w.id]);
  }

  /** Claimed but not answered in time. */
  private async abandon(w: Waiter): Promise<void> {
    await this.check([w.id]);
    if (!this.waiters.has(w.id)) return;
    await this.db
      .updateTable('bus_messages')
      .set({ state: 'abandoned', payload: 'null' })
      .where('id', '=', w.id)
      .where('state', 'in', ['pending', 'claimed'])
      .execute()
      .catch(() => {});
    this.settle(w, () =>
      w.reject(
        new BusUnavailableError('no-reply', 'the process that took the message did not answer in time'),
      ),
    );
  }

  private settle(w: Waiter, fn: () => void): void {
    if (this.waiters.get(w.id) !== w) return;
    this.waiters.delete(w.id);
    for (const t of w.timers) clearTimeout(t);
    fn();
  }
}

function answer(w: Waiter, reply: Reply): void {
  if (reply?.ok) {
    w.resolve(reply.value);
    return;
  }
  const e = reply?.error ?? { message: 'empty reply' };
  if (e.status && e.code) w.reject(new AppError(e.status, e.code, e.message));
  else w.reject(new Error(`the serving process failed: ${e.message}`));
}
