// Registers every contract operation on the app: route, validation and serialisation
// from the generated contract; authentication, tenant check and throttling before the body
// is parsed (most of it before the body is even read); the module's handler or, when there
// is none, a 501.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type OperationDef, operations } from '../contract/generated/operations.ts';
import type { OperationId, OperationTypes } from '../contract/generated/types.ts';
import { digestOf } from '../core/auth/aksk.ts';
import type { AuthCaller, AuthHead, PendingAuth } from '../core/auth/authenticate.ts';
import { Errors, isAppError } from '../core/errors/index.ts';
import { type FaultPlan, FaultSpecError, type OperationFault } from '../core/faults/index.ts';
import type { AuthGuards } from '../core/throttle/failures.ts';
import type { Throttle } from '../core/throttle/index.ts';
import { type InFlightBudget, readBody } from './body-reader.ts';
import type { Caller } from './context.ts';
import { findUnsafeValue } from './input-guard.ts';

export interface OperationInput<Op extends OperationId> {
  params: OperationTypes[Op]['params'];
  query: OperationTypes[Op]['query'];
  headers: OperationTypes[Op]['headers'];
  body: OperationTypes[Op]['body'];
  caller: Caller;
  requestId: string;
  /** X-App-UserId: the integrator's own end-user id, recorded on what is created. */
  appUserId: string | undefined;
}

export type OperationHandler<Op extends OperationId> = (
  input: OperationInput<Op>,
) => Promise<OperationTypes[Op]['response']>;

export type HandlerMap = { [Op in OperationId]?: OperationHandler<Op> };

export type { AuthHead, PendingAuth };

/** Authentication in two steps: the headers first, the body (when a signature covers it) after. */
export interface Authenticate {
  begin(head: AuthHead): Promise<PendingAuth>;
}

export interface AdmissionOptions {
  authenticate: Authenticate;
  throttle: Throttle | undefined;
  bodyLimit: number;
  bodyTimeoutMs: number;
  /**
   * Shared by every request whose body is read before its signature is checked. Bodies
   * declared at most SMALL_BODY_BYTES long draw from a pool of their own, so that a flood
   * of large bodies does not starve the ordinary calls (a GET's `{}`, a small JSON body).
   */
  budgets: { small: InFlightBudget; large: InFlightBudget };
  guards: AuthGuards;
  /**
   * Operations that may also be called with a credential in their URL instead of a signature
   * (LiveEventReport's auth_key). Asked only when the request presents no other credential;
   * undefined: the URL carries none (the ordinary checks follow); throws to refuse.
   */
  urlCredentials?: UrlCredentials;
}

export type UrlCredentials = (
  op: OperationDef,
  req: { params: Record<string, string>; query: Record<string, unknown>; headers: FastifyRequest['headers'] },
) => Promise<AuthCaller | undefined> | AuthCaller | undefined;

export interface BindOptions extends AdmissionOptions {
  handlers: HandlerMap;
  /** Fault injection (core/faults): applied after authentication and validation. */
  faults?: FaultPlan;
}

/**
 * The hooks that admit a request: `onRequest` decides from the headers, `preParsing`
 * reads the body and finishes the signature check. Exported for routes that are not
 * contract operations but authenticate the same way (tests).
 */
export function admissionHooks(opts: AdmissionOptions, op?: OperationDef) {
  return {
    onRequest: async (req: FastifyRequest) => {
      await admitHead(req, op, opts);
    },
    preParsing: async (req: FastifyRequest, _reply: unknown, payload: Readable) =>
      receiveBody(req, op, opts, payload),
  };
}

