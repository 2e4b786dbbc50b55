// buildApp wires the HTTP surface from its dependencies and never listens: the CLI
// listens, tests inject.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Config } from './config.ts';
import type { Logger } from './core/logger.ts';
import type { AuthGuards } from './core/throttle/failures.ts';
import type { Throttle } from './core/throttle/index.ts';
import {
  type Authenticate,
  bindOperations,
  type HandlerMap,
  type UrlCredentials,
} from './http/bind-operations.ts';
import { registerBodyParsing } from './http/body.ts';
import './http/context.ts';
import { createInFlightBudget } from './http/body-reader.ts';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  MAX_PARAM_LENGTH,
  registerErrorHandling,
} from './http/error-handler.ts';
import { type Metrics, registerMetrics } from './http/metrics.ts';
import { genRequestId } from './http/request-id.ts';

export interface AppDeps {
  config: Pick<Config, 'bodyLimitBytes' | 'http' | 'faults'>;
  logger: Logger;
  authenticate: Authenticate;
  throttle: Throttle | undefined;
  /** Backoff after failed credentials, shared with the IAM token endpoint. */
  guards: AuthGuards;
  metrics: Metrics;
  handlers: HandlerMap;
  /** Credentials some operations accept in their URL (modules' urlCredentials). */
  urlCredentials?: UrlCredentials;
  /** Non-contract routes (IAM tokens, presigned object URLs) registered beside the operations. */
  plugins: FastifyPluginAsync[];
  /** False on worker-only processes: they answer /health, /ready and /metrics only. */
  serveApi: boolean;
  /** undefined when ready, else why not (answers /ready with 503). */
  readiness(): Promise<string | undefined>;
  /** One of `--api-processes N`: "index:pid", sent as X-Doppel-Process and in /health. */
  processTag?: string;
}

/** Node's own limit on the request line plus headers (its `maxHeaderSize` default). */
const MAX_HEADER_BYTES = 16 * 1024;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { bodyLimitBytes, http } = deps.config;
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: genRequestId,
    bodyLimit: bodyLimitBytes,
    // Slow clients (ERRATA 52): Node checks the headers and request deadlines every
    // connectionsCheckingInterval, so that interval follows the headers timeout.
    http: {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: http.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(5_000, Math.max(50, Math.floor(http.headersTimeoutMs / 4))),
    },
    requestTimeout: http.requestTimeoutMs,
    connectionTimeout: http.idleTimeoutMs,
    maxParamLength: MAX_PARAM_LENGTH,
    frameworkErrors: frameworkErrorHandler(bodyLimitBytes),
    clientErrorHandler: clientErrorHandler(MAX_HEADER_BYTES, () => app.log),
    // `?limit=Infinity` coerces to a number that `type: integer` would otherwise accept.
    ajv: { customOptions: { strictNumbers: true } },
    // MetaStudio paths never end in '/', but some clients add one.
    routerOptions: { ignoreTrailingSlash: true },
  });

  const tag = deps.processTag;
  // Contract operations' request loggers carry operationId (bindOperations' childLoggerFactory).
  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Request-Id', req.id);
    if (tag) reply.header('X-Doppel-Process', tag);
  });

  registerErrorHandling(app, bodyLimitBytes);
  registerBodyParsing(app);
  registerMetrics(app, deps.metrics);

  const health = tag ? { status: 'ok', process: tag } : { status: 'ok' };
  app.get('/health', async () => health);
  app.get('/ready', async (_req, reply) => {
    const why = await deps.readiness();
    if (why) return reply.code(503).send({ status: 'unavailable', reason: why });
    return { status: 'ready' };
  });

  if (!deps.serveApi) return app;
  for (const plugin of deps.plugins) await app.register(plugin);
  bindOperations(app, {
    handlers: deps.handlers,
    ...(deps.urlCredentials ? { urlCredentials: deps.urlCredentials } : {}),
    authenticate: deps.authenticate,
    throttle: deps.throttle,
    bodyLimit: bodyLimitBytes,
    bodyTimeoutMs: http.bodyTimeoutMs,
    budgets: {
      small: createInFlightBudget(Math.max(1024 * 1024, Math.floor(http.unverifiedBodyBytes / 8))),
      large: createInFlightBudget(http.unverifiedBodyBytes),
    },
    guards: deps.guards,
    faults: deps.config.faults,
  });
  return app;
}
