// Body handling that MetaStudio's SDKs need (ERRATA 6): keep the raw bytes for signature
// checks, accept `application/json` on GET and DELETE with `{}` or no body at all, and
// report malformed JSON only after the caller has been authenticated.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Errors } from '../core/errors/index.ts';

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
    try {
      done(null, JSON.parse(buf.toString('utf8')));
    } catch (e) {
      req.bodyError = e as Error;
      done(null, undefined);
    }
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
