// Dialog test tools: an OpenAI-compatible chat-completions stand-in on 127.0.0.1 (streamed SSE
// or one JSON answer, its pieces and pacing chosen per test, every request recorded), a
// chat-command WebSocket client that keeps every message it receives, and a listening test
// platform whose public URL is its real address (chat_access_address points at it).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { DbLeg } from './db.ts';
import { freePort } from './live-media.ts';
import { startTestPlatform, type TestPlatform } from './platform.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON messages.
export type Msg = Record<string, any>;

export interface LlmReply {
  pieces: string[];
  /** Pause before each piece (ms). */
  delayMs?: number;
  status?: number;
}

export interface LlmStandIn {
  url: string;
  requests: Array<{ headers: http.IncomingHttpHeaders; body: Msg }>;
  /** What the next questions get (default: a short three-sentence answer). */
  reply: (body: Msg) => LlmReply;
  close(): Promise<void>;
}

export async function llmStandIn(): Promise<LlmStandIn> {
  const stand: LlmStandIn = {
    url: '',
    requests: [],
    reply: () => ({ pieces: ['Hello there. ', 'I am the avatar ', 'of this shop. ', 'Ask me anything.'] }),
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Msg;
      stand.requests.push({ headers: req.headers, body });
      const r = stand.reply(body);
      if (r.status && r.status !== 200) {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'stand-in refusal' } }));
        return;
      }
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ choices: [{ message: { role: 'assistant', content: r.pieces.join('') } }] }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const piece of r.pieces) {
        if (r.delayMs) await new Promise((s) => setTimeout(s, r.delayMs));
        if (res.destroyed) return;
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: piece } }] })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stand.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  stand.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return stand;
}

export interface ChatSocketClient {
  ws: WebSocket;
  messages: Msg[];
  /** The first message (from `from` on) that matches; waits up to `ms`. */
  next(pred: (m: Msg) => boolean, ms?: number, from?: number): Promise<Msg>;
  send(m: Msg): void;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

export function chatSocket(url: string, headers: Record<string, string> = {}): Promise<ChatSocketClient> {
  const ws = new WebSocket(url, { headers });
  const messages: Msg[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Msg);
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters) w();
    }),
  );
  const client: ChatSocketClient = {
    ws,
    messages,
    closed,
    send: (m) => ws.send(JSON.stringify(m)),
    next: (pred, ms = 60_000, from = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = messages.slice(from).find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no matching message within ${ms} ms; got ${JSON.stringify(messages).slice(-2000)}`),
          );
        }, ms);
        waiters.add(check);
        check();
      }),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
            status: res.statusCode,
            body: JSON.parse(Buffer.concat(parts).toString('utf8') || '{}'),
          }),
        ),
      );
    });
    ws.once('error', reject);
  });
}

export const command = (cmd: string, extra: Msg = {}): Msg => ({
  request_id: Math.random().toString(16).slice(2).padEnd(32, '0'),
  payload: { command: cmd, ...extra },
});

/** A test platform listening on 127.0.0.1, its public URL that address. */
export async function startListeningPlatform(
  leg: DbLeg,
  env: Record<string, string> = {},
): Promise<TestPlatform & { base: string; port: number }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const p = await startTestPlatform(leg, {
    env: { DOPPEL_PUBLIC_URL: base, DOPPEL_ALLOW_PRIVATE_FETCH: 'true', ...env },
  });
  await p.app.listen({ port, host: '127.0.0.1' });
  return Object.assign(p, { base, port });
}

export function ok(r: { status: number; body: unknown }): Msg {
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as Msg;
}
