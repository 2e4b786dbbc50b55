// The routes that serve the local backend's presigned URLs, and redeem the S3 backend's
// Doppel-signed download URLs by redirect. They are not MetaStudio operations: no AK/SK, the
// URL signature is the authorisation, and the download gate is asked on every GET/HEAD so
// that access revoked after a URL was minted ends the URL too. Errors are thrown as AppErrors
// and rendered by the app's error handler like every other error.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ObjectErrors } from './errors.ts';
import { assertMd5, assertValidKey, contentDisposition } from './key.ts';
import type { LocalObjectStore } from './local.ts';
import { parseRange } from './range.ts';
import { REDIRECT_URL_TTL_SEC, type S3ObjectStore } from './s3.ts';
import type { Query, UrlGrant } from './signed-url.ts';
import type { DownloadGate } from './types.ts';

const ATTEMPTS = 3;
const openGate: DownloadGate = async () => true;

async function admit(gate: DownloadGate, key: string, grant: UrlGrant): Promise<void> {
  if (!(await gate(key, grant.audience))) throw ObjectErrors.accessRevoked();
}

/** Local backend: uploads and downloads. */
export function objectRoutes(store: LocalObjectStore, gate: DownloadGate = openGate): FastifyPluginAsync {
  return async (app) => {
    // Scoped to this plugin's encapsulation context: the body reaches the handler as the raw
    // request stream, unread and unbuffered, so uploads of any size stream to disk. The app's
    // own buffering parsers stay in force everywhere else.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    app.put('/objects/*', (req, reply) => putObject(store, req, reply));
    app.route({
      method: ['GET', 'HEAD'],
      url: '/objects/*',
      handler: (req, reply) => getObject(store, gate, req, reply),
    });
  };
}

/** S3 backend with Doppel-signed download URLs: check, then send the client to the service. */
export function downloadRedirectRoutes(
  store: S3ObjectStore,
  gate: DownloadGate = openGate,
): FastifyPluginAsync {
  return async (app) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: '/objects/*',
      handler: async (req, reply) => {
        const key = keyOf(req);
        const grant = store.verifyUrl(key, req.query as Query);
        await admit(gate, key, grant);
        const head = await store.head(key);
        if (!head) throw ObjectErrors.objectNotFound(key);
        if (req.method === 'HEAD') {
          reply.header('Content-Type', head.contentType).header('Content-Length', String(head.size));
          if (grant.downloadName !== undefined)
            reply.header('Content-Disposition', contentDisposition(grant.downloadName));
          return reply.code(200).send();
        }
        const url = await store.servicePresignGet(key, {
          expiresInSec: REDIRECT_URL_TTL_SEC,
          ...(grant.downloadName !== undefined && { downloadName: grant.downloadName }),
        });
        return reply.code(302).header('Cache-Control', 'no-store').header('Location', url).send();
      },
    });
  };
}

function keyOf(req: FastifyRequest): string {
  const key = (req.params as { '*': string })['*'];
  assertValidKey(key);
  return key;
}

// Both handlers return the reply: an async handler that calls send() with a stream and then
// resolves to undefined has Fastify send an empty body in its place (the stream is still
// unsent when the promise settles).
async function putObject(
  store: LocalObjectStore,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const key = keyOf(req);
  const grant = store.verifyUrl('PUT', key, req.query as Query);
  const h = req.headers;

  // Refuse what the headers already give away before reading a byte. A body sent without
  // Content-Length (chunked) is measured while it streams instead.
  const declared = h['content-length'] === undefined ? undefined : Number(h['content-length']);
  if (grant.contentLength !== undefined && declared !== undefined && declared !== grant.contentLength) {
    throw ObjectErrors.lengthMismatch(grant.contentLength, declared);
  }
  if (declared !== undefined && declared > store.maxObjectBytes)
    throw ObjectErrors.tooLarge(store.maxObjectBytes);
  const headerMd5 = h['content-md5'];
  if (Array.isArray(headerMd5)) throw ObjectErrors.invalidDigest(headerMd5.join(','));
  if (headerMd5 !== undefined) assertMd5(headerMd5);
  if (grant.md5 !== undefined && headerMd5 !== undefined && headerMd5 !== grant.md5) {
    throw ObjectErrors.badDigest(grant.md5, headerMd5);
  }
  const contentType = h['content-type'];
  if (grant.contentType !== undefined && contentType !== grant.contentType) {
    throw ObjectErrors.contentTypeMismatch(grant.contentType, contentType);
  }

  // The parser above hands over the raw stream; with no body at all it never runs.
  const body = (req.body as NodeJS.ReadableStream | undefined) ?? req.raw;
  const checks = { md5: grant.md5 ?? headerMd5, expectedSize: grant.contentLength };
  const isPart = grant.part !== undefined && grant.uploadId !== undefined;
  const release =
    grant.once === '1'
      ? await store.claimOnce(key, isPart ? { uploadId: grant.uploadId!, part: grant.part! } : undefined)
      : undefined;
  let etag: string;
  try {
    if (isPart) {
      etag = (await store.receivePart(key, grant.uploadId!, grant.part!, body, checks)).etag;
    } else {
      etag = (await store.receive(key, body, { ...checks, contentType })).etag;
    }
  } catch (e) {
    await release?.(); // only a successful upload uses the URL up
    throw e;
  }
  return reply.code(200).header('ETag', `"${etag}"`).send();
}

async function getObject(
  store: LocalObjectStore,
  gate: DownloadGate,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const key = keyOf(req);
  const grant = store.verifyUrl('GET', key, req.query as Query);
  await admit(gate, key, grant);
  for (let attempt = 1; ; attempt++) {
    const head = await store.head(key);
    if (!head) throw ObjectErrors.objectNotFound(key);
    reply.header('Accept-Ranges', 'bytes');
    reply.header('ETag', `"${head.etag}"`);
    reply.header('Last-Modified', head.lastModified.toUTCString());
    reply.header('Content-Type', head.contentType);
    if (grant.downloadName !== undefined)
      reply.header('Content-Disposition', contentDisposition(grant.downloadName));
    if (req.method === 'HEAD') {
      return reply.code(200).header('Content-Length', String(head.size)).send();
    }

    // If-Range: resume only if the object is still the one the client has part of.
    const ifRange = req.headers['if-range'];
    const rangeApplies =
      ifRange === undefined || ifRange === `"${head.etag}"` || ifRange === head.lastModified.toUTCString();
    const range = rangeApplies ? parseRange(req.headers.range, head.size) : undefined;
    if (range === 'unsatisfiable') throw ObjectErrors.rangeNotSatisfiable(head.size);

    const got = await store.get(key, range);
    if (!got) continue; // deleted since head(): the next head() says 404
    if (got.meta.etag !== head.etag && attempt < ATTEMPTS) {
      // Overwritten between head() and get(): the headers and range would be stale.
      (got.body as NodeJS.ReadableStream & { destroy(): void }).destroy();
      continue;
    }
    const size = got.meta.size;
    if (range) {
      const end = Math.min(range.end, size - 1);
      reply.code(206).header('Content-Range', `bytes ${range.start}-${end}/${size}`);
      reply.header('Content-Length', String(end - range.start + 1));
    } else {
      reply.code(200).header('Content-Length', String(size));
    }
    return reply.send(got.body);
  }
}
