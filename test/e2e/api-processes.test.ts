// `doppel serve --api-processes 2` on PostgreSQL: both API processes answer signed requests
// on the one port (X-Doppel-Process names the process), a child killed with SIGKILL is
// started again while the other keeps serving, and SIGTERM stops every process with exit
// code 0. Embedded mode refuses the option. Every request opens a connection of its own, so
// the primary hands each one to the next child in turn.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { createPostgresDatabase, postgresUnavailable } from '../helpers/db.ts';
import { runCli, type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.ts';
import { buildSignedRequest } from '../helpers/signer.ts';

const skip = await postgresUnavailable();

interface Answer {
  status: number;
  process: string | undefined;
}

/** One signed ListAssets on a connection of its own. */
function listAssets(server: ServerProcess): Promise<Answer> {
  const cred = server.banner!;
  const url = `${server.url}/v1/${cred.projectId}/digital-assets`;
  const r = buildSignedRequest(url, { ak: cred.ak, sk: cred.sk, projectId: cred.projectId });
  const u = new URL(url);
  const headers: Record<string, string> = { ...r.headers };
  if (r.body && r.body.length > 0) headers['content-length'] = String(r.body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { method: r.method, hostname: u.hostname, port: u.port, path: u.pathname, headers, agent: false },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            process: res.headers['x-doppel-process'] as string | undefined,
          }),
        );
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(r.body && r.body.length > 0 ? r.body : undefined);
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('serve --api-processes', { timeout: 600_000 }, () => {
  it('refuses in embedded mode (PGlite is one process)', () => {
    const dataDir = tempDataDir();
    try {
      const r = runCli(['serve', '--api-processes', '2'], { DOPPEL_DATA_DIR: dataDir, DATABASE_URL: '' });
      assert.equal(r.status, 78, r.stderr);
      assert.match(r.stderr, /--api-processes 2 needs PostgreSQL/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses without REDIS_URL while throttling, and for role worker', () => {
    const dataDir = tempDataDir();
    // Refused before any connection is made, so the URL need not lead anywhere.
    const pg = {
      DOPPEL_DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      REDIS_URL: '',
    };
    try {
      const throttled = runCli(['serve', '--api-processes', '2'], pg);
      assert.equal(throttled.status, 78, throttled.stderr);
      assert.match(throttled.stderr, /needs REDIS_URL/);
      const worker = runCli(['serve', '--api-processes', '2', '--role', 'worker'], {
        ...pg,
        DOPPEL_THROTTLE: 'false',
      });
      assert.equal(worker.status, 78, worker.stderr);
      assert.match(worker.stderr, /role worker serves no API/);
      const bad = runCli(['serve', '--api-processes', '0'], pg);
      assert.equal(bad.status, 2, bad.stderr);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('two processes on PostgreSQL: both serve, a killed one comes back, SIGTERM stops all with 0', {
    skip,
  }, async () => {
    const db = await createPostgresDatabase();
    const dataDir = tempDataDir();
    let server: ServerProcess | undefined;
    after(async () => {
      await server?.kill();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    server = await startServer({
      dataDir,
      args: ['--api-processes', '2'],
      env: { DATABASE_URL: db.url, DOPPEL_THROTTLE: 'false', REDIS_URL: '' },
      timeoutMs: 240_000,
    });
    const s = server;
    assert.ok(s.banner, s.output());

    /** Sends signed requests (each must answer 200) until `done` accepts the set of process tags seen. */
    const serveUntil = async (what: string, done: (seen: Set<string>) => boolean): Promise<Set<string>> => {
      const seen = new Set<string>();
      const deadline = Date.now() + 180_000;
      while (!done(seen)) {
        if (Date.now() > deadline)
          assert.fail(`${what}: saw ${[...seen].join(', ')}\n${s.output().slice(-4000)}`);
        const a = await listAssets(s).catch((e: Error) =>
          assert.fail(`${what}: ${e.message} after ${[...seen].join(', ')}\n${s.output().slice(-4000)}`),
        );
        assert.equal(a.status, 200, `a signed ListAssets answered ${a.status}\n${s.output().slice(-3000)}`);
        assert.match(a.process ?? '', /^[12]:\d+$/, 'X-Doppel-Process names the process');
        seen.add(a.process!);
        await new Promise((r) => setTimeout(r, 50));
      }
      return seen;
    };
    const byIndex = (seen: Set<string>, index: string) => [...seen].filter((t) => t.startsWith(`${index}:`));

    const first = await serveUntil(
      'both processes answer',
      (seen) => byIndex(seen, '1').length > 0 && byIndex(seen, '2').length > 0,
    );
    const pid1 = Number(byIndex(first, '1')[0]!.split(':')[1]);
    const pid2 = Number(byIndex(first, '2')[0]!.split(':')[1]);
    assert.notEqual(pid1, pid2);
    assert.notEqual(pid2, s.child.pid, 'the primary serves no requests');

    process.kill(pid2, 'SIGKILL');
    // A connection the primary hands to the child in the moment between the kill and the
    // primary seeing the exit is lost with it (node:cluster's round robin; docs/cluster.md),
    // so the next requests wait until the primary has noticed.
    const deadline = Date.now() + 30_000;
    while (!/api process died; starting it again/.test(s.output())) {
      if (Date.now() > deadline)
        assert.fail(`the primary did not notice the kill\n${s.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const later = await serveUntil('process 2 is started again', (seen) =>
      byIndex(seen, '2').some((t) => t !== `2:${pid2}`),
    );
    const newPid2 = Number(
      byIndex(later, '2')
        .find((t) => t !== `2:${pid2}`)!
        .split(':')[1],
    );
    assert.ok([...later].some((t) => t === `1:${pid1}`) || alive(pid1), 'process 1 kept running');

    const code = await s.stop();
    assert.equal(code, 0, s.output().slice(-3000));
    for (const pid of [pid1, newPid2]) assert.equal(alive(pid), false, `process ${pid} is gone`);
    assert.match(s.output(), /"process":1,"pid":\d+,"code":0/);
    assert.match(s.output(), /"process":2,"pid":\d+,"code":0/);
  });
});
