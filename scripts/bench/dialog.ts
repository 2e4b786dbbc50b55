// `npm run bench:dialog [-- --questions 6 --sessions 6 --window 30 --compare]`: issue 13's dialog targets,
// measured on the whole platform in this process (createDeps → buildPlatform, embedded PGlite,
// listening on 127.0.0.1), the shipped avatar SYSTEM_AVATARS[0], the system English voice
// (eSpeak), rooms at 1280×720, a local OpenAI-compatible stand-in that streams its whole answer
// at once (SSE, no delay), and headless Chromium opening the real dialog page (activation code,
// its own chat socket and WebRTC). The bench has a chat socket of its own on each job (the
// page's socket is the same job's; answers are broadcast to both) and sends the questions and
// interrupts on it, so the figures are the server + media path, not the page's buttons.
//
//   question → first audio   bench socket sends TEXT_DRIVE (wall clock) until an AnalyserNode
//                            on the page's received audio track first rises above the idle
//                            level (RMS sampled every 10 ms in the page, wall clock): measured
//                            in the browser. TEXT_DRIVE → ANSWER_START (the first speaking frame
//                            entered the encoder, from the socket) shows the server's share,
//                            ANSWER_START → first audio the media's. --questions (6) after one
//                            warm-up question, printed apart (the first synthesis is cold).
//   interrupt → silence      while an answer plays, INTERRUPT_CHAT on the bench socket until the
//                            last sample above the idle level: what is still in the encoder,
//                            relay and jitter buffer. The page does not mute itself here (it
//                            does on its own Interrupt button, which silences the element at once).
//                            --compare: every second counted question is a control whose
//                            interrupt is not cut in the WebRTC output (the session stream's
//                            audioCut() hidden for it), printed apart: the cut's gain at the
//                            same load, interleaved.
//   concurrent sessions      1…--sessions dialogs at once, each answering long answers without
//                            pause (asked again on ANSWER_END), each watched by one dialog page
//                            (one Chromium, one tab per session, all opened together; each
//                            tab's decoded fps is printed too). A session holds when its stream
//                            wrote ≥ 24.5 fps and dropped no frame over the last 20 s of
//                            --window (30 s); stops at the first N that does not hold. CPU of this
//                            process tree over the same 20 s: Node, ffmpeg (encoders and relays),
//                            Chromium, in % of one core.
// The machine may be shared: the load average is printed with the figures. Without
// /usr/bin/chromium the browser parts (all three) are skipped with a message.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createDeps } from '../../src/deps.ts';
import { LiveStream } from '../../src/engines/stream/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { SYSTEM_VOICES } from '../../src/modules/assets/system-voices.ts';
import { buildPlatform } from '../../src/platform.ts';

const { values: opts } = parseArgs({
  options: {
    questions: { type: 'string', default: '6' },
    sessions: { type: 'string', default: '6' },
    window: { type: 'string', default: '30' },
    compare: { type: 'boolean', default: false },
  },
});
const QUESTIONS = Math.max(1, Number(opts.questions));
const MAX_SESSIONS = Math.max(1, Number(opts.sessions));
const WINDOW_S = Math.max(25, Number(opts.window));
const COMPARE = opts.compare === true;
const CHROMIUM = '/usr/bin/chromium';
const WIDTH = 1280;
const HEIGHT = 720;
const EN_VOICE = SYSTEM_VOICES.find((v) => v.voice.language === 'en')!.assetId;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

// biome-ignore lint/suspicious/noExplicitAny: the bench reads arbitrary JSON.
type Msg = Record<string, any>;

// ── the streams: every LiveStream this process starts, by its directory (chat-{job_id}) ──
// The dialog service keeps its sessions to itself; wrapping the static start is enough for a
// bench to read each session's stream stats without an accessor in src.
const streams = new Map<string, LiveStream<unknown>>();
{
  const ls = LiveStream as unknown as { start: (o: { dir: string }) => Promise<LiveStream<unknown>> };
  const start = ls.start.bind(LiveStream);
  ls.start = async (o) => {
    const s = await start(o);
    streams.set(path.basename(o.dir).replace(/^chat-/, ''), s);
    return s;
  };
}

