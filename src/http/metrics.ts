// Prometheus metrics on a registry of the app's own (tests build several apps per process).
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'operation' | 'method' | 'status'>;
  duration: Histogram<'operation'>;
}

export function createMetrics(opts: { defaultMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'doppel_' });
  return {
    registry,
    requests: new Counter({
      name: 'doppel_http_requests_total',
      help: 'HTTP requests by contract operation (or route) and status',
      labelNames: ['operation', 'method', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'doppel_http_request_duration_seconds',
      help: 'Time from request to response, by contract operation (or route)',
      labelNames: ['operation'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
  };
}

export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (req, reply) => {
    const operation = req.routeOptions.config?.operation?.operationId ?? req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ operation, method: req.method, status: String(reply.statusCode) });
    metrics.duration.observe({ operation }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
