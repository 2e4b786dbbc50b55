// Malformed input against every one of the 148 operations, through the real signed path:
// wrong types, missing fields, NUL, unpaired surrogates, invalid UTF-8, huge numbers,
// Infinity, over-long ids and query values, bad percent-encoding, prototype keys. Every
// answer must be below 500 (501 for operations not implemented yet is the contract's own
// answer), in the catalog format, with an X-Request-Id; the server must be healthy after.
// The cases are derived from the generated operation table and a fixed seed, so a failure
// is reproducible; the few hundred requests per minute budget keeps the run short.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OperationDef, operations } from '../../src/contract/generated/operations.ts';
import { freshPGlite } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { sample } from '../helpers/sample.ts';

type Schema = { readonly [k: string]: unknown };
const ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** mulberry32: a small deterministic generator, so the cases are the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  name: string;
  /** Path (with `{project_id}`) and raw query, as they go on the wire. */
  url: string;
  body: Buffer | undefined;
}

const props = (s: Schema | undefined): Record<string, Schema> =>
  ((s?.properties as Record<string, Schema> | undefined) ?? {}) as Record<string, Schema>;

/** A value of another JSON type than the schema asks for. */
function wrongType(s: Schema): unknown {
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not a number';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'an array' };
    default:
      return ['not', 'an', 'object'];
  }
}

function pathFor(op: OperationDef, override: Record<string, string> = {}): string {
  const params = props(op.schema.params);
  return op.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    if (name === 'project_id') return '{project_id}';
    if (override[name] !== undefined) return override[name]!;
    const e = params[name]?.enum as string[] | undefined;
    return e?.[0] ?? ID;
  });
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function casesFor(op: OperationDef, seed: number): Case[] {
  const random = rng(seed);
  const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(random() * xs.length)] : undefined);
  const base = pathFor(op);
  const valid = op.schema.body ? (sample(op.schema.body) as Record<string, unknown>) : undefined;
  const body = (b: Buffer | undefined) => b ?? (op.method === 'GET' ? Buffer.from('{}') : undefined);
  const out: Case[] = [];

  // Path parameters other than the project: NUL, over-long, bad and surrogate percent-encodings.
  const pathParams = Object.keys(props(op.schema.params)).filter((n) => n !== 'project_id');
  for (const name of pathParams) {
    for (const [label, v] of [
      ['NUL', '%00'],
      ['150 characters', 'z'.repeat(150)],
      ['bad percent-encoding', '%ff%zz'],
      ['encoded surrogate', '%ED%A0%80'],
      ['prototype', '__proto__'],
    ] as const) {
      out.push({ name: `path ${name}: ${label}`, url: pathFor(op, { [name]: v }), body: body(undefined) });
    }
  }

  // Query parameters: non-finite, huge, NUL, over-long, bad encoding.
  const queryParams = Object.keys(props(op.schema.querystring));
  const q = pick(queryParams);
  if (q) {
    for (const v of [
      'Infinity',
      '1e309',
      '-1e400',
      '99999999999999999999',
      '%00',
      '%ED%A0%80',
      '%',
      'x'.repeat(8000),
    ]) {
      out.push({ name: `query ${q}=${v.slice(0, 20)}`, url: `${base}?${q}=${v}`, body: body(undefined) });
    }
    out.push({
      name: 'query __proto__',
      url: `${base}?__proto__[x]=1&constructor[prototype][y]=2`,
      body: body(undefined),
    });
  }

  if (valid !== undefined && op.method !== 'GET') {
    out.push({ name: 'body []', url: base, body: json([]) });
    out.push({ name: 'body "x"', url: base, body: json('x') });
    out.push({ name: 'body {} (required fields missing)', url: base, body: json({}) });
    out.push({ name: 'body not JSON', url: base, body: Buffer.from('{"a":') });
    out.push({
      name: 'body invalid UTF-8',
      url: base,
      body: Buffer.concat([Buffer.from('{"x":"a'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
    });
    out.push({
      name: 'body prototype keys',
      url: base,
      body: Buffer.from('{"__proto__":{"a":1},"constructor":{"prototype":{"b":2}}}'),
    });
    const fields = Object.entries(props(op.schema.body));
    const all = Object.fromEntries(fields.map(([k, s]) => [k, wrongType(s)]));
    out.push({ name: 'every field of the wrong type', url: base, body: json(all) });
    const strings = fields.filter(([, s]) => s.type === 'string').map(([k]) => k);
    const numbers = fields.filter(([, s]) => s.type === 'integer' || s.type === 'number').map(([k]) => k);
    const sField = pick(strings);
    if (sField) {
      out.push({ name: `${sField}: NUL`, url: base, body: json({ ...valid, [sField]: 'a\u0000b' }) });
      out.push({
        name: `${sField}: lone surrogate`,
        url: base,
        body: json({ ...valid, [sField]: 'a\ud800b' }),
      });
      out.push({
        name: `${sField}: 100 000 characters`,
        url: base,
        body: json({ ...valid, [sField]: 'x'.repeat(100_000) }),
      });
    }
    const nField = pick(numbers);
    if (nField) {
      const text = JSON.stringify({ ...valid, [nField]: 0 }).replace(`"${nField}":0`, `"${nField}":1e309`);
      out.push({ name: `${nField}: 1e309`, url: base, body: Buffer.from(text) });
      out.push({ name: `${nField}: 2^60`, url: base, body: json({ ...valid, [nField]: 2 ** 60 }) });
    }
    // A nested field, when there is one: a lone surrogate deep inside.
    const nested = fields.find(([, s]) => s.type === 'object' || s.type === 'array');
    if (nested) {
      out.push({
        name: `${nested[0]}: nested surrogate`,
        url: base,
        body: json({ ...valid, [nested[0]]: { deep: ['\udfff'] } }),
      });
    }
  }
  return out;
}

describe('fuzz: malformed input against all 148 operations', () => {
  let p: TestPlatform;
  before(async () => {
    const db = await freshPGlite();
    p = await startTestPlatform(
      { name: 'pglite', open: async () => ({ database: db, cleanup: () => db.close() }) },
      { runJobs: false, env: { DOPPEL_AUTH_FAILURES: '1000000' } },
    );
  });
  after(async () => {
    await p?.close();
  });

  it('covers every operation', () => assert.equal(operations.length, 148));

  operations.forEach((op, index) => {
    it(`${op.operationId}: no 5xx, catalog format, request id`, async () => {
      const cases = casesFor(op, 0x5eed + index);
      for (const c of cases) {
        const r = await p.call(op.method, c.url, {
          body: c.body,
          headers: { 'content-type': 'application/json' },
        });
        const where = `${op.operationId} ${c.name}: ${r.status} ${r.raw.toString('utf8').slice(0, 300)}`;
        assert.ok(r.status < 500 || r.status === 501, where);
        assert.match(String(r.headers['x-request-id']), /^[0-9a-f]{32}$/, where);
        if (r.status >= 400) {
          assert.equal(typeof r.body, 'object', where);
          assert.deepEqual(Object.keys(r.body).sort(), ['error_code', 'error_msg'], where);
        }
      }
    });
  });

  it('the server is healthy afterwards', async () => {
    assert.equal((await p.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    assert.equal((await p.app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
    const list = await p.call('GET', '/v1/{project_id}/digital-assets');
    assert.equal(list.status, 200);
  });
});
