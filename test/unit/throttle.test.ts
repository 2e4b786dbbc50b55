import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createThrottle } from '../../src/core/throttle/index.ts';

const TABLE = { 'cn-north-4': 10, 'cn-east-3': 5, 'ap-southeast-1': 5 } as const;

describe('throttle (memory)', () => {
  it('picks the region column, and the default for unlisted operations', () => {
    const north = createThrottle({ region: 'cn-north-4', defaultRps: 7 });
    const east = createThrottle({ region: 'cn-east-3', defaultRps: 7 });
    assert.equal(north.limitFor('CreateDigitalAsset', TABLE), 10);
    assert.equal(east.limitFor('CreateDigitalAsset', TABLE), 5);
    assert.equal(north.limitFor('ListRobot', null), 7);
  });

  it('allows the limit within a second, then refuses with a retry hint', async () => {
    const t = createThrottle({ region: 'cn-north-4', defaultRps: 20 });
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await t.consume('p1', 'Op', 5));
    assert.deepEqual(
      results.map((r) => r.allowed),
      [true, true, true, true, true, false, false],
    );
    const refused = results[5]!;
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 1000);
  });

  it('keeps tenants and operations apart', async () => {
    const t = createThrottle({ region: 'cn-north-4', defaultRps: 20 });
    for (let i = 0; i < 2; i++) await t.consume('p1', 'A', 2);
    assert.equal((await t.consume('p1', 'A', 2)).allowed, false);
    assert.equal((await t.consume('p2', 'A', 2)).allowed, true);
    assert.equal((await t.consume('p1', 'B', 2)).allowed, true);
  });
});

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisOrSkip(): Promise<Redis | string> {
  if (REDIS_URL === 'off') return 'TEST_REDIS_URL=off';
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1500 });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return r;
  } catch (e) {
    r.disconnect();
    return `Redis not reachable at ${REDIS_URL}: ${(e as Error).message}`;
  }
}

const redis = await redisOrSkip();
if (typeof redis === 'string') console.log(`# SKIP throttle (redis): ${redis}`);

describe('throttle (redis)', { skip: typeof redis === 'string' ? redis : false }, () => {
  const client = redis as Redis;
  after(() => client.disconnect());

  it('shares one budget between two nodes', async () => {
    const tenant = `p-${process.pid}-${Date.now()}`;
    const nodeA = createThrottle({ region: 'cn-north-4', defaultRps: 20, redis: client });
    const nodeB = createThrottle({ region: 'cn-north-4', defaultRps: 20, redis: client });
    assert.equal(nodeA.store, 'redis');
    const allowed = [];
    for (let i = 0; i < 3; i++) allowed.push((await nodeA.consume(tenant, 'Op', 4)).allowed);
    for (let i = 0; i < 3; i++) allowed.push((await nodeB.consume(tenant, 'Op', 4)).allowed);
    assert.deepEqual(allowed, [true, true, true, true, false, false]);
  });
});
