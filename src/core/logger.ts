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

// Query parameters that carry a credential: presigned signatures (Doppel, S3), tokens, and the
// MSS_A callback `secret`. Names only, so the rest of a URL stays readable.
const SECRET_QUERY =
  /([?&](?:X-Doppel-Signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|signature|token|once_token|auth_key|secret|sk|password)=)[^&"\s]*/gi;

/** Drops signature and token values from a URL's query before it is logged. */
export function safeUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1***');
}

// JSON keys whose values are credentials, wherever they sit in a log line (headers objects of
// callbacks and S3 requests, config dumps, error properties).
const SECRET_KEYS =
  /("(?:authorization|x-auth-token|x-subject-token|x-mss-authorization|x-mss-auth-key|x-amz-security-token|cookie|sk|secret|secret_key|secretAccessKey|secret_access_key|password|secret_sealed)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;
// Credentials inside free text (error messages, stderr tails): signature schemes and Signature=.
const SECRET_TEXT = [
  /((?:SDK-HMAC-SHA256|AWS4-HMAC-SHA256)\s+)[^"\\]*/g,
  /((?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}/g,
  /(Signature=)[0-9a-fA-F]+/g,
] as const;

/**
 * The last line of defence: every log line is scrubbed as text before it is written, so a
 * secret reached through a path the redact list does not name (an error message quoting a
 * URL, a headers object inside `err`) is still replaced by `***`.
 */
export function redactLine(line: string): string {
  let out = line.replace(SECRET_QUERY, '$1***').replace(SECRET_KEYS, '$1"***"');
  for (const re of SECRET_TEXT) out = out.replace(re, '$1***');
  return out;
}

/** A destination that scrubs each line, then writes it to `dest`. */
function scrubbing(dest: pino.DestinationStream): pino.DestinationStream {
  return { write: (line: string) => dest.write(redactLine(line)) };
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
    scrubbing(opts.destination ?? pino.destination(1)),
  );
}
