// The dialog's routes outside the contract's operations:
// - the chat-command WebSocket `/v1/{project_id}/digital-human-chat/chat-command/{job_id}`,
//   admitted by a one-off code (`?token=`, single use, for the job's room) or by the same
//   credentials an API call takes (X-Auth-Token, a signature);
// - `POST /v1/{project_id}/digital-human-chat/dialog-sessions`, the dialog page's start: the
//   end user's activation code is the credential, so failures back off per client address;
// - the media endpoint (WebRTC offer → answer), when the server has a media output.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { WebSocketServer } from 'ws';
import { isAppError } from '../../core/errors/index.ts';
import { isHexId } from '../../core/util/ids.ts';
import type { MediaAnswerer } from '../../http/dialog-media-routes.ts';
import type { OnceCodes } from '../dialog-apps/index.ts';
import type { ModuleRouteContext } from '../types.ts';
import { ChatConnection, type CommandOptions } from './chat-command.ts';
import type { ChatSession } from './chat-session.ts';
import type { DialogJobsService } from './dialog-jobs.service.ts';

export type RouteContext = ModuleRouteContext;

const SOCKET_PATH = /^\/v1\/([^/]+)\/digital-human-chat\/chat-command\/([^/?]+)$/;

export function dialogJobsRoutes(opts: {
  service: DialogJobsService;
  onceCodes: OnceCodes;
  command: Omit<CommandOptions, 'idleMs'> & { idleMs: number };
  ctx: RouteContext;
  /** The WebRTC media route, given the session lookup (registered when the server has media). */
  mediaRoutes?: (
    resolve: (projectId: string, jobId: string, token: string) => Promise<MediaAnswerer | undefined>,
  ) => FastifyPluginAsync;
}): FastifyPluginAsync {
  return async (app) => {
    const wss = new WebSocketServer({ noServer: true, maxPayload: 6 * 1024 * 1024 });
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://local');
      const m = SOCKET_PATH.exec(url.pathname);
      if (!m) return; // another upgrade handler's (none today): leave it
      void admit(req, url, m[1] as string, decodeURIComponent(m[2] as string)).then(
        (session) =>
          wss.handleUpgrade(req, socket, head, (ws) => {
            const conn = new ChatConnection(
              { send: (t) => ws.send(t), close: (code, reason) => ws.close(code, reason.slice(0, 120)) },
              session,
              opts.command,
            );
            ws.on('message', (data, isBinary) => {
              if (isBinary) {
                ws.send(
                  JSON.stringify({
                    error_code: 'MSS.00000002',
                    error_msg: 'binary messages are not accepted; send JSON text',
                  }),
                );
                return;
              }
              void conn.message(data.toString());
            });
            ws.on('close', () => conn.closedBySocket());
            ws.on('error', () => conn.closedBySocket());
            void conn.open();
          }),
        (e) => refuseUpgrade(socket, e),
      );
    };
    app.server.on('upgrade', onUpgrade);
    app.addHook('onClose', async () => {
      app.server.off('upgrade', onUpgrade);
      for (const c of wss.clients) c.terminate();
      wss.close();
      await opts.service.closeAll();
    });

    /** Who may open the socket: a one-off code for the job's room, or the API's credentials. */
    async function admit(
      req: IncomingMessage,
      url: URL,
      projectId: string,
      jobId: string,
    ): Promise<ChatSession> {
      if (!isHexId(projectId))
        throw new UpgradeRefusal(400, 'project_id must be 32 lowercase hex characters');
      const token = url.searchParams.get('token');
      const { session, row } = await opts.service.runningSession(projectId, jobId);
      if (token !== null) {
        await opts.onceCodes.consumeOnceCode(projectId, token, row.room_id);
        return session;
      }
      const pending = await opts.ctx.authenticate.begin({
        method: 'GET',
        rawPath: url.pathname,
        rawQuery: url.search.replace(/^\?/, ''),
        headers: req.headers,
        pathProjectId: projectId,
      });
      const caller = pending.caller ?? (await pending.finish(Buffer.alloc(0)));
      if (caller.projectId !== projectId)
        throw new UpgradeRefusal(403, 'the credentials are for another project');
      return session;
    }

    app.post('/v1/:project_id/digital-human-chat/dialog-sessions', async (req, reply) => {
      const { project_id: projectId } = req.params as { project_id: string };
      if (!isHexId(projectId))
        return reply
          .code(400)
          .send({ error_code: 'MSS.00000003', error_msg: 'project_id must be 32 lowercase hex characters' });
      const wait = opts.ctx.guards.addresses.blockedFor(req.ip);
      if (wait > 0)
        return reply
          .code(429)
          .header('Retry-After', String(Math.ceil(wait / 1000)))
          .send({
            error_code: 'APIGW.0308',
            error_msg: 'too many failed activation codes from this address; try later',
          });
      const body = parseBody(req.body);
      try {
        const out = await opts.service.openSession(
          projectId,
          body,
          `${req.ip}|${String(req.headers['user-agent'] ?? '')}`,
        );
        opts.ctx.guards.addresses.succeed(req.ip);
        return out;
      } catch (e) {
        if (isAppError(e) && (e.code === 'MSS.47010043' || e.code === 'MSS.47010045'))
          opts.ctx.guards.addresses.fail(req.ip);
        throw e;
      }
    });

    if (opts.mediaRoutes)
      await app.register(
        opts.mediaRoutes(async (p, j, t) => {
          const session = await opts.service.mediaSession(p, j, t);
          return session && { answer: (sdp: string) => session.viewer(sdp) };
        }),
      );
  };
}

class UpgradeRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Before the handshake, a refusal is a plain HTTP answer with the catalog body. */
function refuseUpgrade(socket: Duplex, e: unknown): void {
  const status = e instanceof UpgradeRefusal ? e.status : isAppError(e) ? e.status : 500;
  const body = JSON.stringify(
    isAppError(e)
      ? e.toBody()
      : { error_code: status === 500 ? 'MSS.00000001' : 'MSS.00000004', error_msg: (e as Error).message },
  );
  const reason =
    status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function parseBody(raw: unknown): Record<string, unknown> {
  if (Buffer.isBuffer(raw)) {
    try {
      const v = JSON.parse(raw.toString('utf8')) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
}
