import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AuthenticatorService,
  type AuthRequest,
  createAuthenticator,
} from '../../src/core/auth/authenticate.ts';
import { AppError, Errors } from '../../src/core/errors/index.ts';
import { buildSignedRequest } from '../helpers/signer.ts';

const AK = 'TESTAK0123456789ABCD';
const SK = 'TestSecretKey0123456789abcdefghijklmnopqr';
const P1 = '0123456789abcdef0123456789abcdef';
const P2 = 'fedcba9876543210fedcba9876543210';
const TOKEN = 'MIIDgoodtoken';
const NOW = new Date('2024-01-15T08:30:00Z');
const clock = { now: () => NOW };

function fakeService(over: Partial<AuthenticatorService> = {}) {
  const used: string[] = [];
  const service: AuthenticatorService = {
    lookupSecret: async (ak) => (ak === AK ? { sk: SK, projectId: P1 } : null),
    markCredentialUsed: async (ak) => {
      used.push(ak);
    },
    verifyToken: async (token) => {
      if (token === TOKEN) return { projectId: P1, userId: 'u1' };
      throw Errors.authFailed('decrypt token fail');
    },
    ...over,
  };
  return { service, used };
}

function signed(
  path: string,
  opts: { projectId?: string; sk?: string; headers?: Record<string, string>; method?: string } = {},
): AuthRequest {
  const r = buildSignedRequest(`http://localhost:8080${path}`, {
    method: opts.method ?? 'GET',
    ak: AK,
    sk: opts.sk ?? SK,
    projectId: opts.projectId ?? P1,
    headers: opts.headers,
    date: NOW,
  });
  return {
    method: r.method,
    rawPath: r.url.pathname,
    rawQuery: r.url.search.slice(1),
    headers: r.headers,
    body: r.body,
    pathProjectId: path.split('/')[2],
  };
}

const plain = (pathProjectId: string | undefined, headers: Record<string, string> = {}): AuthRequest => ({
  method: 'GET',
  rawPath: `/v1/${pathProjectId}/digital-assets`,
  rawQuery: '',
  headers,
  body: Buffer.alloc(0),
  pathProjectId,
});

const fails = (status: number, code: string, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof AppError, `expected an AppError, got ${e}`);
  assert.equal(e.status, status);
  assert.equal(e.code, code);
  if (message) assert.match(e.message, message);
  return true;
};

describe('authenticate: strict', () => {
  it('accepts a signed request and records the key as used', async () => {
    const { service, used } = fakeService();
    const auth = createAuthenticator({ service, mode: 'strict', clock });
    assert.deepEqual(await auth(signed(`/v1/${P1}/digital-assets?limit=1`)), {
      kind: 'aksk',
      projectId: P1,
      accessKey: AK,
    });
    assert.deepEqual(used, [AK]);
  });

  it('accepts a token, which wins over a signature', async () => {
    const auth = createAuthenticator({ service: fakeService().service, mode: 'strict', clock });
    assert.deepEqual(await auth(plain(P1, { 'x-auth-token': TOKEN })), {
      kind: 'token',
      projectId: P1,
      userId: 'u1',
    });
    const both = signed(`/v1/${P1}/digital-assets`);
    (both.headers as Record<string, string>)['x-auth-token'] = TOKEN;
    assert.equal((await auth(both)).kind, 'token');
  });

  it('refuses a request without credentials, with bad ones, or with a bad signature', async () => {
    const auth = createAuthenticator({ service: fakeService().service, mode: 'strict', clock });
    await assert.rejects(auth(plain(P1)), fails(401, 'APIGW.0301', /no credentials/));
    await assert.rejects(
      auth(plain(P1, { 'x-auth-token': 'MIIDbad' })),
      fails(401, 'APIGW.0301', /decrypt token/),
    );
    await assert.rejects(
      auth(plain(P1, { authorization: 'Basic eDp5' })),
      fails(401, 'APIGW.0301', /unsupported algorithm/),
    );
    await assert.rejects(
      auth(signed(`/v1/${P1}/digital-assets`, { sk: 'x'.repeat(40) })),
      fails(401, 'APIGW.0301', /signature fail/),
    );
  });

  it("checks the signature's time against the injected clock", async () => {
    const late = { now: () => new Date(NOW.getTime() + 16 * 60_000) };
    const auth = createAuthenticator({ service: fakeService().service, mode: 'strict', clock: late });
    await assert.rejects(auth(signed(`/v1/${P1}/digital-assets`)), fails(401, 'APIGW.0301', /15 minutes/));
  });

  it("refuses another tenant's project in the path (MSS.00010009)", async () => {
    const auth = createAuthenticator({ service: fakeService().service, mode: 'strict', clock });
    await assert.rejects(auth(signed(`/v1/${P2}/digital-assets`)), fails(400, 'MSS.00010009'));
    await assert.rejects(auth(plain(P2, { 'x-auth-token': TOKEN })), fails(400, 'MSS.00010009'));
  });

  it('requires X-Project-Id, when present, to match the path', async () => {
    const auth = createAuthenticator({ service: fakeService().service, mode: 'strict', clock });
    await assert.rejects(
      auth(signed(`/v1/${P1}/digital-assets`, { projectId: P2 })),
      fails(400, 'MSS.00010009'),
    );
    await assert.rejects(
      auth(plain(P1, { 'x-auth-token': TOKEN, 'x-project-id': P2 })),
      fails(400, 'MSS.00010009'),
    );
    const noPath = plain(undefined, { 'x-auth-token': TOKEN, 'x-project-id': P1 });
    assert.equal((await auth(noPath)).projectId, P1);
  });
});

describe('authenticate: loose', () => {
  const auth = createAuthenticator({ service: fakeService().service, mode: 'loose', clock });

  it('accepts an unsigned request for any well-formed project id', async () => {
    assert.deepEqual(await auth(plain(P2)), { kind: 'loose', projectId: P2 });
    await assert.rejects(auth(plain('not-a-project')), fails(400, 'MSS.00000003', /32 lowercase hex/));
    await assert.rejects(auth(plain(undefined)), fails(401, 'APIGW.0301', /no credentials/));
  });

  it('still names a caller whose credentials verify', async () => {
    assert.equal((await auth(signed(`/v1/${P1}/digital-assets`))).kind, 'aksk');
    assert.equal((await auth(plain(P1, { 'x-auth-token': TOKEN }))).kind, 'token');
  });

  it('degrades bad credentials and foreign projects to a loose caller', async () => {
    assert.deepEqual(await auth(signed(`/v1/${P1}/digital-assets`, { sk: 'x'.repeat(40) })), {
      kind: 'loose',
      projectId: P1,
    });
    assert.deepEqual(await auth(plain(P2, { 'x-auth-token': 'MIIDbad' })), { kind: 'loose', projectId: P2 });
    assert.deepEqual(await auth(signed(`/v1/${P2}/digital-assets`, { projectId: P2 })), {
      kind: 'loose',
      projectId: P2,
    });
  });

  it('keeps the X-Project-Id check, and lets server faults through', async () => {
    await assert.rejects(auth(plain(P1, { 'x-project-id': P2 })), fails(400, 'MSS.00010009'));
    const broken = createAuthenticator({
      service: fakeService({
        lookupSecret: async () => {
          throw new Error('database is down');
        },
      }).service,
      mode: 'loose',
      clock,
    });
    await assert.rejects(broken(signed(`/v1/${P1}/digital-assets`)), /database is down/);
  });
});
