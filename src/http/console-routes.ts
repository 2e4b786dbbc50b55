// The console and the API description, served beside the MetaStudio operations and outside
// them: `/` and `/console` (the console's page), `/console/*` (its static files, shipped in
// the repo's console/ folder, no build step), `/openapi.json` (the contract with Doppel's
// extensions, each operation marked `x-doppel-implemented`). None of these need a signature:
// the console signs its own API calls like any SDK. Auth on every other route is untouched.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { EXTENSIONS_PATH, type Extensions, withExtensions } from '../contract/extensions.ts';
import { Errors } from '../core/errors/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CONSOLE_DIR = path.join(ROOT, 'console');
const CONTRACT_PATH = path.join(ROOT, 'contract', 'metastudio.openapi.json');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

// Scripts and styles only from this server; media and API calls may also reach the object
// store's presigned URLs, which are elsewhere when S3 is configured.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "media-src 'self' blob: http: https:",
  "connect-src 'self' http: https:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** A request path under a static folder → the file it names, or undefined (outside, hidden, odd). */
export function staticFile(dir: string, rel: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.split('/').some((seg) => seg.startsWith('.'))) return undefined;
  const file = path.resolve(dir, decoded === '' ? 'index.html' : decoded);
  return file.startsWith(dir + path.sep) ? file : undefined;
}

/** A request path under /console/ → the file it names, or undefined (outside, hidden, odd). */
export const consoleFile = (rel: string): string | undefined => staticFile(CONSOLE_DIR, rel);

/**
 * Answers with a static file of a known type under the given CSP, or the gateway's 404 when
 * it is missing or of a type not served.
 */
export async function sendStaticFile(
  reply: FastifyReply,
  file: string | undefined,
  csp: string,
  req: { method: string; url: string },
): Promise<FastifyReply> {
  const type = file ? TYPES[path.extname(file)] : undefined;
  const bytes = file && type ? await fs.readFile(file).catch(() => undefined) : undefined;
  if (!bytes) {
    const e = Errors.routeNotFound(req.method, req.url.split('?')[0]!);
    return reply.code(e.status).type('application/json').send(e.toBody());
  }
  return reply
    .type(type!)
    .header('Cache-Control', 'no-cache')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Security-Policy', csp)
    .header('Referrer-Policy', 'same-origin')
    .send(bytes);
}

export function consoleRoutes(opts: { implemented: readonly string[] }): FastifyPluginAsync {
  let openapi: Promise<string> | undefined;
  const buildOpenapi = async (): Promise<string> => {
    const doc = withExtensions(
      JSON.parse(await fs.readFile(CONTRACT_PATH, 'utf8')) as {
        paths: Record<string, Record<string, unknown>>;
      },
      JSON.parse(await fs.readFile(path.join(ROOT, EXTENSIONS_PATH), 'utf8')) as Extensions,
    );
    const implemented = new Set(opts.implemented);
    for (const item of Object.values(doc.paths))
      for (const op of Object.values(item) as Array<{ operationId?: string; [k: string]: unknown }>)
        if (op?.operationId) op['x-doppel-implemented'] = implemented.has(op.operationId);
    return JSON.stringify(doc);
  };

  return async (app) => {
    const index = (req: { method: string; url: string }, reply: FastifyReply) =>
      sendStaticFile(reply, path.join(CONSOLE_DIR, 'index.html'), CSP, req);
    app.get('/', index);
    app.get('/console', index);
    app.get('/console/*', (req, reply) =>
      sendStaticFile(reply, consoleFile((req.params as { '*': string })['*']), CSP, req),
    );
    app.get('/openapi.json', async (_req, reply) => {
      openapi ??= buildOpenapi().catch((err) => {
        openapi = undefined;
        throw err;
      });
      return reply
        .type('application/json; charset=utf-8')
        .header('Cache-Control', 'no-cache')
        .send(await openapi);
    });
  };
}