// ── the LLM stand-in: one streamed SSE answer, all pieces at once ──
let answer: string[] = [];
const llmServer = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const piece of answer)
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: piece } }] })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
});
await new Promise<void>((r) => llmServer.listen(0, '127.0.0.1', r));
const LLM_URL = `http://127.0.0.1:${(llmServer.address() as net.AddressInfo).port}/v1/chat/completions`;
const SHORT = Array.from(
  { length: 6 },
  (_, i) => `Our flask number ${i + 1} keeps tea hot for twelve hours, and it fits in any bag. `,
);
const LONG = Array.from(
  { length: 30 },
  (_, i) => `Lamp number ${i + 1} is made of oak and glass, and it gives a warm and gentle light. `,
);

// ── the platform, in process ──
const port = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-bench-dialog-'));
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  DOPPEL_DATA_DIR: dataDir,
  DOPPEL_PUBLIC_URL: base,
  DOPPEL_ALLOW_PRIVATE_FETCH: 'true',
  DOPPEL_THROTTLE: 'false',
  DOPPEL_LOG_LEVEL: 'silent',
};
for (const k of ['FFMPEG_PATH', 'FFPROBE_PATH', 'DOPPEL_MEDIA_TOOLS'])
  if (process.env[k]) env[k] = process.env[k] as string;
const deps = await createDeps(loadConfig(env), createLogger({ level: 'silent' }));
const platform = await buildPlatform(deps, { runsJobs: false, serveApi: true });
await platform.app.listen({ port, host: '127.0.0.1' });

const project = await deps.accounts.createProject({ name: 'bench', domainName: 'bench' });
await deps.accounts.createUser({ domainName: 'bench', name: 'bench', password: 'bench-dialog-1' });
const { token } = await deps.accounts.issueToken({
  domainName: 'bench',
  userName: 'bench',
  password: 'bench-dialog-1',
  project: { id: project.id },
});
const CHAT = `/v1/${project.id}/digital-human-chat`;
async function call(method: string, p: string, body?: unknown): Promise<Msg> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-auth-token': token },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Msg;
  if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// ── the bench's chat socket on a job ──
interface Sock {
  messages: Array<{ at: number; m: Msg }>;
  next(pred: (m: Msg) => boolean, from: number, ms?: number): Promise<{ at: number; m: Msg }>;
  send(cmd: string, data?: Msg): number;
  close(): void;
}
async function chatSocket(jobId: string): Promise<Sock> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${CHAT}/chat-command/${jobId}`, {
    headers: { 'x-auth-token': token },
  });
  const messages: Sock['messages'] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    messages.push({ at: Date.now(), m: JSON.parse(String(d)) as Msg });
    for (const w of waiters) w();
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const beat = setInterval(() => sock.send('HEARTBEAT'), 20_000);
  const sock: Sock = {
    messages,
    next: (pred, from, ms = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = messages.slice(from).find((x) => pred(x.m));
          if (!hit) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`job ${jobId}: no matching message within ${ms} ms`));
        }, ms);
        waiters.add(check);
        check();
      }),
    send: (cmd, data) => {
      const at = Date.now();
      const request_id = Math.random().toString(16).slice(2).padEnd(32, '0');
      ws.send(JSON.stringify({ request_id, payload: { command: cmd, ...(data ? { data } : {}) } }));
      return at;
    },
    close: () => {
      clearInterval(beat);
      ws.close();
    },
  };
  await sock.next((m) => m.payload?.command === 'START_CHAT', 0);
  return sock;
}
const is = (cmd: string) => (m: Msg) => m.payload?.command === cmd;

// ── CPU of this process tree (Linux /proc), grouped by command name ──
function treeCpu(): Map<string, number> {
  const procs: Array<{ pid: number; ppid: number; comm: string; ms: number }> = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      procs.push({
        pid: Number(d),
        ppid: Number(f[1]),
        comm,
        ms: ((Number(f[11]) + Number(f[12])) * 1000) / 100,
      });
    } catch {}
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs)
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
  }
  const out = new Map<string, number>();
  for (const p of procs) {
    if (!mine.has(p.pid)) continue;
    const group =
      p.pid === process.pid
        ? 'Node'
        : /chrom/i.test(p.comm)
          ? 'Chromium'
          : /ffmpeg/.test(p.comm)
            ? 'ffmpeg'
            : 'other';
    out.set(group, (out.get(group) ?? 0) + p.ms);
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms  (${xs.map((x) => x.toFixed(0)).join(' ')})`;

