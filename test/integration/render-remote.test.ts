// The neural renderer client (engines/render/remote.ts) against a small fake service on
// 127.0.0.1 that speaks docs/neural-renderer.md: it parses the multipart body, checks the three
// parts (request JSON, WAV, avatar zip whose manifest canvas must match the request) and
// answers with a real QuickTime RLE video with alpha made by ffmpeg. Covered: capabilities,
// the synchronous answer, 202 + polling with progress, errors (500, 422, 401, bad answers),
// transient retries, the size limit, cancel (DELETE) and the deadline. Videos are checked by
// decoding them (frame count, size, alpha).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { unzipSync, zipSync } from 'fflate';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { MediaError } from '../../src/core/media/errors.ts';
import { runTool, runToolBinary } from '../../src/core/media/index.ts';
import {
  createRemoteRenderer,
  expectedFrames,
  isRemoteRenderError,
  type RemoteRenderer,
  type RemoteRendererOptions,
  type RemoteRenderRequest,
} from '../../src/engines/render/remote.ts';
import { avatarFiles } from '../helpers/avatar.ts';
import { envTools } from '../helpers/media-fixtures.ts';

const TOKEN = 'test-token-4f9a';
const tools = envTools();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-remote-render-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// ── inputs ──────────────────────────────────────────────────────────────────

const audioPath = path.join(dir, 'speech.wav');
const avatarZipPath = path.join(dir, 'avatar.zip');
const pcm = new Int16Array(16_000 * 1.48).map((_, i) => Math.round(Math.sin(i / 7) * 9000));
fs.writeFileSync(audioPath, encodeWavPcm16(pcm, 16_000));
fs.writeFileSync(avatarZipPath, zipSync(Object.fromEntries(avatarFiles()))); // canvas 400×400

const request = (over: Partial<RemoteRenderRequest> = {}): RemoteRenderRequest => ({
  renderId: `r-${Math.random().toString(36).slice(2, 10)}`,
  width: 400,
  height: 400,
  durationMs: 1480,
  seed: 7,
  phonemes: [
    { phoneme: 'h', startMs: 0, endMs: 80.4 },
    { phoneme: 'ə', startMs: 80.4, endMs: 200 },
  ],
  ...over,
});

// ── the fake service ────────────────────────────────────────────────────────

type Mode = 'sync' | 'async' | 'hang' | 'fail500' | 'reject422' | 'flaky' | 'html' | 'elsewhere';
interface Part {
  filename?: string;
  type?: string;
  data: Buffer;
}
interface Seen {
  method: string;
  path: string;
  auth?: string;
  parts?: Map<string, Part>;
  request?: Record<string, unknown>;
}
interface RemoteRender {
  polls: number;
  width: number;
  height: number;
  frames: number;
  hang: boolean;
}

let mode: Mode = 'sync';
let postCount = 0;
const seen: Seen[] = [];
const renders = new Map<string, RemoteRender>();

