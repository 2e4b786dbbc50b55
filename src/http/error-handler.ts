// The one place where errors become responses: MetaStudio's `{error_code, error_msg}`
// with the catalog's status. Validation failures name the offending field.
import type { FastifyError, FastifyInstance } from 'fastify';
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

export function toAppError(err: FastifyError): AppError {
  if (isAppError(err)) return err;
  const validation = (err as FastifyError & { validation?: AjvError[]; validationContext?: string })
    .validation;
  if (validation && validation.length > 0) {
    const context = (err as { validationContext?: string }).validationContext ?? 'body';
    return Errors.invalidParameter(validation.map((v) => describeValidationError(context, v)).join('; '));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return Errors.bodyTooLarge(Number((err as { limit?: number }).limit) || 0);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return Errors.invalidBody(err.message);
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return Errors.invalidParameter(err.message);
  }
  return Errors.internal();
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const appErr = toAppError(err);
    if (!isAppError(err) && appErr.status >= 500) {
      req.log.error({ err }, 'request failed');
    } else {
      req.log.info({ code: appErr.code, status: appErr.status }, appErr.message);
    }
    reply.headers(appErr.headers).code(appErr.status).type('application/json').send(appErr.toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = Errors.routeNotFound(req.method, req.url.split('?')[0]!);
    reply.code(e.status).type('application/json').send(e.toBody());
  });
}
