// A dialog stream watched in a real browser: a LiveStream (generated avatar, eSpeak) with the
// dialog encoder settings, its WebRtcOut, the media route on a bare Fastify, and headless
// Chromium signalling through that route on 127.0.0.1. Checked on what Chromium decodes:
// video frames keep arriving (requestVideoFrameCallback, framesDecoded), and the sound has
// energy once the stream says something. A wrong token is a 403, a malformed offer a 400.
// The latency from `say()` to the first decoded sound is printed, not asserted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AvatarPackage, loadAvatarPackage } from '../../src/engines/render/index.ts';
import { createSpeechService } from '../../src/engines/speech/index.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import {
  DIALOG_ENCODER,
  LiveStream,
  type StreamEvent,
  speechClips,
  WebRtcOut,
} from '../../src/engines/stream/index.ts';
import { dialogMediaRoutes } from '../../src/http/dialog-media-routes.ts';
import { dialogPageRoutes } from '../../src/http/dialog-page-routes.ts';
import { registerErrorHandling } from '../../src/http/error-handler.ts';
import { avatarFiles } from '../helpers/avatar.ts';
import { envTools } from '../helpers/media-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
  '--no-sandbox',
];
const tools = envTools();
const VOICE = { engine: 'espeak', language: 'en', params: { voice: 'en-us' } };
const PROSODY = { speed: 100, pitch: 100, volume: 140 };
const TOKEN = 'once-code-0123456789';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-dialog-media-'));
const speech = createSpeechService({ poolSize: 1 });
let avatar: AvatarPackage;
let stream: LiveStream<{ text: string }> | undefined;
let out: WebRtcOut | undefined;
let app: FastifyInstance | undefined;
let base = '';
/** The stub chat-command server's view: what the page sent, and the open socket. */
const chat: { sent: Array<{ request_id: string; payload: Record<string, unknown> }>; socket?: WebSocket } = {
  sent: [],
};
/** Wall time each item's first frame went to the encoder. */
const startedAt = new Map<string, number>();
let onStreamEvent: (e: StreamEvent<{ text: string }>) => void = () => {};

before(async () => {
  const pkgDir = path.join(dir, 'avatar');
  for (const [name, bytes] of avatarFiles()) {
    fs.mkdirSync(path.dirname(path.join(pkgDir, name)), { recursive: true });
    fs.writeFileSync(path.join(pkgDir, name), bytes);
  }
  avatar = await loadAvatarPackage(pkgDir);
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
    onEvent: (e) => onStreamEvent(e),
  });
  out = await WebRtcOut.start({ ffmpegPath: tools.ffmpeg.path, stream });
  app = Fastify();
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
              payload: { command: 'ANSWER_TEXT', chat_id: 'c1', answer_id: answerId, text, is_last: i === 1 },
            }),
          );
        stream!.say({ id: answerId, kind: 'reply', payload: { text: pieces.join('') } }, 'PLAY_NOW');
      });
    });
  });
  onStreamEvent = (e) => {
    if (e.type === 'start') startedAt.set(e.item.id, Date.now());
    if ((e.type === 'start' || e.type === 'end') && chat.socket)
      chat.socket.send(
        JSON.stringify({
          payload: { command: e.type === 'start' ? 'ANSWER_START' : 'ANSWER_END', answer_id: e.item.id },
        }),
      );
  };
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await out?.close();
  await stream?.stop();
  await app?.close();
  await speech.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const MEDIA = `/v1/p1/digital-human-chat/media/job1?token=${TOKEN}`;

