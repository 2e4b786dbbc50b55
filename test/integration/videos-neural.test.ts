// A video job (Create2DDigitalHumanVideo, Show2DDigitalHumanVideo) with an external neural
// renderer configured (docs/neural-renderer.md): the
// avatar layer comes from the service — here a stand-in that answers every render with a
// magenta canvas-sized clip with alpha — and is composed over the scene's background; when
// the service fails, DOPPEL_NEURAL_RENDERER_FALLBACK decides: the built-in renderer draws the
// avatar (builtin), or the job fails with the reason (fail).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { runToolBinary } from '../../src/core/media/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { waitFor } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { envTools } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { download, EN_VOICE } from '../helpers/tts.ts';

const MEI = SYSTEM_AVATARS[0].assetId;
const TOKEN = 'neural-test-token';

interface Seen {
  auth?: string;
  request?: { render_id: string; width: number; height: number; frames: number; fps: number };
  parts: string[];
}

/** The stand-in service: `mode` decides whether renders succeed (a magenta QTRLE clip) or answer 500. */
async function startService(dir: string) {
  const state = { mode: 'ok' as 'ok' | 'error', seen: [] as Seen[] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'GET' && req.url === '/v1/capabilities') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            name: 'stand-in',
            version: '1',
            avatar_kinds: ['doppel.avatar2d'],
            output_formats: ['mov-qtrle'],
            alpha: true,
            async: false,
          }),
        );
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/renders') {
        const text = body.toString('latin1');
        const seen: Seen = {
          auth: req.headers.authorization,
          parts: [...text.matchAll(/name="([a-z]+)"/g)].map((m) => m[1]),
        };
        const json = /\{"render_id"[^\r\n]*\}/.exec(text);
        if (json) seen.request = JSON.parse(json[0]);
        state.seen.push(seen);
        if (state.mode === 'error' || !seen.request) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'BOOM', message: 'the model is out to lunch' } }));
          return;
        }
        const r = seen.request;
        const out = path.join(dir, `${r.render_id}.mov`);
        // A magenta square in the middle of a transparent canvas: the face area.
        const q = Math.round(r.width / 4);
        const made = await runToolBinary(envTools().ffmpeg.path, [
          ...[
            '-v',
            'error',
            '-y',
            '-f',
            'lavfi',
            '-i',
            `color=c=black@0.0:s=${r.width}x${r.height}:r=25,format=argb`,
          ],
          ...['-f', 'lavfi', '-i', `color=c=magenta:s=${2 * q}x${2 * q}:r=25,format=argb`],
          ...['-filter_complex', `[0:v][1:v]overlay=${q}:${q}:format=rgb,format=argb`],
          ...['-frames:v', String(r.frames), '-c:v', 'qtrle', '-pix_fmt', 'argb', out],
        ]);
        if (made.code !== 0) {
          res.writeHead(500);
          res.end(made.stderr);
          return;
        }
        const video = fs.readFileSync(out);
        res.writeHead(200, { 'content-type': 'video/quicktime', 'content-length': String(video.length) });
        res.end(video);
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

await describeEachDb('Video jobs with a neural renderer (DOPPEL_NEURAL_RENDERER_*)', (leg) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-neural-test-'));
  let service: Awaited<ReturnType<typeof startService>>;
  let lenient: TestPlatform;
  let strict: TestPlatform;
  before(async () => {
    service = await startService(dir);
    const env = (fallback: string) => ({
      DOPPEL_NEURAL_RENDERER_URL: service.url,
      DOPPEL_NEURAL_RENDERER_TOKEN: TOKEN,
      DOPPEL_NEURAL_RENDERER_FALLBACK: fallback,
    });
    lenient = await startTestPlatform(leg, { env: env('builtin') });
    strict = await startTestPlatform(leg, { env: env('fail') });
  });
  after(async () => {
    await lenient?.close();
    await strict?.close();
    await service?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const body = {
    model_asset_id: MEI,
    voice_config: { voice_asset_id: EN_VOICE },
    video_config: { codec: 'H264', width: 1280, height: 720, bitrate: 2000 },
    shoot_scripts: [
      {
        shoot_script: {
          text_config: { text: 'A neural face, or a drawn one.' },
          background_config: [{ background_type: 'COLOR', background_color_config: '#204060' }],
        },
      },
    ],
  };
  const render = async (p: TestPlatform) => {
    const c = await p.call('POST', '/v1/{project_id}/2d-digital-human-videos', { body });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    return waitFor('the video job', 120_000, async () => {
      const s = await p.call('GET', `/v1/{project_id}/2d-digital-human-videos/${c.body.job_id}`);
      return ['SUCCEED', 'FAILED'].includes(s.body.state) ? s.body : undefined;
    });
  };
  /** The RGB of a 4×4 patch at (x, y), 1 s into the output video. */
  const patch = async (p: TestPlatform, assetId: string, x: number, y: number) => {
    const a = await p.call('GET', `/v1/{project_id}/digital-assets/${assetId}`);
    const main = a.body.files.find((f: { asset_file_category: string }) => f.asset_file_category === 'MAIN');
    const file = path.join(dir, `${assetId}.mp4`);
    fs.writeFileSync(file, await download(p, main.download_url));
    const r = await runToolBinary(envTools().ffmpeg.path, [
      ...['-v', 'error', '-ss', '1', '-i', file, '-frames:v', '1'],
      ...['-vf', `crop=4:4:${x}:${y}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ]);
    return [...r.stdout.subarray(0, 3)];
  };
  // Mei (1080×1080) at 1280×720: scale 2/3 from x = 280; the magenta square covers canvas
  // 270–810, i.e. output x 460–820, y 180–540. (640, 200) is inside it, (300, 100) is background.
  const isMagenta = ([r, g, b]: number[]) => r > 200 && g < 60 && b > 200;

  it('the avatar layer is the service’s video, composed over the background; the request is as documented', async () => {
    service.state.mode = 'ok';
    const from = service.state.seen.length;
    const done = await render(lenient);
    assert.equal(done.state, 'SUCCEED', JSON.stringify(done.error_info));
    const seen = service.state.seen.slice(from);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].auth, `Bearer ${TOKEN}`);
    assert.deepEqual(seen[0].parts, ['request', 'audio', 'avatar']);
    assert.deepEqual(
      [seen[0].request?.width, seen[0].request?.height, seen[0].request?.fps],
      [1080, 1080, 25],
    );
    assert.ok(
      isMagenta(await patch(lenient, done.output_asset_config.asset_id, 640, 200)),
      'the neural layer is drawn',
    );
    const bg = await patch(lenient, done.output_asset_config.asset_id, 300, 100);
    assert.ok(
      Math.abs(bg[0] - 0x20) < 16 && Math.abs(bg[2] - 0x60) < 16,
      `the background shows around it (${bg})`,
    );
  });

  it('a failing service: builtin fallback draws the avatar itself; fail ends the job with the reason', async () => {
    service.state.mode = 'error';
    const fallback = await render(lenient);
    assert.equal(fallback.state, 'SUCCEED', JSON.stringify(fallback.error_info));
    assert.ok(
      !isMagenta(await patch(lenient, fallback.output_asset_config.asset_id, 640, 200)),
      'the drawn avatar',
    );

    const failed = await render(strict);
    assert.equal(failed.state, 'FAILED');
    assert.match(failed.error_info.error_msg, /neural renderer/i);
  });
});
