// Sends a live job's event callbacks in the background, one at a time and in order, through
// postCallback (SSRF guard, signature, timeout) with every attempt in the webhook log, so a
// missed event can be replayed with `doppel webhooks replay`. The stream only ever pushes into
// a bounded queue: a slow or hanging receiver delays the callbacks, never a frame; when the
// queue is full the oldest event is dropped (and logged). One attempt per event (ERRATA 98).
import { postCallback } from '../../core/net/callback.ts';
import { newId } from '../../core/util/ids.ts';
import { WebhookLog } from '../../core/webhooks/index.ts';
import type { ModuleDeps } from '../types.ts';
import { type LiveCallbackBody, type LiveEventTarget, wants } from './live-callbacks.rules.ts';

/** Events waiting for the receiver; past this the oldest goes. */
export const MAX_QUEUED_CALLBACKS = 100;

/** One send: resolves when the receiver answered (or gave up), rejects on failure. */
export type SendCallback = (body: LiveCallbackBody, signal: AbortSignal) => Promise<void>;

export class LiveCallbackSender {
  private readonly queue: LiveCallbackBody[] = [];
  private pumping: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private closed = false;
  /** Events dropped because the queue was full. */
  dropped = 0;

  private readonly send: SendCallback;

  constructor(
    private readonly deps: Pick<ModuleDeps, 'db' | 'clock' | 'logger' | 'allowPrivateFetch'>,
    private readonly target: LiveEventTarget,
    private readonly ref: { projectId: string; jobId: string },
    /** Replaces the logged POST (unit tests of the queue). */
    send?: SendCallback,
  ) {
    this.send = send ?? ((body, signal) => this.post(body, signal));
  }

  /** Queues one event (if its type is wanted); returns at once. */
  push(body: LiveCallbackBody): void {
    if (this.closed || !wants(this.target, body.event_type)) return;
    this.queue.push(body);
    if (this.queue.length > MAX_QUEUED_CALLBACKS) {
      this.queue.shift();
      if (this.dropped++ % 50 === 0)
        this.deps.logger.warn(
          { jobId: this.ref.jobId, dropped: this.dropped },
          'live callback receiver too slow: events dropped',
        );
    }
    this.kick();
  }

  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      // Pushed after the loop saw an empty queue, before this ran.
      if (this.queue.length > 0 && !this.closed) this.kick();
    });
  }

  private async pump(): Promise<void> {
    for (let body = this.queue.shift(); body; body = this.queue.shift()) {
      try {
        await this.send(body, this.abort.signal);
      } catch (e) {
        this.deps.logger.warn(
          { err: e, jobId: this.ref.jobId, event_type: body.event_type },
          'live callback not delivered',
        );
      }
    }
  }

  /** postCallback with the attempt in the webhook log, as a delivery of its own. */
  private post(body: LiveCallbackBody, signal: AbortSignal): Promise<void> {
    const ref = {
      projectId: this.ref.projectId,
      source: 'live',
      resourceId: this.ref.jobId,
      key: `live:${this.ref.jobId}:${newId()}`,
    };
    return postCallback(
      {
        url: this.target.url,
        authType: this.target.auth_type,
        ...(this.target.key ? { key: this.target.key } : {}),
      },
      body,
      {
        now: this.deps.clock.now().getTime(),
        allowPrivate: this.deps.allowPrivateFetch,
        signal,
        record: { log: new WebhookLog(this.deps.db), ref, lastAttempt: true },
      },
    );
  }

  /**
   * The job is over: what is queued may still go for up to `graceMs` (the END state change
   * is usually the last), then the send in flight is cut and the rest is dropped.
   */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    const pumping = this.pumping;
    if (pumping) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pumping, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.queue.length = 0;
    this.abort.abort();
    await this.pumping?.catch(() => {});
  }
}