test('the media route: 403 for an unknown job or a wrong token, 400 for a malformed offer', async () => {
  const post = (url: string, body: string) =>
    app!.inject({ method: 'POST', url, headers: { 'content-type': 'application/sdp' }, body });
  for (const url of [
    '/v1/p1/digital-human-chat/media/job1?token=wrong',
    '/v1/p1/digital-human-chat/media/job1',
    '/v1/p1/digital-human-chat/media/nope?token=' + TOKEN,
    '/v1/p2/digital-human-chat/media/job1?token=' + TOKEN,
  ]) {
    const r = await post(url, 'v=0\r\n');
    assert.equal(r.statusCode, 403, url);
    assert.equal(r.json().error_code, 'MSS.00000004');
  }
  for (const body of ['hello', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n']) {
    const r = await post(MEDIA, body);
    assert.equal(r.statusCode, 400, body);
    assert.equal(r.json().error_code, 'MSS.00000003');
    assert.ok(r.json().error_msg);
  }
  const big = await post(MEDIA, `v=0\r\n${'a=x\r\n'.repeat(20_000)}`);
  assert.equal(big.statusCode, 413);
  assert.equal(out!.viewers(), 0);
});

test('Chromium decodes the stream: frames arrive, and speech has energy', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is absent: the browser leg is not run`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: ['--mute-audio'],
  });
  /** A page that signals through the route and watches what it decodes. */
  const viewer = async () => {
    const page = await browser.newPage();
    // tsx keeps function names with a `__name` helper that the page does not have.
    await page.addInitScript('window.__name = (f) => f');
    await page.goto(`${base}/blank`);
    const connected = await page.evaluate(async (mediaUrl) => {
      const w = window as unknown as Record<string, unknown>;
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      const video = document.createElement('video');
      video.autoplay = true;
      video.playsInline = true;
      document.body.append(video);
      const tracks: MediaStreamTrack[] = [];
      pc.ontrack = (e) => {
        tracks.push(e.track);
        video.srcObject = new MediaStream(tracks);
      };
      let frames = 0;
      const onFrame = () => {
        frames++;
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
      // Decoded audio energy, polled from the receiver's stats (independent of any output
      // device). Its growth per second of samples is the power since the last poll: unlike
      // audioLevel (refreshed about every 100 ms) it marks the onset within a poll.
      const audio = { level: 0, energy: 0, seconds: 0, loudAt: 0 };
      const poll = async () => {
        const stats = await pc.getStats();
        stats.forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') {
            const energy = s.totalAudioEnergy ?? 0;
            const seconds = s.totalSamplesDuration ?? 0;
            const power = seconds > audio.seconds ? (energy - audio.energy) / (seconds - audio.seconds) : 0;
            Object.assign(audio, { level: s.audioLevel ?? 0, energy, seconds });
            // Power 1e-5: an RMS level of about 0.003 of full scale; silence decodes to 0.
            if (power > 1e-5 && !audio.loudAt && w.armed) audio.loudAt = Date.now();
          }
          if (s.type === 'inbound-rtp' && s.kind === 'video') w.framesDecoded = s.framesDecoded;
        });
        setTimeout(poll, 10);
      };
      w.probe = () => ({ frames, ...audio, framesDecoded: w.framesDecoded, state: pc.connectionState });
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      });
      const r = await fetch(mediaUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp' },
        body: pc.localDescription!.sdp,
      });
      if (r.status !== 201) return { status: r.status, body: await r.text() };
      const location = r.headers.get('location');
      const answer = await r.text();
      const candidates = answer.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const check = () => (pc.connectionState === 'connected' ? resolve() : setTimeout(check, 20));
        check();
      });
      void poll();
      return { status: 201, location, candidates, connectMs: performance.now() - t0 };
    }, MEDIA);
    assert.equal(connected.status, 201, JSON.stringify(connected));
    assert.match(
      String(connected.location),
      /^\/v1\/p1\/digital-human-chat\/media\/job1\/viewers\/[0-9a-f-]{36}$/,
    );
    // Host candidates on the given address only: no STUN, no other interface.
    assert.ok(connected.candidates?.length, JSON.stringify(connected));
    for (const c of connected.candidates ?? []) assert.match(c, / 127\.0\.0\.1 \d+ typ host/, c);
    type Probe = {
      frames: number;
      level: number;
      energy: number;
      loudAt: number;
      framesDecoded?: number;
      state: string;
    };
    const probe = () => page.evaluate(() => (window as unknown as { probe(): Probe }).probe());
    const until = async (pred: (p: Probe) => boolean, ms: number): Promise<Probe> => {
      const end = Date.now() + ms;
      for (;;) {
        const p = await probe();
        if (pred(p) || Date.now() > end) return p;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return { page, connected, probe, until };
  };
  try {
    const { page, connected, probe, until } = await viewer();
    assert.equal(out!.viewers(), 1);
    // The idle avatar: video without speech.
    const idle = await until((p) => p.frames >= 50, 20_000);
    assert.ok(idle.frames >= 50, `video frames arrive: ${JSON.stringify(idle)}`);
    // A second viewer of the same stream gets its own picture; the first is not disturbed.
    const second = await viewer();
    assert.equal(out!.viewers(), 2);
    const other = await second.until((p) => p.frames >= 25, 20_000);
    assert.ok(other.frames >= 25, `the second viewer sees video: ${JSON.stringify(other)}`);
    await second.page.close();
    const still = await until((p) => p.frames >= idle.frames + 25, 10_000);
    assert.ok(still.frames >= idle.frames + 25, 'the first viewer keeps its video');
    const quiet = await probe();
    await page.evaluate(() => {
      (window as unknown as { armed: boolean }).armed = true;
    });
    const saidAt = Date.now();
    stream!.say({ id: 'a1', kind: 'reply', payload: { text: 'Hello there, papa made a map.' } }, 'PLAY_NOW');
    const loud = await until((p) => p.loudAt > 0, 20_000);
    assert.ok(loud.loudAt > 0, `speech reaches the browser with energy: ${JSON.stringify({ quiet, loud })}`);
    assert.ok(loud.energy > quiet.energy, 'the decoded audio energy grew while the avatar spoke');
    const later = await until((p) => p.frames >= loud.frames + 25, 10_000);
    assert.ok(later.frames >= loud.frames + 25, 'video keeps coming while the avatar speaks');
    const start = startedAt.get('a1');
    console.log(
      `dialog media: connected in ${Math.round(connected.connectMs ?? 0)} ms after the answer; ` +
        `say() → first decoded sound ${loud.loudAt - saidAt} ms ` +
        `(of which first speech frame to the encoder → decoded sound ${start ? loud.loudAt - start : '?'} ms); ` +
        `${later.frames} frames shown, ${later.framesDecoded} decoded`,
    );

    // The relay dies: it is started again, and the same viewer's picture resumes.
    const [pid] = out!.pids();
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const killedAt = await probe();
    const resumed = await until((p) => p.frames >= killedAt.frames + 50, 20_000);
    assert.ok(
      resumed.frames >= killedAt.frames + 50,
      `video resumes: ${JSON.stringify({ killedAt, resumed })}`,
    );
    assert.notEqual(out!.pids()[0], pid);
    assert.equal(resumed.state, 'connected');
  } finally {
    await browser.close();
  }
  // The peer goes once the browser has gone (ICE fails) or when the output closes.
});

test('the dialog page is served with its CSP, and nothing outside dialog/', async () => {
  const page = await app!.inject({ method: 'GET', url: '/dialog/?project_id=p1' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<script type="module" src="\/dialog\/dialog.js">/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /connect-src 'self' ws: wss:/);
  assert.match(csp, /media-src [^;]*blob:[^;]*mediastream:/);
  assert.match(csp, /script-src 'self'(;|$)/);
  for (const f of ['dialog.js', 'dialog.css'])
    assert.equal((await app!.inject({ method: 'GET', url: `/dialog/${f}` })).statusCode, 200, f);
  for (const url of [
    '/dialog/../package.json',
    '/dialog/%2e%2e/package.json',
    '/dialog/.hidden',
    '/dialog/x.ts',
  ]) {
    const r = await app!.inject({ method: 'GET', url });
    assert.equal(r.statusCode, 404, url);
    assert.equal(r.json().error_code, 'APIGW.0101');
  }
});

test('the real dialog page in Chromium: activation, video, a question answered with captions, interrupt, the end', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is absent: the browser leg is not run`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: ['--mute-audio'],
  });
  try {
    const page = await browser.newPage();
    await page.addInitScript('window.__name = (f) => f');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The refused activation's 400 is logged by Chromium itself; anything else is the page's.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    type View = { state: string; lastAnswer: string };
    const view = () => page.evaluate(() => (window as unknown as { doppelDialog: View }).doppelDialog);
    const until = async (pred: (v: View) => boolean, ms = 20_000): Promise<View> => {
      const end = Date.now() + ms;
      for (;;) {
        const v = await view();
        if (pred(v) || Date.now() > end) return v;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await page.goto(`${base}/dialog/?project_id=p1&room_id=r1&robot_id=b1&enableCaption=true`);
    assert.equal((await view()).state, 'idle');
    // A wrong code: the server's error_msg is shown, the form stays.
    await page.fill('#code', 'bad');
    await page.press('#code', 'Enter');
    await page.waitForSelector('#error:not([hidden])');
    assert.equal(await page.textContent('#error'), 'The activation code is not valid');
    assert.equal((await view()).state, 'idle');

    await page.fill('#code', 'good');
    await page.click('#activate button');
    const listening = await until((v) => v.state === 'listening');
    assert.equal(listening.state, 'listening');
    assert.equal(await page.textContent('#status'), 'listening');
    assert.deepEqual(await page.$$eval('#faqs button', (bs) => bs.map((b) => b.textContent)), [
      'What is the price?',
      'Where is the shop?',
    ]);
    const frames = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const v = document.getElementById('avatar') as HTMLVideoElement;
          let n = 0;
          const f = () => (++n >= 25 ? resolve(n) : v.requestVideoFrameCallback(f));
          v.requestVideoFrameCallback(f);
          setTimeout(() => resolve(n), 15_000);
        }),
    );
    assert.equal(frames, 25, 'the avatar video plays on the page');

    await page.fill('#question', 'What is the price?');
    await page.press('#question', 'Enter');
    const speaking = await until((v) => v.state === 'speaking');
    assert.equal(speaking.state, 'speaking');
    assert.equal(speaking.lastAnswer, 'It is nine dollars, and papa made a map.');
    assert.equal(await page.textContent('#captions'), 'It is nine dollars, and papa made a map.');
    await page.click('#interrupt');
    // The page goes silent at once (the stream's tail is still on its way), and hears again
    // once the answer is over (this stub does not stop it).
    const muted = () => page.$eval('#avatar', (v) => (v as HTMLVideoElement).muted);
    assert.equal(await muted(), true);
    const back = await until((v) => v.state === 'listening');
    assert.equal(back.state, 'listening');
    await page.waitForFunction(() => !(document.getElementById('avatar') as HTMLVideoElement).muted);
    await page.click('#faqs button >> nth=1');
    await until(() => chat.sent.filter((m) => m.payload.command === 'TEXT_DRIVE').length === 2, 5000);

    const drive = chat.sent.find((m) => m.payload.command === 'TEXT_DRIVE')!;
    assert.match(drive.request_id, /^[0-9a-f]{32}$/);
    assert.deepEqual(drive.payload, {
      job_id: 'job1',
      robot_id: 'b1',
      chat_id: 'c1',
      command: 'TEXT_DRIVE',
      data: { text: 'What is the price?' },
    });
    const texts = chat.sent.filter((m) => m.payload.command === 'TEXT_DRIVE').map((m) => m.payload.data);
    assert.deepEqual(texts, [{ text: 'What is the price?' }, { text: 'Where is the shop?' }]);
    const interrupt = chat.sent.find((m) => m.payload.command === 'INTERRUPT_CHAT');
    assert.ok(interrupt, JSON.stringify(chat.sent));
    assert.notEqual(interrupt.request_id, drive.request_id);

    chat.socket!.send(
      JSON.stringify({ payload: { command: 'JOB_FINISHED', job_id: 'job1', reason: 'STOPPED' } }),
    );
    const ended = await until((v) => v.state.startsWith('ended'));
    assert.equal(ended.state, 'ended: STOPPED');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