export function bindOperations(app: FastifyInstance, opts: BindOptions): void {
  for (const op of operations) {
    const handler = opts.handlers[op.operationId] as OperationHandler<OperationId> | undefined;
    app.route({
      method: op.method,
      url: op.url,
      schema: op.schema,
      config: { operation: op },
      // The request's logger names the operation: one child with both bindings, made
      // where Fastify makes its per-request child anyway (not a second child per request).
      childLoggerFactory: (logger, bindings, childOpts) =>
        logger.child({ ...bindings, operationId: op.operationId }, childOpts),
      bodyLimit: opts.bodyLimit,
      ...admissionHooks(opts, op),
      preValidation: async (req) => {
        checkInput(req, op);
      },
      // Validation coerces query strings to numbers; `1e400` or 2^60 only show up as such now.
      preHandler: async (req) => {
        const unsafe = findUnsafeValue(req.query, 'query');
        if (unsafe) throw Errors.invalidParameter(unsafe);
        if (opts.faults) await applyFault(req, op.operationId, opts.faults);
      },
      handler: async (req, reply) => {
        if (!handler) throw Errors.notImplemented(op.operationId);
        const result = await handler({
          params: req.params as never,
          query: req.query as never,
          headers: req.headers as never,
          body: req.body as never,
          caller: req.caller!,
          requestId: req.id,
          appUserId: req.headers['x-app-userid'] as string | undefined,
        });
        reply.code(op.successStatus);
        if (op.responseContentType === 'application/octet-stream') {
          // ERRATA 5: the SDK cannot attach a request id to a string body.
          reply.removeHeader('x-request-id');
          reply.type('application/octet-stream');
        }
        return op.hasBody ? result : reply.send();
      },
    });
  }
}

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** An injected fault for this call, if the plan (or an enabled X-Doppel-Fault header) has one. */
async function applyFault(req: FastifyRequest, operationId: string, faults: FaultPlan): Promise<void> {
  let fault: OperationFault | undefined;
  try {
    fault = faults.forOperation(operationId, single(req.headers['x-doppel-fault']));
  } catch (e) {
    if (e instanceof FaultSpecError) throw Errors.invalidParameter(`X-Doppel-Fault: ${e.message}`);
    throw e;
  }
  if (!fault) return;
  req.log.info({ fault }, 'injected fault');
  switch (fault.kind) {
    case 'throttle':
      throw Errors.injectedThrottle(operationId);
    case 'error':
      throw Errors.injected(fault.status);
    case 'latency':
      await sleepUnlessClosed(req, fault.ms);
      return;
    case 'timeout':
      await sleepUnlessClosed(req, fault.ms);
      throw Errors.injected(504);
  }
}

/** Waits, but stops early when the client hangs up (its socket is of no use then). */
function sleepUnlessClosed(req: FastifyRequest, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      req.raw.socket?.off('close', done);
      resolve();
    }
    req.raw.socket?.once('close', done);
  });
}

/** The access key an Authorization header names, read leniently (for failure accounting only). */
const accessKeyOf = (authorization: string | undefined): string | undefined =>
  authorization === undefined ? undefined : /Access=([^,\s]{1,128})/.exec(authorization)?.[1];

/** Whether the request presented credentials at all (an unsigned request guesses nothing). */
const presentsCredentials = (req: FastifyRequest): boolean =>
  req.headers.authorization !== undefined || req.headers['x-auth-token'] !== undefined;

/**
 * What the request line and headers decide, before a byte of the body is read: a body
 * declared larger than allowed, a caller in backoff, and every authentication check that
 * needs no body (ERRATA 52).
 */
async function admitHead(
  req: FastifyRequest,
  op: OperationDef | undefined,
  opts: AdmissionOptions,
): Promise<void> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > opts.bodyLimit) throw Errors.bodyTooLarge(opts.bodyLimit);

  const ak = accessKeyOf(single(req.headers.authorization));
  const wait = Math.max(
    opts.guards.addresses.blockedFor(req.ip),
    ak === undefined ? 0 : opts.guards.keys.blockedFor(ak),
  );
  if (wait > 0) {
    req.log.warn(
      { ip: req.ip, accessKey: ak, retryAfterMs: wait },
      'authentication refused: too many failures',
    );
    throw Errors.authThrottled(wait);
  }

  if (op && opts.urlCredentials && !presentsCredentials(req)) {
    // A 256-bit HMAC is not guessed: a refused URL key does not count toward the backoff.
    const caller = await opts.urlCredentials(op, {
      params: req.params as Record<string, string>,
      query: (req.query ?? {}) as Record<string, unknown>,
      headers: req.headers,
    });
    if (caller) {
      const decided = caller;
      req.pendingAuth = { caller: decided, accessKey: undefined, finish: async () => decided };
      await admitCaller(req, decided, op, opts);
      return;
    }
  }

  const q = req.url.indexOf('?');
  try {
    req.pendingAuth = await opts.authenticate.begin({
      method: req.method,
      rawPath: q === -1 ? req.url : req.url.slice(0, q),
      rawQuery: q === -1 ? '' : req.url.slice(q + 1),
      headers: req.headers,
      pathProjectId: (req.params as { project_id: string }).project_id,
    });
  } catch (e) {
    noteFailure(req, e, ak, opts);
    throw e;
  }
  const decided = req.pendingAuth.caller;
  if (decided) await admitCaller(req, decided, op, opts);
}

