// Redis pub/sub as the bus's wake-up channel, when the deployment has Redis: a second way for
// "a message is waiting" and "a reply is in" to travel, beside PostgreSQL's NOTIFY (which a
// pooler in transaction mode, such as PgBouncer, does not pass). It carries only wake-ups; the
// message rows stay the truth, so a lost publish only delays until the next poll.
import type { Redis } from 'ioredis';
import type { Wakeups } from './types.ts';

export function redisWakeups(
  redis: Redis,
  channel = 'doppel:bus',
): Wakeups & { subscribed(): Promise<void> } {
  let confirmed: Promise<void> | undefined;
  return {
    /** Resolves once the SUBSCRIBE is confirmed (tests). */
    subscribed: () => confirmed ?? Promise.reject(new Error('not subscribing')),
    async publish(payload) {
      await redis.publish(channel, payload);
    },
    async subscribe(onMessage) {
      // A subscribed connection takes no other commands: its own. It queues the SUBSCRIBE until
      // it is connected and subscribes again after each reconnection (ioredis autoResubscribe),
      // so this returns at once, and an unreachable Redis only means polling.
      const sub = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      sub.on('error', () => {});
      sub.on('message', (ch: string, msg: string) => {
        if (ch === channel) onMessage(msg);
      });
      confirmed = sub.subscribe(channel).then(() => {});
      confirmed.catch(() => {});
      return async () => {
        sub.disconnect();
      };
    },
  };
}