/** A QuickTime RLE (ARGB) video of a half-transparent colour, `frames` frames at 25 fps. */
const videoCache = new Map<string, Buffer>();
async function makeVideo(width: number, height: number, frames: number): Promise<Buffer> {
  const key = `${width}x${height}x${frames}`;
  const hit = videoCache.get(key);
  if (hit) return hit;
  const out = path.join(dir, `fake-${key}.mov`);
  const r = await runTool(tools.ffmpeg.path, [
    '-hide_banner',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=c=0x3366cc:s=${width}x${height}:r=25`,
    '-frames:v',
    String(frames),
    '-vf',
    'format=rgba,lutrgb=a=128,format=argb',
    '-c:v',
    'qtrle',
    '-f',
    'mov',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const bytes = fs.readFileSync(out);
  videoCache.set(key, bytes);
  return bytes;
}

function parseMultipart(body: Buffer, contentType: string): Map<string, Part> {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!/^multipart\/form-data/i.test(contentType) || !m) throw new Error('not multipart/form-data');
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts = new Map<string, Part>();
  let pos = body.indexOf(delimiter);
  if (pos !== 0) throw new Error('body does not start with the boundary');
  for (;;) {
    const after = pos + delimiter.length;
    if (body.toString('latin1', after, after + 2) === '--') break; // closing delimiter
    if (body.toString('latin1', after, after + 2) !== '\r\n') throw new Error('bad delimiter line');
    const headerEnd = body.indexOf('\r\n\r\n', after);
    if (headerEnd < 0) throw new Error('part without headers');
    const headers = body.toString('utf8', after + 2, headerEnd);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new Error('unterminated part');
    const disposition = /^content-disposition:\s*form-data;(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
    if (!name) throw new Error('part without a name');
    if (parts.has(name)) throw new Error(`part ${name} twice`);
    const filename = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
    const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
    parts.set(name, { filename, type, data: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
  return parts;
}

/** Checks a render POST the way a real service must; returns the request or throws why not. */
function validate(parts: Map<string, Part>): Record<string, unknown> {
  for (const name of ['request', 'audio', 'avatar'])
    if (!parts.has(name)) throw new Error(`missing part ${name}`);
  if (parts.size !== 3) throw new Error(`unexpected parts: ${[...parts.keys()].join(', ')}`);
  const req = JSON.parse(parts.get('request')!.data.toString('utf8')) as Record<string, unknown>;
  if (typeof req.render_id !== 'string' || !req.render_id) throw new Error('render_id');
  if (req.fps !== 25) throw new Error('fps');
  for (const k of ['width', 'height', 'duration_ms', 'frames', 'seed'])
    if (!Number.isInteger(req[k])) throw new Error(`${k} must be an integer`);
  if (req.frames !== Math.round(((req.duration_ms as number) * 25) / 1000)) throw new Error('frames');
  if (!Array.isArray(req.phonemes)) throw new Error('phonemes');
  for (const p of req.phonemes as Record<string, unknown>[])
    if (typeof p.phoneme !== 'string' || !Number.isInteger(p.start_ms) || !Number.isInteger(p.end_ms))
      throw new Error('phoneme entry');
  const wav = parts.get('audio')!.data;
  if (wav.toString('latin1', 0, 4) !== 'RIFF' || wav.toString('latin1', 8, 12) !== 'WAVE')
    throw new Error('audio');
  const pkg = unzipSync(parts.get('avatar')!.data);
  const manifest = JSON.parse(Buffer.from(pkg['manifest.json']).toString('utf8'));
  if (manifest.canvas.width !== req.width || manifest.canvas.height !== req.height)
    throw new Error('canvas does not match the manifest');
  return req;
}

const json = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const entry: Seen = { method: req.method ?? '', path: url.pathname, auth: req.headers.authorization };
  seen.push(entry);
  if (req.headers.authorization !== `Bearer ${TOKEN}`)
    return json(res, 401, { error: { code: 'UNAUTHORIZED', message: 'bad token' } });

  if (req.method === 'GET' && url.pathname === '/v1/capabilities') {
    return json(res, 200, {
      name: 'fake-lipsync',
      version: '0.1.0',
      max_duration_ms: 60_000,
      max_upload_bytes: 64 * 1024 * 1024,
      avatar_kinds: ['doppel.avatar2d'],
      output_formats: ['mov-qtrle'],
      alpha: true,
      async: true,
    });
  }

  if (req.method === 'POST' && url.pathname === '/v1/renders') {
    postCount++;
    let r: Record<string, unknown>;
    try {
      entry.parts = parseMultipart(body, req.headers['content-type'] ?? '');
      r = validate(entry.parts);
      entry.request = r;
    } catch (e) {
      return json(res, 400, { error: { code: 'BAD_REQUEST', message: (e as Error).message } });
    }
    const id = r.render_id as string;
    const [w, h, frames] = [r.width as number, r.height as number, r.frames as number];
    if (mode === 'fail500')
      return json(res, 500, { error: { code: 'MODEL_CRASHED', message: 'CUDA out of memory' } });
    if (mode === 'reject422') return json(res, 422, { error: { code: 'NO_FACE', message: 'no face found' } });
    if (mode === 'html')
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hi</html>');
    if (mode === 'flaky' && postCount === 1)
      return json(res, 503, { error: { message: 'warming up' } }, { 'retry-after': '0' });
    if (mode === 'sync' || mode === 'flaky') {
      const video = await makeVideo(w, h, frames);
      res.writeHead(200, {
        'content-type': 'video/quicktime',
        'content-length': String(video.length),
        'render-frames': String(frames),
        'render-alpha': 'true',
      });
      return void res.end(video);
    }
    renders.set(id, { polls: 0, width: w, height: h, frames, hang: mode === 'hang' });
    const location = mode === 'elsewhere' ? `http://127.0.0.2:1/v1/renders/${id}` : `/v1/renders/${id}`;
    return json(res, 202, { id, state: 'QUEUED', progress: 0 }, { location });
  }

  const m = /^\/v1\/renders\/([^/]+)(\/video)?$/.exec(url.pathname);
  const render = m ? renders.get(m[1]) : undefined;
  if (!m || !render) return json(res, 404, { error: { code: 'NOT_FOUND', message: 'no such render' } });
  if (req.method === 'DELETE' && !m[2]) return void res.writeHead(204).end();
  if (req.method === 'GET' && !m[2]) {
    render.polls++;
    if (render.hang) return json(res, 200, { id: m[1], state: 'RUNNING', progress: 0.1 });
    const script = [
      { state: 'QUEUED', progress: 0 },
      { state: 'RUNNING', progress: 0.4 },
      { state: 'RUNNING', progress: 0.8 },
    ];
    const step = script[render.polls - 1];
    if (step) return json(res, 200, { id: m[1], ...step });
    return json(res, 200, {
      id: m[1],
      state: 'SUCCEEDED',
      progress: 1,
      video: { content_type: 'video/quicktime', frames: render.frames, alpha: true },
    });
  }
  if (req.method === 'GET' && m[2]) {
    if (render.hang || render.polls < 4) return json(res, 409, { error: { message: 'not ready' } });
    const video = await makeVideo(render.width, render.height, render.frames);
    return void res.writeHead(200, { 'content-type': 'video/quicktime' }).end(video);
  }
  json(res, 405, { error: { message: 'method not allowed' } });
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks)).catch((e) => {
      if (!res.headersSent) json(res, 500, { error: { message: String(e) } });
      else res.destroy();
    });
  });
});