type Browser = Awaited<ReturnType<typeof import('playwright-core')['chromium']['launch']>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

/** One dialog page that has started its job and receives media; plus the bench's socket on it. */
interface Viewer {
  page: Page;
  jobId: string;
  sock: Sock;
}

async function openViewer(browser: Browser, url: string, code: string): Promise<Viewer> {
  const page = await browser.newPage();
  await page.addInitScript('window.__name = (f) => f');
  await page.goto(url);
  await page.fill('#code', code);
  await page.press('#code', 'Enter');
  const jobId = await page
    .waitForFunction(
      () => {
        const v = (window as unknown as { doppelDialog: { state: string; jobId: string } }).doppelDialog;
        return v.state === 'listening' && v.jobId;
      },
      undefined,
      { timeout: 90_000, polling: 100 },
    )
    .then((h) => h.jsonValue() as Promise<string>);
  // Connected once frames are decoded (polled here: waitForFunction takes a promise for a yes).
  for (const end = Date.now() + 60_000; (await decoded(page)) <= 10; await sleep(200))
    if (Date.now() > end) throw new Error(`job ${jobId}: no decoded frames within 60 s`);
  return { page, jobId, sock: await chatSocket(jobId) };
}

async function closeViewers(vs: Viewer[]): Promise<void> {
  await Promise.all(
    vs.map(async (v) => {
      const from = v.sock.messages.length;
      v.sock.send('STOP_CHAT');
      await v.sock.next(is('JOB_FINISHED'), from, 15_000).catch(() => {});
      v.sock.close();
      await v.page.close();
      streams.delete(v.jobId);
    }),
  );
}

/** An AnalyserNode on the page's received audio track, its RMS every 10 ms (wall clock) in window.__levels. */
async function listen(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const v = document.getElementById('avatar') as HTMLVideoElement;
    const track = (v.srcObject as MediaStream).getAudioTracks()[0];
    const ctx = new AudioContext();
    await ctx.resume();
    const an = ctx.createAnalyser();
    an.fftSize = 512;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(an);
    const buf = new Float32Array(an.fftSize);
    const levels: Array<[number, number]> = [];
    (window as unknown as { __levels: typeof levels }).__levels = levels;
    setInterval(() => {
      an.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const x of buf) sum += x * x;
      levels.push([Date.now(), Math.sqrt(sum / buf.length)]);
      if (levels.length > 20_000) levels.splice(0, 10_000);
    }, 10);
  });
}
const levelsSince = (page: Page, t: number) =>
  page.evaluate(
    (t) => (window as unknown as { __levels: Array<[number, number]> }).__levels.filter(([at]) => at >= t),
    t,
  );

