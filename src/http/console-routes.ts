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

/** A request path under /console/ → the file it names, or undefined (outside, hidden, odd). */
export function consoleFile(rel: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.split('/').some((seg) => seg.startsWith('.'))) return undefined;
  const file = path.resolve(CONSOLE_DIR, decoded === '' ? 'index.html' : decoded);
  return file.startsWith(CONSOLE_DIR + path.sep) ? file : undefined;
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

  const send = async (reply: FastifyReply, file: string, method: string, url: string) => {
    const type = TYPES[path.extname(file)];
    const bytes = type ? await fs.readFile(file).catch(() => undefined) : undefined;
    if (!bytes) {
      const e = Errors.routeNotFound(method, url);
      return reply.code(e.status).type('application/json').send(e.toBody());
    }
    return reply
      .type(type!)
      .header('Cache-Control', 'no-cache')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', CSP)
      .header('Referrer-Policy', 'same-origin')
      .send(bytes);
  };

  return async (app) => {
    const index = (req: { method: string; url: string }, reply: FastifyReply) =>
      send(reply, path.join(CONSOLE_DIR, 'index.html'), req.method, req.url);
    app.get('/', index);
    app.get('/console', index);
    app.get('/console/*', (req, reply) => {
      const rel = (req.params as { '*': string })['*'];
      const file = consoleFile(rel);
      if (!file) {
        const e = Errors.routeNotFound(req.method, req.url.split('?')[0]!);
        return reply.code(e.status).type('application/json').send(e.toBody());
      }
      return send(reply, file, req.method, req.url.split('?')[0]!);
    });
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
