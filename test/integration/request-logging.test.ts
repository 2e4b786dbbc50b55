// The request's logger: every line logged while serving a contract operation carries the
// request id and the operationId (one child logger per request, made by the route), other
// routes carry the request id only. X-Doppel-Process appears only when the app is one of
// `serve --api-processes N`.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildApp } from '../../src/app.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { ownerOfPath, testGuards, testHttpConfig } from '../helpers/bare-app.ts';

const PROJECT = 'a'.repeat(32);

async function appWithLog(processTag?: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  const app = await buildApp({
    config: testHttpConfig(1024 * 1024),
    logger: createLogger({ level: 'info', destination: sink }),
    authenticate: ownerOfPath,
    guards: testGuards(),
    throttle: undefined,
    metrics: createMetrics({ defaultMetrics: false }),
    handlers: {
      ListAssets: async () => ({ count: 0, assets: [] }) as never,
    },
    plugins: [],
    serveApi: true,
    readiness: async () => undefined,
    ...(processTag && { processTag }),
  });
  return { app, lines };
}

describe('request logging', () => {
  it('an operation request logs with reqId and operationId, /health with reqId only', async () => {
    const { app, lines } = await appWithLog();
    try {
      const r = await app.inject({ method: 'GET', url: `/v1/${PROJECT}/digital-assets` });
      assert.equal(r.statusCode, 200, r.body);
      const id = r.headers['x-request-id'];
      assert.match(String(id), /^[0-9a-f]{32}$/);
      assert.equal(r.headers['x-doppel-process'], undefined);
      const mine = lines.filter((l) => l.reqId === id);
      assert.ok(
        mine.some((l) => l.msg === 'request completed'),
        JSON.stringify(lines),
      );
      for (const l of mine) assert.equal(l.operationId, 'ListAssets', JSON.stringify(l));

      const h = await app.inject({ method: 'GET', url: '/health' });
      assert.deepEqual(h.json(), { status: 'ok' });
      const health = lines.filter((l) => l.reqId === h.headers['x-request-id']);
      assert.ok(health.length > 0);
      for (const l of health) assert.equal(l.operationId, undefined);
      // Fresh ids for every request.
      assert.notEqual(h.headers['x-request-id'], id);
    } finally {
      await app.close();
    }
  });

  it('one of --api-processes N names itself in a header and in /health', async () => {
    const { app } = await appWithLog('2:12345');
    try {
      const r = await app.inject({ method: 'GET', url: `/v1/${PROJECT}/digital-assets` });
      assert.equal(r.headers['x-doppel-process'], '2:12345');
      const h = await app.inject({ method: 'GET', url: '/health' });
      assert.deepEqual(h.json(), { status: 'ok', process: '2:12345' });
    } finally {
      await app.close();
    }
  });
});