try {
  console.log(
    `${os.availableParallelism()} cores; load ${load()}; ${WIDTH}×${HEIGHT}; avatar ${SYSTEM_AVATARS[0].assetId}; voice ${EN_VOICE}`,
  );
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`${CHROMIUM} is absent: every figure of this bench is read in the browser, none is measured`);
  } else {
    const { robot_id: robotId } = await call('POST', `${CHAT}/robot`, {
      name: 'bench robot',
      app_type: 6,
      language: 'en_US',
      third_party_model_config: { llm_url: LLM_URL, app_key: 'sk-bench', is_stream: true, chat_rounds: 1 },
    });
    const { room_id: roomId } = await call('POST', `/v1/${project.id}/smart-chat-rooms`, {
      room_name: 'bench room',
      model_asset_id: SYSTEM_AVATARS[0].assetId,
      voice_config_list: [{ voice_asset_id: EN_VOICE, language: 'EN' }],
      default_language: 'EN',
      // The session picks its own bitrate from the size (1536 kbit/s at 720p); the API requires one.
      video_config: { width: WIDTH, height: HEIGHT, bitrate: 1536 },
      robot_id: robotId,
      concurrency: MAX_SESSIONS,
    });
    const { active_code: code } = await call('POST', `${CHAT}/active-code`, {
      robot_id: robotId,
      room_id: roomId,
      valid_period: 1,
    });
    const { url } = await call('POST', `${CHAT}/create-dialog-url`, { room_id: roomId, robot_id: robotId });

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--allow-loopback-in-peer-connection',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--autoplay-policy=no-user-gesture-required',
        '--no-sandbox',
      ],
      ignoreDefaultArgs: ['--mute-audio'],
    });
    try {
      // 1 + 2. Latencies on one session.
      answer = SHORT;
      const v = await openViewer(browser, url, code);
      await listen(v.page);
      await sleep(1500);
      const idle = await levelsSince(v.page, Date.now() - 1000);
      const idleMax = Math.max(0, ...idle.map(([, r]) => r));
      const threshold = Math.max(0.01, 4 * idleMax);
      const firstAudio: number[] = [];
      const answerStart: number[] = [];
      const media: number[] = [];
      const silence: number[] = [];
      const silenceControl: number[] = [];
      let speechRms = 0;
      // Question 0 warms up (the speech pool's first synthesis, the LLM connection): printed apart.
      for (let q = 0; q <= QUESTIONS; q++) {
        // A control question: the WebRTC output does not see this interrupt's cut.
        const control = COMPARE && q > 0 && q % 2 === 0;
        const cutOf = streams.get(v.jobId) as unknown as { audioCut?: () => number | undefined };
        if (control) cutOf.audioCut = () => undefined;
        else delete cutOf.audioCut;
        const from = v.sock.messages.length;
        const t0 = v.sock.send('TEXT_DRIVE', { text: `Tell me about flask ${q + 1}.` });
        const started = await v.sock.next(is('ANSWER_START'), from);
        answerStart.push(started.at - t0);
        let rise: number | undefined;
        while (rise === undefined && Date.now() - t0 < 10_000) {
          rise = (await levelsSince(v.page, t0)).find(([, r]) => r > threshold)?.[0];
          if (rise === undefined) await sleep(50);
        }
        firstAudio.push((rise ?? Number.NaN) - t0);
        media.push((rise ?? Number.NaN) - started.at);
        await sleep(1500);
        const playing = await levelsSince(v.page, Date.now() - 1000);
        speechRms = Math.max(speechRms, ...playing.map(([, r]) => r));
        const from2 = v.sock.messages.length;
        const t1 = v.sock.send('INTERRUPT_CHAT');
        await v.sock.next((m) => is('ANSWER_END')(m) && m.payload.interrupted === true, from2, 10_000);
        await sleep(2500);
        const after = await levelsSince(v.page, t1);
        const lastLoud = after.filter(([, r]) => r > threshold).at(-1)?.[0];
        (control ? silenceControl : silence).push(lastLoud === undefined ? 0 : lastLoud - t1);
        await sleep(500);
      }
      await closeViewers([v]);
      console.log(
        `audio RMS in the page: idle max ${idleMax.toExponential(1)}, speech peak ${speechRms.toFixed(3)}, "sound" above ${threshold.toFixed(3)}`,
      );
      const [cold] = firstAudio.splice(0, 1);
      const [coldStart] = answerStart.splice(0, 1);
      media.splice(0, 1);
      silence.splice(0, 1);
      console.log(
        `warm-up question (not counted): first audio ${cold.toFixed(0)} ms, ANSWER_START ${coldStart.toFixed(0)} ms`,
      );
      console.log(`question → first audio (browser)   ${summary(firstAudio)}  (target ≤ 800 ms)`);
      console.log(
        `  TEXT_DRIVE → ANSWER_START        ${summary(answerStart)}  (server: LLM, first sentence synthesised, frame to the encoder)`,
      );
      console.log(
        `  ANSWER_START → first audio       ${summary(media)}  (media: encoder, relay, WebRTC, jitter buffer, playout)`,
      );
      console.log(
        `interrupt → silence (browser)      ${summary(silence)}  (target ≤ 300 ms; INTERRUPT_CHAT on the socket, page not muted)`,
      );
      if (COMPARE)
        console.log(
          `  control, interleaved (no cut)   ${summary(silenceControl)}  (the old answer's sound left in the pipe)`,
        );
      console.log(
        `  with the page's Interrupt button the element is muted in the click handler: silent at once for the user, the track as above`,
      );
      console.log(`(load ${load()})`);

      // 3. Concurrent sessions, each speaking without pause, one viewer tab each.
      answer = LONG;
      for (let n = 1; n <= MAX_SESSIONS; n++) {
        // Opened together: the start-up load is over before the window's first 10 s are.
        const vs = await Promise.all(Array.from({ length: n }, () => openViewer(browser, url, code)));
        const keepTalking = vs.map((x, i) => {
          let stop = false;
          void (async () => {
            while (!stop) {
              const from = x.sock.messages.length;
              x.sock.send('TEXT_DRIVE', { text: `Tell me about lamp ${i + 1}.` });
              await x.sock
                .next((m) => is('ANSWER_END')(m) || is('JOB_FINISHED')(m), from, 120_000)
                .catch(() => {});
            }
          })();
          return () => {
            stop = true;
          };
        });
        await sleep((WINDOW_S - 20) * 1000);
        const s0 = vs.map((x) => streams.get(x.jobId)!.stats());
        const f0 = await Promise.all(vs.map((x) => decoded(x.page)));
        const c0 = treeCpu();
        const w0 = performance.now();
        await sleep(20_000);
        const w1 = performance.now();
        const c1 = treeCpu();
        const s1 = vs.map((x) => streams.get(x.jobId)!.stats());
        const f1 = await Promise.all(vs.map((x) => decoded(x.page)));
        for (const stop of keepTalking) stop();
        const secs = (w1 - w0) / 1000;
        const res = vs.map((_, i) => ({
          fps: (s1[i].frames - s0[i].frames) / ((s1[i].elapsedMs - s0[i].elapsedMs) / 1000),
          dropped: s1[i].dropped - s0[i].dropped,
          speaking: (s1[i].speakingFrames - s0[i].speakingFrames) / (s1[i].frames - s0[i].frames || 1),
          shown: (f1[i] - f0[i]) / secs,
        }));
        const cpu = ['Node', 'ffmpeg', 'Chromium', 'other']
          .map((g) => `${g} ${((100 * ((c1.get(g) ?? 0) - (c0.get(g) ?? 0))) / (w1 - w0)).toFixed(0)} %`)
          .join(', ');
        const hold = res.every((r) => r.fps >= 24.5 && r.dropped === 0);
        console.log(
          `${n} concurrent: ${res
            .map(
              (r) =>
                `${r.fps.toFixed(1)} fps/${r.dropped} dropped/${(100 * r.speaking).toFixed(0)} % speaking/${r.shown.toFixed(1)} fps decoded`,
            )
            .join(', ')} → ${hold ? 'holds 25 fps' : 'does not hold'}`,
        );
        console.log(`  CPU over the last 20 s (% of one core): ${cpu}  (load ${load()})`);
        await closeViewers(vs);
        if (!hold) break;
      }
    } finally {
      await browser.close();
    }
  }
} finally {
  await platform.app.close();
  await deps.close();
  llmServer.closeAllConnections();
  llmServer.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

function decoded(page: Page): Promise<number> {
  return page.evaluate(
    async () =>
      (
        await (
          window as unknown as { doppelDialog: { mediaStats(): Promise<{ framesDecoded: number }> } }
        ).doppelDialog.mediaStats()
      ).framesDecoded,
  );
}
