// The webhook log: what Doppel POSTed to whom, every attempt's answer and latency, and the
// final state. The callback sender writes it (core/net/callback.ts); `doppel webhooks`
// reads it and replays a delivery. Rows are tenant rows: every query names the project,
// except the operator's cross-tenant listing, which is the CLI's by design.
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { WebhookDeliveriesTable } from '../db/schema.ts';
import { safeUrl } from '../logger.ts';
import { newId } from '../util/ids.ts';

export type DeliveryState = WebhookDeliveriesTable['state'];

/** Names one callback: the queue's retries of it land on one delivery row. */
export interface DeliveryRef {
  projectId: string;
  /** What sent it: 'tts', 'video', 'subtitle', 'live', 'dialog', … */
  source: string;
  /** The job or room the callback is about. */
  resourceId: string;
  /** Unique within the project; defaults to `${source}:${resourceId}`. */
  key?: string;
  /** Set on a replay: the delivery it repeats. */
  replayOf?: string;
}

export interface AttemptOutcome {
  startedAt: Date;
  latencyMs: number;
  /** The receiver's HTTP status, when it answered at all. */
  status?: number;
  error?: string;
  /** The attempt's effect on the delivery: DELIVERED on 2xx, FAILED when no retry follows. */
  state: DeliveryState;
}

export interface StoredTarget {
  url: string;
  auth_type: string;
  key?: string;
}

/** A delivery as the CLI shows it: the URL without its secrets and never the signing key. */
export interface DeliveryView {
  delivery_id: string;
  project_id: string;
  source: string;
  resource_id: string;
  url: string;
  auth_type: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  replay_of: string | null;
  created_at: string;
  updated_at: string;
}

export interface AttemptView {
  attempt: number;
  started_at: string;
  status: number | null;
  error: string | null;
  latency_ms: number;
}

const MAX_ERROR_CHARS = 500;

export class WebhookLog {
  constructor(private readonly db: Db) {}

  /**
   * The delivery row for `ref`, made on first use. Each attempt stores the body it sends (a
   * retry may carry freshly presigned URLs), so the log shows what the receiver got last.
   * Answers the delivery's id.
   */
  async open(ref: DeliveryRef, target: StoredTarget, body: unknown, now: Date): Promise<string> {
    const bodyJson = JSON.stringify(body ?? null);
    // One statement: a retry (any process) lands on the row its first attempt made.
    const row = await this.db
      .insertInto('webhook_deliveries')
      .values({
        project_id: ref.projectId,
        delivery_id: newId(),
        delivery_key: ref.key ?? `${ref.source}:${ref.resourceId}`,
        source: ref.source,
        resource_id: ref.resourceId,
        target: JSON.stringify(target),
        body: bodyJson,
        state: 'PENDING',
        replay_of: ref.replayOf ?? null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['project_id', 'delivery_key']).doUpdateSet({ body: bodyJson }))
      .returning('delivery_id')
      .executeTakeFirstOrThrow();
    return row.delivery_id;
  }

  /** Appends one attempt and moves the delivery to the attempt's state, in one transaction. */
  async record(projectId: string, deliveryId: string, o: AttemptOutcome): Promise<void> {
    const error = o.error === undefined ? null : safeUrl(o.error).slice(0, MAX_ERROR_CHARS);
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('webhook_deliveries')
        .set({
          attempts: sql<number>`attempts + 1`,
          state: o.state,
          last_status: o.status ?? null,
          last_error: error,
          last_latency_ms: Math.round(o.latencyMs),
          updated_at: new Date(o.startedAt.getTime() + o.latencyMs),
        })
        .where('project_id', '=', projectId)
        .where('delivery_id', '=', deliveryId)
        .returning('attempts')
        .executeTakeFirst();
      if (!row) return;
      await trx
        .insertInto('webhook_attempts')
        .values({
          project_id: projectId,
          delivery_id: deliveryId,
          attempt: row.attempts,
          started_at: o.startedAt,
          status: o.status ?? null,
          error,
          latency_ms: Math.round(o.latencyMs),
        })
        .execute();
    });
  }

  /** Newest first; across projects when none is named (the operator's view). */
  async list(f: {
    projectId?: string;
    state?: DeliveryState;
    source?: string;
    limit?: number;
  }): Promise<DeliveryView[]> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll();
    if (f.projectId) q = q.where('project_id', '=', f.projectId);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.source) q = q.where('source', '=', f.source);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('delivery_id')
      .limit(Math.min(Math.max(f.limit ?? 50, 1), 1000))
      .execute();
    return rows.map(view);
  }

  /** One delivery by id (ids are unique across projects: 128 random bits). */
  async find(deliveryId: string): Promise<
    | {
        view: DeliveryView;
        attempts: AttemptView[];
        target: StoredTarget;
        body: unknown;
        projectId: string;
      }
    | undefined
  > {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .executeTakeFirst();
    if (!row) return undefined;
    const attempts = await this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('project_id', '=', row.project_id)
      .where('delivery_id', '=', deliveryId)
      .orderBy('attempt')
      .execute();
    return {
      view: view(row),
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        started_at: iso(a.started_at),
        status: a.status,
        error: a.error,
        latency_ms: a.latency_ms,
      })),
      target: parseJson(row.target) as StoredTarget,
      body: parseJson(row.body),
      projectId: row.project_id,
    };
  }
}

type DeliveryRow = {
  [K in keyof WebhookDeliveriesTable]: WebhookDeliveriesTable[K] extends { __select__: infer S }
    ? S
    : WebhookDeliveriesTable[K];
};

function view(r: DeliveryRow): DeliveryView {
  const target = parseJson(r.target) as StoredTarget;
  return {
    delivery_id: r.delivery_id,
    project_id: r.project_id,
    source: r.source,
    resource_id: r.resource_id,
    url: safeUrl(target.url),
    auth_type: target.auth_type,
    state: r.state,
    attempts: r.attempts,
    last_status: r.last_status,
    last_error: r.last_error,
    last_latency_ms: r.last_latency_ms,
    replay_of: r.replay_of,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const parseJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