let baseUrl = '';
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen.length = 0;
  postCount = 0;
  mode = 'sync';
});

const renderer = (over: Partial<RemoteRendererOptions> = {}): RemoteRenderer =>
  createRemoteRenderer({ baseUrl, token: TOKEN, pollIntervalMs: 20, ...over });
let outputs = 0;
const outPath = (): string => path.join(dir, `out-${++outputs}.mov`);

// ── checking videos ─────────────────────────────────────────────────────────

/** Decodes the file: frame count, size, and the mean alpha of its first frame (0–255). */
async function inspect(
  file: string,
): Promise<{ frames: number; width: number; height: number; alpha: number }> {
  let frames: number;
  let width: number;
  let height: number;
  if (tools.ffprobe) {
    const r = await runTool(tools.ffprobe.path, [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_frames',
      '-show_entries',
      'stream=nb_read_frames,width,height',
      '-of',
      'json',
      file,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout).streams[0];
    [frames, width, height] = [Number(s.nb_read_frames), s.width, s.height];
  } else {
    // ffmpeg alone (the npm build): count packets by copying the stream to nowhere.
    const r = await runTool(tools.ffmpeg.path, [
      '-hide_banner',
      '-i',
      file,
      '-map',
      '0:v:0',
      '-c',
      'copy',
      '-f',
      'null',
      '-',
    ]);
    assert.equal(r.code, 0, r.stderr);
    frames = Number([...r.stderr.matchAll(/frame=\s*(\d+)/g)].at(-1)?.[1]);
    const size = /, (\d+)x(\d+)[,\s]/.exec(r.stderr);
    [width, height] = [Number(size?.[1]), Number(size?.[2])];
  }
  const px = await runToolBinary(
    tools.ffmpeg.path,
    ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'],
    { maxStdoutBytes: 16 * 1024 * 1024 },
  );
  assert.equal(px.code, 0, px.stderr);
  assert.equal(px.stdout.length, width * height * 4, 'one decoded RGBA frame');
  let sum = 0;
  for (let i = 3; i < px.stdout.length; i += 4) sum += px.stdout[i];
  return { frames, width, height, alpha: sum / (width * height) };
}

const rejectsWith = async (p: Promise<unknown>, check: Record<string, unknown>): Promise<void> => {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MediaError, `a MediaError, got ${String(e)}`);
    assert.ok(isRemoteRenderError(e));
    for (const [k, v] of Object.entries(check))
      assert.deepEqual((e as unknown as Record<string, unknown>)[k], v, `${k} (${e.message})`);
    assert.ok(!e.message.includes(TOKEN) && !e.reason.includes(TOKEN), 'the token is never in an error');
    return true;
  });
};

const noLeftovers = (file: string): void => {
  assert.equal(fs.existsSync(file), false, 'no output file');
  assert.equal(fs.existsSync(`${file}.part`), false, 'no partial file');
};

// ── tests ───────────────────────────────────────────────────────────────────

