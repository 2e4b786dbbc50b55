// Every one of the 148 contract operations is routed: a valid request reaches its handler
// (or the 501 for operations not implemented yet), an invalid body is a 400 that names the
// field, and nothing answers the gateway's "no such API". The handler map built at run
// time must implement exactly the operations the coverage page lists.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { operations } from '../../src/contract/generated/operations.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { createModules, IMPLEMENTED_OPERATIONS } from '../../src/modules/index.ts';
import { ownerOfPath, testGuards, testHttpConfig } from '../helpers/bare-app.ts';
import { sample } from '../helpers/sample.ts';

const PROJECT = '0123456789abcdef0123456789abcdef';
const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

function urlFor(op: (typeof operations)[number], query: Record<string, unknown>): string {
  const params = (op.schema.params as { properties: Record<string, { enum?: string[] }> }).properties;
  const path = op.path
    .replace('{project_id}', PROJECT)
    .replace(/\{([a-z_]+)\}/g, (_, name: string) => params[name]?.enum?.[0] ?? ID);
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

describe('operation routing', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildApp({
      config: testHttpConfig(1024 * 1024),
      logger: createLogger({ level: 'silent' }),
      // Authentication has its own suites; here every caller owns the path's project.
      authenticate: ownerOfPath,
      guards: testGuards(),
      throttle: undefined,
      metrics: createMetrics({ defaultMetrics: false }),
      handlers: {},
      plugins: [],
      serveApi: true,
      readiness: async () => undefined,
    });
  });
  after(() => app.close());

  it('the run-time handler map implements exactly IMPLEMENTED_OPERATIONS', () => {
    const { handlers } = createModules({} as never);
    assert.deepEqual(Object.keys(handlers).sort(), [...IMPLEMENTED_OPERATIONS].sort());
  });

  it('has 148 operations', () => assert.equal(operations.length, 148));

  for (const op of operations) {
    it(`${op.operationId}: a valid request is routed, with a request id`, async () => {
      const query = sample(op.schema.querystring) as Record<string, unknown> | undefined;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      Object.assign(headers, sample(op.schema.headers) as Record<string, string> | undefined);
      const body = op.schema.body
        ? JSON.stringify(sample(op.schema.body))
        : op.method === 'GET'
          ? '{}'
          : undefined;
      const res = await app.inject({
        method: op.method,
        url: urlFor(op, query ?? {}),
        headers,
        payload: body,
      });
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f]{32}$/);
      if (!IMPLEMENTED_OPERATIONS.includes(op.operationId)) {
        assert.equal(res.statusCode, 501, res.body);
        assert.deepEqual(res.json(), {
          error_code: 'DOPPEL.0501',
          error_msg: `${op.operationId} is part of the MetaStudio contract but this Doppel server does not implement it yet`,
        });
      } else {
        assert.notEqual(res.json().error_code, 'APIGW.0101');
      }
    });

    if (op.schema.body) {
      it(`${op.operationId}: a body of the wrong shape is a 400 naming the field`, async () => {
        const wrong = (op.schema.body as { type?: string }).type === 'array' ? '{}' : '[]';
        const query = sample(op.schema.querystring) as Record<string, unknown> | undefined;
        const res = await app.inject({
          method: op.method,
          url: urlFor(op, query ?? {}),
          headers: { 'content-type': 'application/json' },
          payload: wrong,
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error_code, 'MSS.00000003');
        assert.match(res.json().error_msg, /\bbody\b/);
      });
    }
  }

  it('an unknown path is APIGW.0101 with a 404', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/${PROJECT}/no-such-thing` });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error_code, 'APIGW.0101');
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f]{32}$/);
  });

  it('a missing required field is named in the message', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/${PROJECT}/digital-assets`,
      headers: { 'content-type': 'application/json' },
      payload: '{"asset_type":"VIDEO"}',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error_msg, 'Invalid parameter: body.asset_name is required');
  });

  it('a value out of range names the query parameter', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/${PROJECT}/digital-assets?limit=101` });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error_msg, /query\.limit must be <= 100/);
  });

  it('malformed JSON is MSS.10000002', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/${PROJECT}/digital-assets`,
      headers: { 'content-type': 'application/json' },
      payload: '{"asset_name":',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error_code, 'MSS.10000002');
  });

  it('accepts the SDK quirks: {} on GET, empty JSON body on DELETE', async () => {
    const get = await app.inject({
      method: 'GET',
      url: `/v1/${PROJECT}/digital-assets`,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(get.statusCode, 501);
    const del = await app.inject({
      method: 'DELETE',
      url: `/v1/${PROJECT}/digital-assets/${ID}`,
      headers: { 'content-type': 'application/json', 'content-length': '0' },
    });
    assert.equal(del.statusCode, 501);
  });

  it('a caller-supplied request id that is a UUID comes back as 32 hex', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': '0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9' },
    });
    assert.equal(res.headers['x-request-id'], '0a1b2c3d4e5f60718293a4b5c6d7e8f9');
  });
});
