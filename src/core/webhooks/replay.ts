// Sends a logged delivery again, now: the same body to the same receiver, signed afresh (an
// MSS_A signature carries its time, so the old one would be stale). The replay is a delivery
// of its own, linked to the one it repeats, with a single attempt whose outcome it reports.
import type { Db } from '../db/index.ts';
import { postCallback } from '../net/callback.ts';
import type { MssAuthType } from '../net/mss-auth.ts';
import { newId } from '../util/ids.ts';
import { type DeliveryView, WebhookLog } from './webhook-log.ts';

export class UnknownDeliveryError extends Error {}

export async function replayDelivery(
  db: Db,
  deliveryId: string,
  opts: { now: Date; allowPrivate: boolean },
): Promise<DeliveryView> {
  const log = new WebhookLog(db);
  const found = await log.find(deliveryId);
  if (!found) throw new UnknownDeliveryError(`no webhook delivery ${deliveryId}`);
  const { view, target, body } = found;
  const ref = {
    projectId: found.projectId,
    source: view.source,
    resourceId: view.resource_id,
    key: `replay:${newId()}`,
    replayOf: deliveryId,
  };
  await postCallback(
    {
      url: target.url,
      authType: target.auth_type as MssAuthType,
      ...(target.key ? { key: target.key } : {}),
    },
    body,
    { now: opts.now.getTime(), allowPrivate: opts.allowPrivate, record: { log, ref, lastAttempt: true } },
  ).catch(() => {
    // The outcome is in the log; the caller reads it below.
  });
  const [replay] = await db
    .selectFrom('webhook_deliveries')
    .select('delivery_id')
    .where('project_id', '=', ref.projectId)
    .where('delivery_key', '=', ref.key)
    .execute();
  const again = replay && (await log.find(replay.delivery_id));
  if (!again) throw new Error(`replay of ${deliveryId} was not recorded`);
  return again.view;
}