test('capabilities are read and mapped; the token goes in the Authorization header', async () => {
  const caps = await renderer().capabilities();
  assert.deepEqual(caps, {
    name: 'fake-lipsync',
    version: '0.1.0',
    maxDurationMs: 60_000,
    maxUploadBytes: 64 * 1024 * 1024,
    avatarKinds: ['doppel.avatar2d'],
    outputFormats: ['mov-qtrle'],
    alpha: true,
    async: true,
  });
  assert.deepEqual(
    seen.map((s) => [s.method, s.path, s.auth]),
    [['GET', '/v1/capabilities', `Bearer ${TOKEN}`]],
  );
});

test('synchronous render: multipart parts as specified, the video saved and decodable', async () => {
  const req = request();
  const output = outPath();
  const progress: number[] = [];
  const r = await renderer().render({
    audioPath,
    avatarZipPath,
    request: req,
    outputPath: output,
    onProgress: (f) => progress.push(f),
  });
  assert.deepEqual(r, { path: output, contentType: 'video/quicktime', frames: 37, alpha: true });
  assert.deepEqual(progress, [1]);

  const post = seen.find((s) => s.method === 'POST');
  assert.ok(post?.parts && post.request, 'the service parsed the POST');
  assert.equal(post.auth, `Bearer ${TOKEN}`);
  assert.deepEqual([...post.parts.keys()], ['request', 'audio', 'avatar'], 'request first');
  assert.deepEqual(post.parts.get('audio')?.data, fs.readFileSync(audioPath), 'audio sent byte for byte');
  assert.equal(post.parts.get('audio')?.type, 'audio/wav');
  assert.deepEqual(post.parts.get('avatar')?.data, fs.readFileSync(avatarZipPath), 'avatar zip as uploaded');
  assert.equal(post.parts.get('avatar')?.type, 'application/zip');
  assert.equal(post.parts.get('request')?.type, 'application/json');
  assert.deepEqual(post.request, {
    render_id: req.renderId,
    fps: 25,
    width: 400,
    height: 400,
    duration_ms: 1480,
    frames: 37,
    seed: 7,
    phonemes: [
      { phoneme: 'h', start_ms: 0, end_ms: 80 },
      { phoneme: 'ə', start_ms: 80, end_ms: 200 },
    ],
  });

  const v = await inspect(output);
  assert.equal(v.frames, expectedFrames(1480));
  assert.deepEqual([v.width, v.height], [400, 400]);
  assert.ok(Math.abs(v.alpha - 128) <= 2, `alpha kept (mean ${v.alpha})`);
  assert.equal(fs.existsSync(`${output}.part`), false);
});

test('202 + Location: status polled with progress, video downloaded, then released', async () => {
  mode = 'async';
  const req = request({ durationMs: 1000 });
  const output = outPath();
  const progress: number[] = [];
  const r = await renderer().render({
    audioPath,
    avatarZipPath,
    request: req,
    outputPath: output,
    onProgress: (f) => progress.push(f),
  });
  assert.deepEqual(r, { path: output, contentType: 'video/quicktime', frames: 25, alpha: true });
  assert.deepEqual(progress, [0.4, 0.8, 1], 'monotonic, from the status, 1 once the video is here');
  const calls = seen.map((s) => `${s.method} ${s.path}`);
  const id = req.renderId;
  assert.deepEqual(calls, [
    'POST /v1/renders',
    ...Array(4).fill(`GET /v1/renders/${id}`),
    `GET /v1/renders/${id}/video`,
    `DELETE /v1/renders/${id}`,
  ]);
  assert.ok(
    seen.every((s) => s.auth === `Bearer ${TOKEN}`),
    'every request carries the token',
  );
  const v = await inspect(output);
  assert.equal(v.frames, 25);
  assert.deepEqual([v.width, v.height], [400, 400]);
});

test('a 500 fails the render (not retried), with the service message in the reason', async () => {
  mode = 'fail500';
  const output = outPath();
  await rejectsWith(renderer().render({ audioPath, avatarZipPath, request: request(), outputPath: output }), {
    code: 'FAILED',
    kind: 'unavailable',
    status: 500,
    retryable: true,
    reason: 'the neural renderer failed the render request (500): CUDA out of memory',
  });
  assert.equal(postCount, 1);
  assert.equal(seen.filter((s) => s.method === 'DELETE').length, 0, 'nothing to cancel');
  noLeftovers(output);
});

