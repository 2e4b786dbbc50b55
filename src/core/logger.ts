// Structured JSON logs (pino). Secrets never reach them: credential headers, presigned
// URL signatures and sealed values are redacted wherever they appear.
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers["x-mss-authorization"]',
  'req.headers["x-mss-auth-key"]',
  'req.headers.cookie',
  'res.headers["x-subject-token"]',
  '*.sk',
  '*.secret',
  '*.password',
  '*.secret_sealed',
];

/** Drops signature and token values from a URL's query before it is logged. */
export function safeUrl(url: string): string {
  return url.replace(
    /([?&](?:X-Doppel-Signature|X-Amz-Signature|signature|token|once_token|auth_key)=)[^&]*/gi,
    '$1***',
  );
}

export function createLogger(opts: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'doppel' },
      redact: { paths: REDACT_PATHS, censor: '***' },
      serializers: {
        req: (req: { method: string; url: string; headers: Record<string, unknown> }) => ({
          method: req.method,
          url: safeUrl(req.url),
          host: req.headers?.host,
        }),
        err: pino.stdSerializers.err,
      },
    },
    opts.destination,
  );
}
