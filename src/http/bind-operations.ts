// Registers every contract operation on the app: route, validation and serialisation
// from the generated contract; authentication, tenant check and throttling before
// validation; the module's handler or, when there is none, a 501.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type OperationDef, operations } from '../contract/generated/operations.ts';
import type { OperationId, OperationTypes } from '../contract/generated/types.ts';
import { Errors } from '../core/errors/index.ts';
import type { Throttle } from '../core/throttle/index.ts';
import { readBodylessPayload } from './body.ts';
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

export interface AuthInput {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  pathProjectId: string;
}

export type Authenticate = (input: AuthInput) => Promise<Caller>;

export interface BindOptions {
  handlers: HandlerMap;
  authenticate: Authenticate;
  throttle: Throttle | undefined;
  bodyLimit: number;
}

export function bindOperations(app: FastifyInstance, opts: BindOptions): void {
  for (const op of operations) {
    const handler = opts.handlers[op.operationId] as OperationHandler<OperationId> | undefined;
    app.route({
      method: op.method,
      url: op.url,
      schema: op.schema,
      config: { operation: op },
      bodyLimit: opts.bodyLimit,
      preValidation: async (req) => {
        await admit(req, op, opts);
      },
      // Validation coerces query strings to numbers; `1e400` or 2^60 only show up as such now.
      preHandler: async (req) => {
        const unsafe = findUnsafeValue(req.query, 'query');
        if (unsafe) throw Errors.invalidParameter(unsafe);
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

/** Everything that happens before validation: who is calling, may they, and is the body sane. */
async function admit(req: FastifyRequest, op: OperationDef, opts: BindOptions): Promise<void> {
  await readBodylessPayload(req, opts.bodyLimit);
  const q = req.url.indexOf('?');
  req.caller = await opts.authenticate({
    method: req.method,
    rawPath: q === -1 ? req.url : req.url.slice(0, q),
    rawQuery: q === -1 ? '' : req.url.slice(q + 1),
    headers: req.headers,
    body: req.rawBody ?? Buffer.alloc(0),
    pathProjectId: (req.params as { project_id: string }).project_id,
  });

  if (opts.throttle) {
    const limit = opts.throttle.limitFor(op.operationId, op.throttle);
    const d = await opts.throttle.consume(req.caller.projectId, op.operationId, limit);
    if (!d.allowed) throw Errors.throttled(op.operationId, d.limit, d.retryAfterMs);
  }

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
