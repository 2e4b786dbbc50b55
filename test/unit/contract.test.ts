// The generated contract layer: the operation table is complete and consistent, every route
// schema compiles under Fastify's own Ajv and fast-json-stringify, and validation behaves the
// way the HTTP layer relies on (400 naming the field, query coercion, array query params).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { type OperationDef, type OperationTypes, operations } from '../../src/contract/generated/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('operation table', () => {
  test('has 148 operations with unique ids and routes, all project-scoped', () => {
    assert.equal(operations.length, 148);
    assert.equal(new Set(operations.map((op) => op.operationId)).size, 148);
    assert.equal(new Set(operations.map((op) => `${op.method} ${op.url}`)).size, 148);
    for (const op of operations) {
      assert.ok(op.url.startsWith('/v1/:project_id/'), op.url);
      assert.ok(!op.url.includes('{'), op.url);
      const required = op.schema.params.required;
      assert.ok(Array.isArray(required) && required.includes('project_id'), op.operationId);
    }
  });

  test('carries the contract quirks', () => {
    const byId = new Map(operations.map((op) => [op.operationId, op]));
    const get = (id: string): OperationDef => byId.get(id as OperationDef['operationId'])!;
    assert.deepEqual(
      operations.filter((op) => op.successStatus !== 200).map((op) => op.operationId),
      ['StartSmartLive'],
    );
    assert.equal(get('StartSmartLive').successStatus, 202);
    assert.ok(get('StartSmartLive').schema.response[202]);
    const exporter = get('ExportKnowledgeSkill');
    assert.equal(exporter.responseContentType, 'application/octet-stream');
    assert.equal(exporter.hasBody, true);
    assert.deepEqual(exporter.schema.response, {});
    assert.equal(get('DeleteAsset').hasBody, false);
    assert.deepEqual(get('ListAssets').arrayQueryParams, ['accurate_query_field', 'asset_id']);
    assert.ok(get('ListAssets').scalarQueryParams.includes('limit'));
    assert.deepEqual(get('ListAssets').throttle, { 'cn-north-4': 20, 'cn-east-3': 10, 'ap-southeast-1': 10 });
    // Seven batch deletes take a bare JSON array of ids.
    const bareArrays = operations.filter((op) => op.schema.body?.type === 'array');
    assert.equal(bareArrays.length, 7);
    assert.ok(bareArrays.every((op) => op.bodyRequired));
  });

  test('headers are operation-specific and lowercase; Authorization is left to the auth layer', () => {
    for (const op of operations) {
      const names = Object.keys((op.schema.headers?.properties ?? {}) as object);
      for (const name of names) assert.equal(name, name.toLowerCase(), `${op.operationId} ${name}`);
      assert.ok(!names.includes('authorization'), op.operationId);
      assert.equal(op.schema.headers?.required, undefined, op.operationId);
    }
    const ttsc = operations.find((op) => op.operationId === 'CreateTtsAudition')!;
    assert.deepEqual((ttsc.schema.headers!.properties as Record<string, unknown>)['x-request-id'], {
      type: 'string',
      maxLength: 32,
      minLength: 1,
    });
  });

  test('schemas are clean draft-07: known formats only, no date-time in responses, u-flag patterns', () => {
    const allowed = new Set(['date-time', 'uri', 'email', 'uuid']);
    const visit = (schema: unknown, inResponse: boolean, where: string): void => {
      if (Array.isArray(schema)) {
        for (const item of schema) visit(item, inResponse, where);
        return;
      }
      if (!schema || typeof schema !== 'object') return;
      const s = schema as Record<string, unknown>;
      assert.equal(s.$ref, undefined, `${where}: $ref left`);
      assert.notEqual(s.additionalProperties, false, `${where}: additionalProperties false`);
      for (const k of ['description', 'example', 'title', 'nullable']) assert.ok(!(k in s), `${where}: ${k}`);
      assert.ok(!Object.keys(s).some((k) => k.startsWith('x-')), `${where}: x- key`);
      if (s.format !== undefined) {
        assert.ok(allowed.has(s.format as string), `${where}: format ${s.format}`);
        assert.ok(!(inResponse && s.format === 'date-time'), `${where}: date-time in a response`);
      }
      if (typeof s.pattern === 'string') new RegExp(s.pattern, 'u');
      const props = (s.properties ?? {}) as Record<string, unknown>;
      for (const [name, p] of Object.entries(props)) visit(p, inResponse, `${where}.${name}`);
      for (const k of ['items', 'additionalProperties', 'oneOf', 'anyOf', 'allOf'])
        visit(s[k], inResponse, where);
    };
    for (const op of operations) {
      const { response, ...request } = op.schema;
      visit(Object.values(request), false, op.operationId);
      visit(Object.values(response), true, op.operationId);
    }
  });
});

