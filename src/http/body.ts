// Body handling that MetaStudio's SDKs need (ERRATA 6): keep the raw bytes for signature
// checks, accept `application/json` on GET and DELETE with `{}` or no body at all, and
// report malformed JSON only after the caller has been authenticated.
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AppError, Errors } from '../core/errors/index.ts';
import { findReplacedText } from './input-guard.ts';

const isJson = (contentType: string | undefined) => !contentType || /[/+]json\b/i.test(contentType);

export function registerBodyParsing(app: FastifyInstance): void {
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('bodyError', undefined);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, raw, done) => {
    const buf = raw as Buffer;
    req.rawBody = buf;
    if (buf.length === 0) return done(null, undefined);
    if (!isJson(req.headers['content-type'])) return done(null, buf);
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8'));
    } catch (e) {
      req.bodyError = Errors.invalidBody((e as Error).message);
      return done(null, undefined);
    }
    // Decoding would have swapped bad bytes for U+FFFD and stored them; refuse instead.
    if (!isUtf8(buf)) req.bodyError = notUtf8(parsed);
    done(null, parsed);
  });
}

/**
 * Fastify does not read bodies of GET requests, but the official SDK sends `{}` on every
 * GET and signs it; read those bytes (bounded) so the signature can be checked.
 */
export async function readBodylessPayload(req: FastifyRequest, limit: number): Promise<void> {
  if (req.rawBody !== undefined) return;
  const len = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (len === undefined || len === '0')) {
    req.rawBody = Buffer.alloc(0);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Errors.bodyTooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  req.rawBody = Buffer.concat(chunks);
}

function notUtf8(parsed: unknown): AppError {
  const field = findReplacedText(parsed, 'body');
  return Errors.invalidParameter(
    field ? `${field} is not valid UTF-8` : 'body is not valid UTF-8 (JSON bodies must be UTF-8 encoded)',
  );
}
