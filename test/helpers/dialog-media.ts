// The rig of the dialog media tests: a LiveStream (generated avatar, eSpeak) with the dialog
// encoder settings and its WebRtcOut, on a bare Fastify with the media route, the dialog page,
// a blank page (for tests that drive WebRTC by hand) and stubs of the lead's side: the
// dialog-sessions endpoint (code "good" for room r1, robot b1) and the chat-command socket
// (each TEXT_DRIVE answered in two ANSWER_TEXT pieces and said by the stream, whose events
// become ANSWER_START/END). Plus headless Chromium as the research note says to start it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import { loadAvatarPackage } from '../../src/engines/render/index.ts';
import { createSpeechService } from '../../src/engines/speech/index.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import { DIALOG_ENCODER, LiveStream, speechClips, WebRtcOut } from '../../src/engines/stream/index.ts';
import { dialogMediaRoutes } from '../../src/http/dialog-media-routes.ts';
import { dialogPageRoutes } from '../../src/http/dialog-page-routes.ts';
import { registerErrorHandling } from '../../src/http/error-handler.ts';
import { avatarFiles } from './avatar.ts';
import { envTools } from './media-fixtures.ts';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
  '--no-sandbox',
];
export const TOKEN = 'once-code-0123456789';
export const MEDIA = `/v1/p1/digital-human-chat/media/job1?token=${TOKEN}`;
const VOICE = { engine: 'espeak', language: 'en', params: { voice: 'en-us' } };
const PROSODY = { speed: 100, pitch: 100, volume: 140 };

export interface DialogRig {
  stream: LiveStream<{ text: string }>;
  out: WebRtcOut;
  app: FastifyInstance;
  base: string;
  /** What the page sent over the chat-command socket, and the socket. */
  chat: { sent: Array<{ request_id: string; payload: Record<string, unknown> }>; socket?: WebSocket };
  /** Wall time each item's first frame went to the encoder. */
  startedAt: Map<string, number>;
  close(): Promise<void>;
}

export async function startDialogRig(): Promise<DialogRig> {
  const tools = envTools();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-dialog-media-'));
  const speech = createSpeechService({ poolSize: 1 });
  const chat: DialogRig['chat'] = { sent: [] };
  const startedAt = new Map<string, number>();
  let base = '';
  let stream: LiveStream<{ text: string }> | undefined;
  let out: WebRtcOut | undefined;
  const app = Fastify();
  const close = async () => {
    await out?.close();
    await stream?.stop();
    await app.close();
    await speech.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pkgDir = path.join(dir, 'avatar');
    for (const [name, bytes] of avatarFiles()) {
      fs.mkdirSync(path.dirname(path.join(pkgDir, name)), { recursive: true });
      fs.writeFileSync(path.join(pkgDir, name), bytes);
    }
    const avatar = await loadAvatarPackage(pkgDir);
    await speech.synthesizeAll({
      script: parseSpeechInput('ready', { maxChars: 100 }),
      voice: VOICE,
      prosody: PROSODY,
    });
    stream = await LiveStream.start<{ text: string }>({
      tools,
      avatar,
      width: 640,
      height: 360,
      bitrateKbps: 800,
      background: { color: '#203040' },
      dir: path.join(dir, 'stream'),
      preset: 'ultrafast',
      encoder: DIALOG_ENCODER,
      synthesize: (item, signal) =>
        speechClips(speech, avatar, {
          script: parseSpeechInput(item.payload.text, { maxChars: 5000 }),
          voice: VOICE,
          prosody: PROSODY,
          signal,
        }),
      onEvent: (e) => {
        if (e.type === 'start') startedAt.set(e.item.id, Date.now());
        if ((e.type === 'start' || e.type === 'end') && chat.socket)
          chat.socket.send(
            JSON.stringify({
              payload: { command: e.type === 'start' ? 'ANSWER_START' : 'ANSWER_END', answer_id: e.item.id },
            }),
          );
      },
    });
    out = await WebRtcOut.start({ ffmpegPath: tools.ffmpeg.path, stream });
    registerErrorHandling(app, 1024 * 1024);
    await app.register(
      dialogMediaRoutes({
        resolve: async (projectId, jobId, token) =>
          projectId === 'p1' && jobId === 'job1' && token === TOKEN ? out : undefined,
      }),
    );
    // The browser's page: same origin as the route, nothing in it (the test drives it).
    app.get('/blank', async (_req, reply) => reply.type('text/html').send('<!doctype html><title>t</title>'));
    // The real dialog page, with stubs of the lead's side: the session endpoint and the
    // chat-command socket (answers are said by the stream; its events become ANSWER_START/END).
    await app.register(dialogPageRoutes());
    app.post('/v1/p1/digital-human-chat/dialog-sessions', async (req, reply) => {
      const body = req.body as { room_id?: string; robot_id?: string; active_code?: string };
      if (body.active_code !== 'good' || body.room_id !== 'r1' || body.robot_id !== 'b1')
        return reply
          .code(400)
          .send({ error_code: 'MSS.00000003', error_msg: 'The activation code is not valid' });
      return {
        job_id: 'job1',
        chat_access_address: new URL(base).host,
        once_code: TOKEN,
        media_url: MEDIA,
        language: 'en',
        faqs: ['What is the price?', 'Where is the shop?'],
      };
    });
    const wss = new WebSocketServer({ noServer: true });
    app.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '', 'http://x');
      if (
        url.pathname !== '/v1/p1/digital-human-chat/chat-command/job1' ||
        url.searchParams.get('token') !== TOKEN
      )
        return socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => {
        chat.socket = ws;
        ws.send(JSON.stringify({ error_code: 'MSS.00000000', error_msg: 'success', request_id: 'r0' }));
        ws.send(
          JSON.stringify({
            request_id: 'r1',
            payload: { command: 'START_CHAT', job_id: 'job1', chat_id: 'c1' },
          }),
        );
        ws.on('message', (data) => {
          const m = JSON.parse(String(data));
          chat.sent.push(m);
          if (m.payload.command !== 'TEXT_DRIVE') return;
          const answerId = `a${chat.sent.length}`;
          const pieces = ['It is nine dollars, ', 'and papa made a map.'];
          for (const [i, text] of pieces.entries())
            ws.send(
              JSON.stringify({
                request_id: m.request_id,
                payload: {
                  command: 'ANSWER_TEXT',
                  chat_id: 'c1',
                  answer_id: answerId,
                  text,
                  is_last: i === 1,
                },
              }),
            );
          stream?.say({ id: answerId, kind: 'reply', payload: { text: pieces.join('') } }, 'PLAY_NOW');
        });
      });
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    return { stream: stream!, out: out!, app, base, chat, startedAt, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: ['--mute-audio'],
  });
}
