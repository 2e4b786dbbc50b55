// Every answer Doppel gives is in the catalog format with an X-Request-Id: its own errors,
// Fastify's (unknown route, bad percent-encoding, over-long path parameter, body limit)
// and Node's, answered on the raw socket (headers too large, headers too slow, bytes that
// are not HTTP). A real listening server, since the socket-level ones never reach inject.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freshPGlite } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const catalog = (raw: string) => {
  const [head, body] = raw.split('\r\n\r\n', 2) as [string, string];
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
  const requestId = /\r\nx-request-id: ([0-9a-f]{32})\r\n/i.exec(`${head}\r\n`)?.[1];
  return { status, requestId, body: JSON.parse(body) as { error_code: string; error_msg: string }, head };
};

/** Writes raw bytes to the server and reads until it closes the connection. */
function rawExchange(port: number, bytes: string | Buffer, opts: { endAfterMs?: number } = {}) {
  return new Promise<string>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (c) => {
      out += c.toString('latin1');
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.write(bytes);
    if (opts.endAfterMs !== undefined) setTimeout(() => s.end(), opts.endAfterMs).unref();
  });
}

describe('HTTP errors in the catalog format', () => {
  let p: TestPlatform;
  let port: number;
  before(async () => {
    const db = await freshPGlite();
    p = await startTestPlatform(
      { name: 'pglite', open: async () => ({ database: db, cleanup: () => db.close() }) },
      { runJobs: false, env: { DOPPEL_BODY_LIMIT_BYTES: '4096', DOPPEL_HEADERS_TIMEOUT_MS: '400' } },
    );
    await p.app.listen({ host: '127.0.0.1', port: 0 });
    port = (p.app.server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await p?.close();
  });

  const assertCatalog = (
    r: { status: number; body: unknown; headers: Record<string, unknown> },
    status: number,
  ) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body as object).sort(), ['error_code', 'error_msg']);
    assert.match(String(r.headers['x-request-id']), /^[0-9a-f]{32}$/);
  };

  it('an unknown route, a bad percent-encoding, an over-long path parameter', async () => {
    const unknown = await p.call('GET', '/v1/{project_id}/no-such-thing');
    assertCatalog(unknown, 404);
    assert.equal(unknown.body.error_code, 'APIGW.0101');
    const bad = await p.call('GET', '/v1/{project_id}/digital-assets/%ff');
    assertCatalog(bad, 400);
    assert.equal(bad.body.error_code, 'MSS.00000003');
    const long = await p.call('GET', `/v1/{project_id}/digital-assets/${'a'.repeat(150)}`);
    assertCatalog(long, 400);
    assert.match(long.body.error_msg, /longer than 100 characters/);
  });

  it('413 names the real limit, and is decided from Content-Length before the body is read', async () => {
    const r = await p.call('POST', '/v1/{project_id}/digital-assets', {
      body: { asset_name: 'x'.repeat(5000), asset_type: 'IMAGE' },
    });
    assertCatalog(r, 413);
    assert.match(r.body.error_msg, /exceeds 4096 bytes/);
    // Only the headers are sent: the answer comes without the body ever arriving.
    const head =
      'POST /v1/0123456789abcdef0123456789abcdef/digital-assets HTTP/1.1\r\nHost: x\r\n' +
      'Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n';
    const answer = catalog(await rawExchange(port, head));
    assert.equal(answer.status, 413);
    assert.ok(answer.requestId);
  });

  it("Node's 431 for headers or a URL over 16 KiB", async () => {
    const answer = catalog(
      await rawExchange(port, `GET /v1/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    );
    assert.equal(answer.status, 431);
    assert.equal(answer.body.error_code, 'DOPPEL.0431');
    assert.ok(answer.requestId);
  });

  it('bytes that are not HTTP', async () => {
    const answer = catalog(await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n'));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error_code, 'DOPPEL.0400');
    assert.ok(answer.requestId);
  });

  it('headers that never finish get a 408 and the connection is closed', async () => {
    const answer = catalog(await rawExchange(port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: a'));
    assert.equal(answer.status, 408);
    assert.equal(answer.body.error_code, 'DOPPEL.0408');
    assert.ok(answer.requestId);
  });

  it('the server still answers afterwards', async () => {
    const r = await p.call('GET', '/v1/{project_id}/digital-assets');
    assert.equal(r.status, 200);
  });
});
