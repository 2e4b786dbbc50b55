// The IAM-compatible token endpoint, `POST /v3/auth/tokens` (SEMANTICS.md §1.1): password
// authentication with a project scope; the token comes back in X-Subject-Token, 201.
//
// IAM is a different service from MetaStudio and speaks Keystone's dialect, so this plugin
// is encapsulated: it reads its own body (any content type, e.g. IAM's documented
// `application/json;charset=utf8`) and renders its own errors as
// `{"error":{"code":401,"message":"…","title":"Unauthorized"}}`.
import { createHash } from 'node:crypto';
import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { type AppError, Errors, isAppError } from '../errors/index.ts';
import type { AuthGuards } from '../throttle/failures.ts';
import type { AccountsService, IssuedToken, IssueTokenInput } from './accounts.service.ts';
import { AuthErrors, IAM_TITLES } from './errors.ts';

/** IAM's time format: `2024-01-15T08:30:00.000000Z` (microseconds). */
export const iamTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** IAM domains have ids; Doppel's are named only, so the id is derived from the name. */
export const domainId = (domainName: string): string =>
  createHash('sha256').update(`domain:${domainName}`).digest('hex').slice(0, 32);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a token request body into the service's input; throws 400 with what is wrong. */
export function parseTokenRequest(body: unknown): IssueTokenInput {
  const bad = (why: string) => AuthErrors.iamBadRequest(why);
  if (!isObject(body) || !isObject(body.auth)) throw bad("Invalid input: 'auth' is a required property.");
  const { identity, scope } = body.auth;
  if (!isObject(identity)) throw bad("Invalid input: 'identity' is a required property.");
  const methods = identity.methods;
  if (!Array.isArray(methods) || !methods.includes('password')) {
    throw bad("Invalid input: 'identity.methods' must include 'password'.");
  }
  if (methods.some((m) => m !== 'password')) {
    throw bad(
      `Unsupported authentication method: only 'password' is supported, not ${JSON.stringify(methods)}.`,
    );
  }
  const pw = identity.password;
  const user = isObject(pw) ? pw.user : undefined;
  if (!isObject(user)) throw bad("Invalid input: 'identity.password.user' is a required property.");
  const domain = user.domain;
  if (typeof user.name !== 'string' || user.name === '') {
    throw bad("Invalid input: 'identity.password.user.name' is a required string.");
  }
  if (typeof user.password !== 'string') {
    throw bad("Invalid input: 'identity.password.user.password' is a required string.");
  }
  if (!isObject(domain) || typeof domain.name !== 'string' || domain.name === '') {
    throw bad("Invalid input: 'identity.password.user.domain.name' is a required string.");
  }
  const project = isObject(scope) ? scope.project : undefined;
  if (!isObject(project)) {
    throw bad("Invalid input: 'scope.project' is required; MetaStudio is a project-level service.");
  }
  const { id, name } = project;
  if ((id !== undefined && typeof id !== 'string') || (name !== undefined && typeof name !== 'string')) {
    throw bad("Invalid input: 'scope.project.id' and 'scope.project.name' must be strings.");
  }
  if (id === undefined && name === undefined)
    throw bad("Invalid input: 'scope.project' needs an 'id' or a 'name'.");
  return {
    domainName: domain.name,
    userName: user.name,
    password: user.password,
    project: { id: id as string | undefined, name: name as string | undefined },
  };
}

/** The response body, as IAM shapes it (Keystone v3 plus Huawei's fields). */
export function tokenBody(t: IssuedToken, opts: { catalog: boolean }) {
  const userDomain = { name: t.user.domainName, id: domainId(t.user.domainName) };
  return {
    token: {
      expires_at: iamTime(t.expiresAt),
      issued_at: iamTime(t.issuedAt),
      methods: ['password'],
      ...(opts.catalog ? { catalog: [] } : {}),
      user: { id: t.user.id, name: t.user.name, domain: userDomain, password_expires_at: '' },
      project: {
        id: t.project.id,
        name: t.project.name,
        domain: { name: t.project.domainName, id: domainId(t.project.domainName) },
      },
    },
  };
}

function toIamError(err: FastifyError | AppError): { status: number; message: string } {
  if (isAppError(err)) return { status: err.status, message: err.message };
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, message: 'The request body is too large.' };
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, message: err.message };
  }
  return { status: 500, message: 'An unexpected error prevented the server from fulfilling your request.' };
}

/** Token requests are small; an unauthenticated caller gets no room for more. */
const TOKEN_BODY_LIMIT = 64 * 1024;

export function iamRoutes(
  service: Pick<AccountsService, 'issueToken'>,
  guards: AuthGuards,
): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (!req.raw.complete) reply.header('connection', 'close');
      // Backoff is the gateway's answer in front of IAM, in the gateway's format (ERRATA 53).
      if (isAppError(err) && err.status === 429) {
        reply.headers(err.headers).code(429).type('application/json').send(err.toBody());
        return;
      }
      const { status, message } = toIamError(err);
      if (status >= 500) req.log.error({ err }, 'token request failed');
      else req.log.info({ status }, message);
      reply
        .code(status)
        .type('application/json')
        .send({ error: { code: status, message, title: IAM_TITLES[status] ?? 'Error' } });
    });

    const bodyLimit = Math.min(TOKEN_BODY_LIMIT, app.initialConfig.bodyLimit ?? TOKEN_BODY_LIMIT);
    app.post('/v3/auth/tokens', { bodyLimit }, async (req, reply) => {
      const raw = req.body as Buffer | undefined;
      let body: unknown;
      try {
        body = JSON.parse((raw ?? Buffer.alloc(0)).toString('utf8'));
      } catch {
        throw AuthErrors.iamBadRequest('The request body is not valid JSON.');
      }
      const input = parseTokenRequest(body);
      const issued = await guarded(guards, req, input, () => service.issueToken(input));
      // `nocatalog`: any non-empty value leaves the catalog out.
      const nocatalog = (req.query as Record<string, unknown>).nocatalog;
      const catalog = !(typeof nocatalog === 'string' ? nocatalog !== '' : Array.isArray(nocatalog));
      reply.code(201).header('X-Subject-Token', issued.token).header('Cache-Control', 'no-store');
      return tokenBody(issued, { catalog });
    });
  };
}

/**
 * Password guessing is refused per user and per client address, with backoff, before the
 * password is checked (so a right guess during a block does not get through either).
 */
async function guarded<T>(
  guards: AuthGuards,
  req: FastifyRequest,
  input: IssueTokenInput,
  issue: () => Promise<T>,
): Promise<T> {
  const user = `${input.domainName}/${input.userName}`.toLowerCase().slice(0, 300);
  const wait = Math.max(guards.users.blockedFor(user), guards.addresses.blockedFor(req.ip));
  if (wait > 0) {
    req.log.warn({ user, ip: req.ip, retryAfterMs: wait }, 'token request refused: too many failures');
    throw Errors.authThrottled(wait);
  }
  try {
    const out = await issue();
    guards.users.succeed(user);
    return out;
  } catch (e) {
    if (isAppError(e) && e.status === 401) {
      const blocked = Math.max(guards.users.fail(user), guards.addresses.fail(req.ip));
      if (blocked > 0) {
        req.log.warn({ user, ip: req.ip, retryAfterMs: blocked }, 'token request failures: backing off');
      }
    }
    throw e;
  }
}