/**
 * Reads the body (also for GET: the SDK signs the `{}` it sends), finishes a pending
 * signature check with the digest taken on the way, and hands Fastify's parser the bytes.
 */
async function receiveBody(
  req: FastifyRequest,
  op: OperationDef | undefined,
  opts: AdmissionOptions,
  payload: Readable,
): Promise<Readable> {
  const pending = req.pendingAuth!;
  const h = req.headers;
  const hasBody =
    h['transfer-encoding'] !== undefined ||
    (h['content-length'] !== undefined && h['content-length'] !== '0');
  const body = hasBody
    ? await readBody(payload, {
        limit: opts.bodyLimit,
        timeoutMs: opts.bodyTimeoutMs,
        budget: pending.caller ? undefined : budgetFor(h['content-length'], opts),
      })
    : { bytes: Buffer.alloc(0), digest: EMPTY_DIGEST };
  if (!pending.caller) {
    const ak = pending.accessKey;
    let caller: Caller;
    try {
      caller = await pending.finish(body.digest);
    } catch (e) {
      noteFailure(req, e, ak, opts);
      throw e;
    }
    if (ak !== undefined && caller.kind === 'aksk') opts.guards.keys.succeed(ak);
    await admitCaller(req, caller, op, opts);
  }
  req.rawBody = body.bytes;
  return Readable.from(body.bytes.length > 0 ? [body.bytes] : []);
}

const EMPTY_DIGEST = digestOf(Buffer.alloc(0));

export const SMALL_BODY_BYTES = 64 * 1024;

function budgetFor(contentLength: string | undefined, opts: AdmissionOptions): InFlightBudget {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  return declared <= SMALL_BODY_BYTES ? opts.budgets.small : opts.budgets.large;
}

/** An authenticated caller: the tenant's per-operation budget. */
async function admitCaller(
  req: FastifyRequest,
  caller: Caller,
  op: OperationDef | undefined,
  opts: AdmissionOptions,
) {
  req.caller = caller;
  if (opts.throttle && op) {
    const limit = opts.throttle.limitFor(op.operationId, op.throttle);
    const d = await opts.throttle.consume(caller.projectId, op.operationId, limit);
    if (!d.allowed) throw Errors.throttled(op.operationId, d.limit, d.retryAfterMs);
  }
}

/** A failed credential counts against the address and the access key it named (ERRATA 53). */
function noteFailure(req: FastifyRequest, e: unknown, ak: string | undefined, opts: AdmissionOptions): void {
  if (!isAppError(e) || e.status !== 401 || !presentsCredentials(req)) return;
  const blocked = Math.max(
    opts.guards.addresses.fail(req.ip),
    ak === undefined ? 0 : opts.guards.keys.fail(ak),
  );
  if (blocked > 0) {
    req.log.warn(
      { ip: req.ip, accessKey: ak, retryAfterMs: blocked },
      'authentication failures: backing off',
    );
  }
}

/** After parsing: what is wrong with the body, and the floor of input-guard.ts. */
function checkInput(req: FastifyRequest, op: OperationDef): void {
  if (req.bodyError) throw req.bodyError;
  if (op.schema.body && req.body === undefined) {
    if (op.bodyRequired) throw Errors.invalidParameter('body is required');
    req.body = {};
  }
  const unsafe =
    findUnsafeValue(req.params, 'path') ??
    findUnsafeValue(req.query, 'query') ??
    findUnsafeValue(operationHeaders(req, op), 'header') ??
    findUnsafeValue(req.body, 'body');
  if (unsafe) throw Errors.invalidParameter(unsafe);
  normaliseQuery(req.query as Record<string, unknown>, op);
}

/** The headers the operation's schema declares (the others are not the modules' input). */
function operationHeaders(req: FastifyRequest, op: OperationDef): Record<string, unknown> {
  const declared = op.schema.headers?.properties as Record<string, unknown> | undefined;
  if (!declared) return {};
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(declared)) out[name] = req.headers[name];
  return out;
}

/**
 * ERRATA 7: array parameters arrive as repeated keys or as one comma-separated value;
 * scalar filters documented as comma lists may arrive repeated. Both become one shape.
 */
export function normaliseQuery(query: Record<string, unknown>, op: OperationDef): void {
  for (const name of op.arrayQueryParams) {
    const v = query[name];
    if (v === undefined) continue;
    const items = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(','));
    query[name] = items.filter((x) => x !== '');
  }
  for (const name of op.scalarQueryParams) {
    const v = query[name];
    if (Array.isArray(v)) query[name] = v.join(',');
  }
}