test('a 422 is a rejection (no retry, not retryable); a wrong token is a 401 rejection', async () => {
  mode = 'reject422';
  await rejectsWith(
    renderer().render({ audioPath, avatarZipPath, request: request(), outputPath: outPath() }),
    { code: 'FAILED', kind: 'rejected', status: 422, retryable: false },
  );
  assert.equal(postCount, 1);
  mode = 'sync';
  await rejectsWith(
    renderer({ token: 'wrong' }).render({
      audioPath,
      avatarZipPath,
      request: request(),
      outputPath: outPath(),
    }),
    { kind: 'rejected', status: 401 },
  );
  await rejectsWith(renderer({ token: 'wrong' }).capabilities(), { kind: 'rejected', status: 401 });
});

test('a 503 with Retry-After is retried; the POST is sent again whole', async () => {
  mode = 'flaky';
  const output = outPath();
  const r = await renderer().render({ audioPath, avatarZipPath, request: request(), outputPath: output });
  assert.equal(postCount, 2);
  assert.ok(seen.filter((s) => s.method === 'POST').every((s) => s.parts?.size === 3));
  assert.equal((await inspect(r.path)).frames, 37);
});

test('answers that are not a video are refused, and nothing is left on disk', async () => {
  mode = 'html';
  const output = outPath();
  await rejectsWith(renderer().render({ audioPath, avatarZipPath, request: request(), outputPath: output }), {
    kind: 'protocol',
  });
  noLeftovers(output);

  mode = 'sync';
  const big = outPath();
  await rejectsWith(
    renderer({ maxVideoBytes: 1000 }).render({
      audioPath,
      avatarZipPath,
      request: request(),
      outputPath: big,
    }),
    { kind: 'protocol', reason: "the neural renderer's video is larger than 1000 bytes" },
  );
  noLeftovers(big);

  mode = 'elsewhere';
  await rejectsWith(
    renderer().render({ audioPath, avatarZipPath, request: request(), outputPath: outPath() }),
    { kind: 'protocol', reason: 'the neural renderer pointed to another origin; refused' },
  );
});

test('abort: the render rejects with ABORTED and the service receives a DELETE', async () => {
  mode = 'hang';
  const req = request();
  const output = outPath();
  const ac = new AbortController();
  await rejectsWith(
    renderer().render({
      audioPath,
      avatarZipPath,
      request: req,
      outputPath: output,
      signal: ac.signal,
      onProgress: () => ac.abort(new Error('job cancelled')),
    }),
    { code: 'ABORTED', kind: 'aborted', reason: 'render was cancelled' },
  );
  const del = seen.filter((s) => s.method === 'DELETE');
  assert.deepEqual(
    del.map((s) => [s.path, s.auth]),
    [[`/v1/renders/${req.renderId}`, `Bearer ${TOKEN}`]],
  );
  noLeftovers(output);
});

test('the deadline: TIMEOUT, and the remote render is cancelled', async () => {
  mode = 'hang';
  const req = request();
  const started = Date.now();
  await rejectsWith(
    renderer({ timeoutMs: 300 }).render({ audioPath, avatarZipPath, request: req, outputPath: outPath() }),
    { code: 'TIMEOUT', kind: 'timeout', retryable: true },
  );
  assert.ok(Date.now() - started < 3000, 'gave up near the deadline');
  assert.ok(seen.some((s) => s.method === 'DELETE' && s.path === `/v1/renders/${req.renderId}`));
});

test('inputs are checked before anything is sent', async () => {
  const notWav = path.join(dir, 'not.wav');
  fs.writeFileSync(notWav, 'hello');
  await rejectsWith(
    renderer().render({ audioPath: notWav, avatarZipPath, request: request(), outputPath: outPath() }),
    { kind: 'rejected', reason: 'the speech audio must be WAV PCM 16-bit mono' },
  );
  const stereo = path.join(dir, 'stereo.wav');
  fs.writeFileSync(stereo, encodeWavPcm16(new Int16Array(3200), 16_000, 2));
  await rejectsWith(
    renderer().render({ audioPath: stereo, avatarZipPath, request: request(), outputPath: outPath() }),
    { kind: 'rejected' },
  );
  await rejectsWith(
    renderer().render({
      audioPath,
      avatarZipPath,
      request: request({ renderId: '../x' }),
      outputPath: outPath(),
    }),
    { kind: 'rejected' },
  );
  assert.equal(seen.length, 0);
  assert.throws(() => createRemoteRenderer({ baseUrl: 'http://user:pw@127.0.0.1:1' }), TypeError);
});
