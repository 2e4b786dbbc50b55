// Body parsing that MetaStudio's SDKs need (ERRATA 6): accept `application/json` on GET and
// DELETE with `{}` or no body at all, and report malformed JSON or bad UTF-8 only after
// the caller has been authenticated. The bytes were read (and the signature checked) by
// body-reader.ts in the preParsing step; bind-operations.ts keeps them as rawBody.
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { isJsonContentType } from '../core/auth/aksk.ts';
import { type AppError, Errors } from '../core/errors/index.ts';
import { findReplacedText } from './input-guard.ts';

export function registerBodyParsing(app: FastifyInstance): void {
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('bodyError', undefined);
  app.decorateRequest('pendingAuth', undefined);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, raw, done) => {
    const buf = raw as Buffer;
    req.rawBody = buf;
    if (buf.length === 0) return done(null, undefined);
    if (!isJsonContentType(req.headers['content-type'])) return done(null, buf);
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

function notUtf8(parsed: unknown): AppError {
  const field = findReplacedText(parsed, 'body');
  return Errors.invalidParameter(
    field ? `${field} is not valid UTF-8` : 'body is not valid UTF-8 (JSON bodies must be UTF-8 encoded)',
  );
}
