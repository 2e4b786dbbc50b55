import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AccountsService } from '../../src/core/auth/accounts.service.ts';
import { hashToken, UnsealError } from '../../src/core/auth/secrets.ts';
import { AppError } from '../../src/core/errors/index.ts';
import type { Clock } from '../../src/core/util/time.ts';
import { describeEachDb, type TestDb } from '../helpers/db.ts';

const FAST = { N: 1024, r: 8, p: 1 };
const T0 = new Date('2024-01-15T08:30:00.000Z');

class TestClock implements Clock {
  t = T0.getTime();
  now = () => new Date(this.t);
  advance(ms: number) {
    this.t += ms;
  }
}

const isAppError = (status: number, code: string, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof AppError, `expected an AppError, got ${e}`);
  assert.equal(e.status, status);
  assert.equal(e.code, code);
  if (message) assert.match(e.message, message);
  return true;
};

await describeEachDb('accounts service', (leg) => {
  let t: TestDb;
  let clock: TestClock;
  let masterKey: Buffer;
  let svc: AccountsService;
  const make = (over: Partial<ConstructorParameters<typeof AccountsService>[0]> = {}) =>
    new AccountsService({ db: t.database.db, masterKey, clock, passwordCost: FAST, ...over });

  before(async () => {
    t = await leg.open();
    clock = new TestClock();
    masterKey = randomBytes(32);
    svc = make();
  });
  after(() => t.cleanup());

  describe('bootstrap', () => {
    it('creates a default project and key on an empty database, once', async () => {
      const first = await svc.ensureBootstrap({ region: 'cn-north-4' });
      assert.ok(first);
      assert.match(first.projectId, /^[0-9a-f]{32}$/);
      assert.equal(first.project.id, first.projectId);
      assert.equal(first.project.name, 'cn-north-4');
      assert.equal(first.project.domainName, 'doppel');
      assert.match(first.ak, /^[A-Z0-9]{20}$/);
      assert.match(first.sk, /^[A-Za-z0-9]{40}$/);
      assert.deepEqual(await svc.lookupSecret(first.ak), { sk: first.sk, projectId: first.projectId });
      assert.equal(await svc.ensureBootstrap({ region: 'cn-north-4' }), null);
      assert.equal(await make().ensureBootstrap({ region: 'cn-east-3' }), null);
      assert.equal((await svc.listProjects()).length, 1);
    });

    it('lets exactly one of several concurrent starters bootstrap', async () => {
      const fresh = await leg.open();
      try {
        const starters = [1, 2, 3].map(
          () => new AccountsService({ db: fresh.database.db, masterKey, clock, passwordCost: FAST }),
        );
        const results = await Promise.all(starters.map((s) => s.ensureBootstrap({ region: 'cn-north-4' })));
        assert.equal(results.filter((r) => r !== null).length, 1);
        const rows = await fresh.database.db.selectFrom('credentials').select('access_key').execute();
        assert.equal(rows.length, 1);
      } finally {
        await fresh.cleanup();
      }
    });
  });

  describe('projects', () => {
    it('creates with a given or generated id, refuses duplicates and bad ids', async () => {
      const id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
      const p = await svc.createProject({ name: 'proj-a', domainName: 'acme', id });
      assert.deepEqual(
        { ...p, createdAt: undefined },
        {
          id,
          name: 'proj-a',
          domainName: 'acme',
          createdAt: undefined,
        },
      );
      assert.equal(p.createdAt.getTime(), clock.t);
      const q = await svc.createProject({ name: 'proj-b' });
      assert.match(q.id, /^[0-9a-f]{32}$/);
      assert.equal(q.domainName, 'doppel');
      await assert.rejects(
        svc.createProject({ name: 'other', id }),
        isAppError(400, 'MSS.00000003', /already exists/),
      );
      await assert.rejects(
        svc.createProject({ name: 'proj-a', domainName: 'acme' }),
        isAppError(400, 'MSS.00000003', /already exists/),
      );
      await assert.rejects(
        svc.createProject({ name: 'x', id: 'ABC' }),
        isAppError(400, 'MSS.00000003', /32 lowercase hex/),
      );
      await assert.rejects(svc.createProject({ name: '' }), isAppError(400, 'MSS.00000003', /required/));
      assert.deepEqual(await svc.getProject(id), p);
      assert.equal(await svc.getProject('b'.repeat(32)), null);
      assert.ok((await svc.listProjects()).some((x) => x.id === q.id));
    });

    it('ensureProject creates a row for a loose-mode project once', async () => {
      const id = 'cccccccccccccccccccccccccccccccc';
      await svc.ensureProject(id);
      await svc.ensureProject(id);
      const p = await svc.getProject(id);
      assert.equal(p?.name, id);
      await assert.rejects(svc.ensureProject('nope'), isAppError(400, 'MSS.00000003'));
    });
  });

  describe('credentials', () => {
    let projectId: string;
    before(async () => {
      projectId = (await svc.createProject({ name: 'creds', domainName: 'acme' })).id;
    });

    it('seals the secret key at rest and returns it in the clear only on creation', async () => {
      const c = await svc.createCredential(projectId, 'ci key');
      assert.equal(c.projectId, projectId);
      const row = await t.database.db
        .selectFrom('credentials')
        .selectAll()
        .where('access_key', '=', c.ak)
        .executeTakeFirstOrThrow();
      assert.ok(!row.secret_sealed.includes(c.sk), 'the sealed column must not hold the secret key');
      assert.ok(!Buffer.from(row.secret_sealed).toString('base64').includes(c.sk));
      assert.match(row.secret_sealed, /^v1:/);
      assert.equal(row.description, 'ci key');

      const list = await svc.listCredentials(projectId);
      assert.deepEqual(list, [
        { accessKey: c.ak, projectId, description: 'ci key', createdAt: new Date(clock.t), lastUsedAt: null },
      ]);
      assert.ok(!JSON.stringify(await svc.listCredentials()).includes(c.sk));
      assert.ok((await svc.listCredentials()).length >= 2);
      assert.deepEqual(await svc.lookupSecret(c.ak), { sk: c.sk, projectId });
      assert.equal(await svc.lookupSecret('NOSUCHKEY00000000000'), null);
    });

    it('refuses a key for a project that does not exist', async () => {
      await assert.rejects(
        svc.createCredential('d'.repeat(32)),
        isAppError(400, 'MSS.00000003', /does not exist/),
      );
    });

    it('deleting a key takes effect at once on this node, despite the cache', async () => {
      const c = await svc.createCredential(projectId);
      assert.ok(await svc.lookupSecret(c.ak)); // now cached
      assert.equal(await svc.deleteCredential(c.ak), true);
      assert.equal(await svc.lookupSecret(c.ak), null);
      assert.equal(await svc.deleteCredential(c.ak), false);
    });

    it('another node keeps a cached key until its cache entry expires (documented window)', async () => {
      const c = await svc.createCredential(projectId);
      const otherNode = make();
      const uncached = make({ secretCacheTtlMs: 0 });
      assert.ok(await otherNode.lookupSecret(c.ak));
      assert.equal(await svc.deleteCredential(c.ak), true);
      assert.ok(await otherNode.lookupSecret(c.ak), 'stale within the TTL');
      assert.equal(await uncached.lookupSecret(c.ak), null);
    });

    it('a different master key is a server fault, not an unknown key', async () => {
      const c = await svc.createCredential(projectId);
      await assert.rejects(make({ masterKey: randomBytes(32) }).lookupSecret(c.ak), UnsealError);
    });

    it('records last use at most once a minute', async () => {
      const c = await svc.createCredential(projectId);
      const lastUsed = async () =>
        (await svc.listCredentials(projectId)).find((x) => x.accessKey === c.ak)!.lastUsedAt?.getTime();
      await svc.markCredentialUsed(c.ak);
      const first = clock.t;
      assert.equal(await lastUsed(), first);
      clock.advance(30_000);
      await svc.markCredentialUsed(c.ak);
      assert.equal(await lastUsed(), first);
      clock.advance(31_000);
      await svc.markCredentialUsed(c.ak);
      assert.equal(await lastUsed(), clock.t);
    });
  });

  describe('users and tokens', () => {
    let home: { id: string; name: string };
    let foreign: { id: string };
    before(async () => {
      home = await svc.createProject({ name: 'cn-north-4', domainName: 'tenant1' });
      foreign = await svc.createProject({ name: 'cn-north-4', domainName: 'tenant2' });
    });

    it('creates, lists and refuses duplicate users and short passwords', async () => {
      const u = await svc.createUser({ domainName: 'tenant1', name: 'alice', password: 'alice-password' });
      assert.match(u.id, /^[0-9a-f]{32}$/);
      assert.equal(u.domainName, 'tenant1');
      const row = await t.database.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', u.id)
        .executeTakeFirstOrThrow();
      assert.match(row.password_hash, /^scrypt\$1024\$8\$1\$/);
      assert.ok(!row.password_hash.includes('alice-password'));
      await assert.rejects(
        svc.createUser({ domainName: 'tenant1', name: 'alice', password: 'another-password' }),
        isAppError(400, 'MSS.00000003', /already exists/),
      );
      await assert.rejects(
        svc.createUser({ domainName: 'tenant1', name: 'bob', password: 'short' }),
        isAppError(400, 'MSS.00000003', /at least 8/),
      );
      assert.ok((await svc.listUsers()).some((x) => x.id === u.id));
    });

    it('issues a 24 h token scoped by project name or id, stored only as a hash', async () => {
      const byName = await svc.issueToken({
        domainName: 'tenant1',
        userName: 'alice',
        password: 'alice-password',
        project: { name: 'cn-north-4' },
      });
      assert.equal(byName.project.id, home.id);
      assert.equal(byName.user.name, 'alice');
      assert.equal(byName.issuedAt.getTime(), clock.t);
      assert.equal(byName.expiresAt.getTime() - byName.issuedAt.getTime(), 24 * 3600 * 1000);
      assert.match(byName.token, /^MIID/);
      const row = await t.database.db
        .selectFrom('auth_tokens')
        .selectAll()
        .where('token_hash', '=', hashToken(byName.token))
        .executeTakeFirstOrThrow();
      assert.equal(row.project_id, home.id);
      assert.deepEqual(await svc.verifyToken(byName.token), { projectId: home.id, userId: byName.user.id });

      const byId = await svc.issueToken({
        domainName: 'tenant1',
        userName: 'alice',
        password: 'alice-password',
        project: { id: home.id },
      });
      assert.notEqual(byId.token, byName.token);
      assert.equal((await svc.verifyToken(byId.token)).projectId, home.id);
    });

    it('answers a wrong password and an unknown user alike', async () => {
      for (const input of [
        { domainName: 'tenant1', userName: 'alice', password: 'wrong-password' },
        { domainName: 'tenant1', userName: 'nobody', password: 'alice-password' },
        { domainName: 'nodomain', userName: 'alice', password: 'alice-password' },
      ]) {
        await assert.rejects(
          svc.issueToken({ ...input, project: { name: 'cn-north-4' } }),
          isAppError(401, 'DOPPEL.IAM0401', /^The username or password is wrong\.$/),
        );
      }
    });

    it("refuses a scope outside the user's domain", async () => {
      const base = { domainName: 'tenant1', userName: 'alice', password: 'alice-password' };
      for (const project of [
        { id: foreign.id },
        { name: 'nosuch' },
        { id: 'e'.repeat(32) },
        { id: home.id, name: 'x' },
      ]) {
        await assert.rejects(svc.issueToken({ ...base, project }), isAppError(401, 'DOPPEL.IAM0401'));
      }
      await assert.rejects(svc.issueToken({ ...base, project: {} }), isAppError(400, 'DOPPEL.IAM0400'));
    });

    it('rejects unknown tokens and expires tokens after 24 h', async () => {
      await assert.rejects(
        svc.verifyToken('MIIDnotatoken'),
        isAppError(401, 'APIGW.0301', /decrypt token fail/),
      );
      const clock2 = new TestClock();
      clock2.t = clock.t;
      const s2 = make({ clock: clock2 });
      const tok = await s2.issueToken({
        domainName: 'tenant1',
        userName: 'alice',
        password: 'alice-password',
        project: { id: home.id },
      });
      clock2.advance(24 * 3600 * 1000 - 1);
      assert.equal((await s2.verifyToken(tok.token)).projectId, home.id);
      clock2.advance(1);
      await assert.rejects(
        s2.verifyToken(tok.token),
        isAppError(401, 'APIGW.0301', /token expires, expires_at: /),
      );
      // Also without a warm cache.
      await assert.rejects(
        make({ clock: clock2 }).verifyToken(tok.token),
        isAppError(401, 'APIGW.0301', /expires/),
      );

      const before = await t.database.db.selectFrom('auth_tokens').select('token_hash').execute();
      const purged = await s2.purgeExpiredTokens();
      assert.ok(purged >= 1);
      const remaining = await t.database.db.selectFrom('auth_tokens').select('token_hash').execute();
      assert.equal(remaining.length, before.length - purged);
      assert.ok(!remaining.some((r) => r.token_hash === hashToken(tok.token)));
    });

    it('deleting a user revokes their tokens', async () => {
      await svc.createUser({ domainName: 'tenant1', name: 'carol', password: 'carol-password' });
      const tok = await svc.issueToken({
        domainName: 'tenant1',
        userName: 'carol',
        password: 'carol-password',
        project: { name: 'cn-north-4' },
      });
      assert.ok(await svc.verifyToken(tok.token));
      assert.equal(await svc.deleteUser({ domainName: 'tenant1', name: 'carol' }), true);
      assert.equal(await svc.deleteUser({ domainName: 'tenant1', name: 'carol' }), false);
      await assert.rejects(svc.verifyToken(tok.token), isAppError(401, 'APIGW.0301'));
      assert.ok(!(await svc.listUsers()).some((u) => u.name === 'carol'));
    });
  });
});
