// The one place where errors become responses: MetaStudio's `{error_code, error_msg}`
// with the catalog's status and an X-Request-Id, for every error Doppel answers — its own,
// Fastify's (routing, URL decoding, body limits) and Node's (header size, timeouts)
// (ERRATA 52). Validation failures name the offending field.
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AppError, Errors, isAppError } from '../core/errors/index.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

const CONTEXT_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** `body` + `/scenes/0/name` → `body.scenes[0].name` */
function fieldPath(context: string, instancePath: string, extra?: string): string {
  let p = CONTEXT_NAMES[context] ?? context;
  for (const seg of instancePath.split('/').slice(1)) {
    p += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg.replace(/~1/g, '/').replace(/~0/g, '~')}`;
  }
  if (extra) p += `.${extra}`;
  return p;
}

export function describeValidationError(context: string, e: AjvError): string {
  switch (e.keyword) {
    case 'required':
      return `${fieldPath(context, e.instancePath, String(e.params.missingProperty))} is required`;
    case 'enum':
      return `${fieldPath(context, e.instancePath)} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    default:
      return `${fieldPath(context, e.instancePath)} ${e.message ?? 'is invalid'}`;
  }
}

/** Fastify's default, and longer than any MetaStudio id. */
export const MAX_PARAM_LENGTH = 100;

export function toAppError(err: FastifyError, bodyLimit: number): AppError {
  if (isAppError(err)) return err;
  const validation = (err as FastifyError & { validation?: AjvError[]; validationContext?: string })
    .validation;
  if (validation && validation.length > 0) {
    const context = (err as { validationContext?: string }).validationContext ?? 'body';
    return Errors.invalidParameter(validation.map((v) => describeValidationError(context, v)).join('; '));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return Errors.bodyTooLarge(bodyLimit);
    case 'FST_ERR_BAD_URL':
      return Errors.invalidParameter('the path is not validly percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return Errors.invalidParameter(`a path parameter is longer than ${MAX_PARAM_LENGTH} characters`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return Errors.invalidBody(err.message);
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return Errors.invalidParameter(err.message);
  }
  return Errors.internal();
}

/** Renders an error as the catalog says, with the request id, on any reply. */
function sendError(req: FastifyRequest, reply: FastifyReply, err: FastifyError, bodyLimit: number): void {
  const appErr = toAppError(err, bodyLimit);
  if (!isAppError(err) && appErr.status >= 500) {
    req.log.error({ err }, 'request failed');
  } else {
    req.log.info({ code: appErr.code, status: appErr.status }, appErr.message);
  }
  // A body left unread (refused from the headers, too large, too slow) is not drained for
  // keep-alive: the connection closes once the answer is out.
  if (!req.raw.complete) reply.header('connection', 'close');
  reply
    .headers(appErr.headers)
    .header('x-request-id', req.id)
    .code(appErr.status)
    .type('application/json')
    .send(appErr.toBody());
}

export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, req, reply) => sendError(req, reply, err, bodyLimit));
  app.setNotFoundHandler((req, reply) => {
    const e = Errors.routeNotFound(req.method, req.url.split('?')[0]!.slice(0, 200));
    sendError(req, reply, e as unknown as FastifyError, bodyLimit);
  });
}

/** Fastify's `frameworkErrors`: a bad percent-encoding or an over-long path parameter. */
export function frameworkErrorHandler(bodyLimit: number) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) =>
    sendError(req, reply, err, bodyLimit);
}

/**
 * Node's `clientError`: what fails before Fastify sees a request (headers over Node's
 * size limit, headers or a whole request too slow, bytes that are not HTTP). Answered on
 * the raw socket in the catalog format, with a request id, and the socket closed.
 */
export function clientErrorHandler(maxHeaderBytes: number, log: () => FastifyBaseLogger) {
  return (err: NodeJS.ErrnoException, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let appErr: AppError;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      appErr = Errors.requestTimeout('the request headers or body did not arrive in time');
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      appErr = Errors.headersTooLarge(maxHeaderBytes);
    } else {
      appErr = Errors.malformedRequest(String(err.code ?? 'unparseable bytes'));
    }
    const id = randomBytes(16).toString('hex');
    log().info({ reqId: id, code: appErr.code, err: err.code }, appErr.message);
    // Mirrors Node: nothing is written over a response that has already started.
    const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !pending?.headersSent) {
      const body = JSON.stringify(appErr.toBody());
      // Closed once the answer is flushed, whatever the client still sends.
      socket.end(
        `HTTP/1.1 ${appErr.status} ${STATUS_CODES[appErr.status]}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`,
        () => socket.destroy(),
      );
      return;
    }
    socket.destroy();
  };
}
