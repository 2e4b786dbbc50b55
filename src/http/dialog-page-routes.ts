// The dialog page: `/dialog/` and `/dialog/*`, static files shipped in the repo's dialog/
// folder (plain ES modules, no build step), with the console's safe-path rules and headers
// (console-routes.ts). Unsigned like the console: the page holds no access key; it trades the
// user's activation code for a job and a one-time token (the dialog-sessions route), then
// talks over the chat-command WebSocket and WebRTC. Its CSP lets it open WebSockets and play
// a MediaStream, and nothing from elsewhere.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { sendStaticFile, staticFile } from './console-routes.ts';

export const DIALOG_DIR = path.join(fileURLToPath(new URL('../../', import.meta.url)), 'dialog');

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function dialogPageRoutes(): FastifyPluginAsync {
  return async (app) => {
    // The app ignores trailing slashes: `/dialog/` (the URL CreateDialogUrl gives) arrives as `/dialog`.
    app.get('/dialog', (req, reply) => sendStaticFile(reply, staticFile(DIALOG_DIR, ''), CSP, req));
    app.get('/dialog/*', (req, reply) =>
      sendStaticFile(reply, staticFile(DIALOG_DIR, (req.params as { '*': string })['*']), CSP, req),
    );
  };
}
