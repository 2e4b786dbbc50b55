// Unauthenticated load cannot exhaust the server: a body that trickles in is cut off with
// a 408, and a hundred sockets pushing large bodies under a real access key with a wrong
// signature do not make the process hold their bytes (the in-flight budget refuses them
// with 503 once spent) — measured as the child server's resident memory, with a generous
// bound — while another client's calls keep being answered.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.ts';
import { buildSignedRequest, signedFetch } from '../helpers/signer.ts';

const MiB = 1024 * 1024;

const rssBytes = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]) * 1024;
};

/** The request head (line and headers) of a signed request, and its body. */
function signedHead(url: string, opts: { body: Buffer; ak: string; sk: string; projectId: string }) {
  const req = buildSignedRequest(url, { method: 'POST', ...opts });
  const lines = [`POST ${req.url.pathname} HTTP/1.1`];
  for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}: ${v}`);
  lines.push(`content-length: ${req.body.length}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends `head`, then the body as fast as the socket takes it; resolves with what came back. */
function push(port: number, head: string, body: Buffer, chunk = 64 * 1024) {
  return new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    let offset = 0;
    const pump = () => {
      while (offset < body.length && !s.destroyed) {
        const part = body.subarray(offset, offset + chunk);
        offset += part.length;
        if (!s.write(part)) return void s.once('drain', pump);
      }
    };
    s.on('data', (c) => {
      out += c.toString('latin1');
    });
    s.on('error', () => {});
    s.on('close', () => resolve(out));
    s.write(head, pump);
  });
}

describe('limits under unauthenticated load (child server process)', () => {
  let server: ServerProcess;
  let port: number;
  let projectId: string;
  let ak: string;
  let sk: string;
  before(async () => {
    server = await startServer({
      dataDir: tempDataDir(),
      env: {
        DOPPEL_BODY_TIMEOUT_MS: '1500',
        DOPPEL_UNVERIFIED_BODY_BYTES: String(16 * MiB),
        DOPPEL_AUTH_FAILURES: '1000000',
        DOPPEL_THROTTLE: 'false',
      },
      timeoutMs: 240_000,
    });
    port = Number(new URL(server.url).port);
    ({ projectId, ak, sk } = server.banner!);
  });
  after(async () => {
    await server?.stop();
  });

  const list = () =>
    signedFetch(`${server.url}/v1/${projectId}/digital-assets`, { ak, sk, projectId }).then((r) => r.status);

  it('a body sent one byte at a time is cut off with 408 in the catalog format', async () => {
    const body = Buffer.from(`{"asset_name":"${'s'.repeat(80)}","asset_type":"IMAGE"}`);
    const head = signedHead(`${server.url}/v1/${projectId}/digital-assets`, { body, ak, sk, projectId });
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let out = '';
      let i = 0;
      const timer = setInterval(() => {
        if (i < body.length && !s.destroyed) s.write(body.subarray(i, ++i));
      }, 250);
      s.on('data', (c) => {
        out += c.toString('latin1');
      });
      s.on('error', () => {});
      s.on('close', () => {
        clearInterval(timer);
        resolve(out);
      });
      s.write(head);
    });
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /x-request-id: [0-9a-f]{32}/i);
    assert.match(answer, /"error_code":"DOPPEL\.0408"/);
    assert.equal(await list(), 200, 'other clients are answered');
  });

  it('100 sockets pushing 4 MiB bodies with a wrong signature: RSS stays bounded, others answered', async () => {
    const pid = server.child.pid!;
    const body = Buffer.alloc(4 * MiB, 0x20);
    const head = signedHead(`${server.url}/v1/${projectId}/digital-assets`, {
      body,
      ak,
      sk: 'not-the-secret-key-0123456789abcdefghijk',
      projectId,
    });
    assert.equal(await list(), 200);
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 50);
    const flood = Array.from({ length: 100 }, () => push(port, head, body));
    // Another client, while the flood is on.
    const during = await Promise.all([list(), list(), list()]);
    const answers = await Promise.all(flood);
    clearInterval(sampler);
    peak = Math.max(peak, rssBytes(pid));

    assert.deepEqual(during, [200, 200, 200]);
    const statuses = answers.map((a) => /^HTTP\/1\.1 (\d+)/.exec(a)?.[1] ?? 'closed');
    assert.ok(
      statuses.every((s) => ['401', '408', '503', 'closed'].includes(s)),
      `unexpected answers: ${[...new Set(statuses)]}`,
    );
    assert.ok(statuses.includes('503'), 'the in-flight budget refused some bodies');
    // Holding every body would take 400 MiB; the budget is 16 MiB.
    const grew = (peak - baseline) / MiB;
    assert.ok(grew < 200, `RSS grew by ${grew.toFixed(0)} MiB`);
    assert.equal(await list(), 200, 'healthy afterwards');
  });
});