describe('route schemas in a bare Fastify app', () => {
  let app: FastifyInstance;
  let readyMs = 0;
  const seenQuery = new Map<string, unknown>();

  before(async () => {
    app = Fastify();
    for (const op of operations) {
      app.route({
        method: op.method,
        url: op.url,
        schema: op.schema,
        handler: async (request, reply) => {
          seenQuery.set(op.operationId, { ...(request.query as object) }); // the parser's object has no prototype
          reply.code(op.successStatus);
          if (op.responseContentType === 'application/octet-stream') {
            return reply.type(op.responseContentType).send(Buffer.from('skill'));
          }
          if (op.operationId === 'ListAssets') {
            const body: OperationTypes['ListAssets']['response'] = { count: 0, assets: [] };
            return { ...body, not_in_contract: 'dropped by the serializer' };
          }
          return op.hasBody ? {} : reply.send();
        },
      });
    }
    const started = performance.now();
    await app.ready(); // compiles every validator and serializer
    readyMs = performance.now() - started;
  });

  after(() => app.close());

  test('all 148 routes compile', (t) => {
    t.diagnostic(`app.ready() with ${operations.length} routes: ${readyMs.toFixed(0)} ms`);
    assert.equal(app.printRoutes().length > 0, true);
  });

  test('an invalid body gets 400 naming the field', async () => {
    const url = '/v1/p1/digital-assets';
    const badEnum = await app.inject({
      method: 'POST',
      url,
      payload: { asset_name: 'a', asset_type: 'NOPE' },
    });
    assert.equal(badEnum.statusCode, 400);
    assert.match(badEnum.json().message, /asset_type/);

    const missing = await app.inject({ method: 'POST', url, payload: { asset_type: 'VIDEO' } });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json().message, /asset_name/);

    const ok = await app.inject({ method: 'POST', url, payload: { asset_name: 'a', asset_type: 'VIDEO' } });
    assert.equal(ok.statusCode, 200);
  });

  test('query params are range-checked and coerced, with defaults filled in', async () => {
    const zero = await app.inject({ method: 'GET', url: '/v1/p1/digital-assets?limit=0' });
    assert.equal(zero.statusCode, 400);
    assert.match(zero.json().message, /limit/);

    const five = await app.inject({ method: 'GET', url: '/v1/p1/digital-assets?limit=5&unknown_param=1' });
    assert.equal(five.statusCode, 200);
    assert.deepEqual(five.json(), { count: 0, assets: [] });
    assert.deepEqual(seenQuery.get('ListAssets'), { limit: 5, offset: 0, unknown_param: '1' });
  });

  test('array query params take repeated keys, and a single value becomes a one-item array', async () => {
    const repeated = await app.inject({ method: 'GET', url: '/v1/p1/digital-assets?asset_id=a&asset_id=b' });
    assert.equal(repeated.statusCode, 200);
    assert.deepEqual((seenQuery.get('ListAssets') as { asset_id: unknown }).asset_id, ['a', 'b']);

    await app.inject({ method: 'GET', url: '/v1/p1/digital-assets?asset_id=a' });
    assert.deepEqual((seenQuery.get('ListAssets') as { asset_id: unknown }).asset_id, ['a']);
  });

  test('header limits apply, under any header case', async () => {
    const tooLong = await app.inject({
      method: 'GET',
      url: '/v1/p1/digital-assets',
      headers: { 'X-App-UserId': 'u'.repeat(257) },
    });
    assert.equal(tooLong.statusCode, 400);
    assert.match(tooLong.json().message, /x-app-userid/);
  });

  test('a bare JSON array body is accepted by the batch deletes', async () => {
    const url = '/v1/p1/digital-human-chat/robot/delete';
    assert.equal((await app.inject({ method: 'POST', url, payload: ['r1', 'r2'] })).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url, payload: { ids: ['r1'] } })).statusCode, 400);
  });

  test('StartSmartLive answers 202 with its response schema', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/p1/smart-live-rooms/room1/smart-live-jobs',
      payload: {},
    });
    assert.equal(res.statusCode, 202);
  });
});

test('gen-contract --check passes on the committed output', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/gen-contract.ts', '--check'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.match(out, /OK/);
});
