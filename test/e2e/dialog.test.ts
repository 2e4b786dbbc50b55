// The interactive dialog as an end user meets it: `doppel serve` as a child process, a robot
// backed by a local OpenAI-compatible stand-in (streamed SSE), a chat room and an activation
// code made over the signed API, and headless Chromium (Debian's chromium, playwright-core)
// opening the URL CreateDialogUrl hands out. The user enters the code and asks a question;
// the test reads what the page really receives over WebRTC — decoded frames (their mouth area,
// the lower middle of the avatar, changes more while the answer plays than while it idles)
// and audio energy — then interrupts, and the answer stops (ANSWER_END interrupted, the page
// listening again) and the job is stopped SUCCEED.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadAvatarPackage } from '../../src/engines/render/index.ts';
import { prepareFaces } from '../../src/engines/stream/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { type LlmStandIn, llmStandIn } from '../helpers/dialog.ts';
import { CHROMIUM, launchChromium } from '../helpers/dialog-media.ts';
import { freePort, shiftedDiff } from '../helpers/live-media.ts';
import { REPO, type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.ts';
import { signedFetch } from '../helpers/signer.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const HOST = SYSTEM_AVATARS[0];
const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent: the browser e2e is not run`;

describe('dialog end to end: the dialog page in Chromium against doppel serve', {
  timeout: 300_000,
  skip,
}, () => {
  const dataDir = tempDataDir();
  let server: ServerProcess;
  let llm: LlmStandIn;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
  const call = async (method: string, p: string, body?: unknown): Promise<any> => {
    const cred = server.banner as NonNullable<ServerProcess['banner']>;
    const res = await signedFetch(`${server.url}${p.replace('{project_id}', cred.projectId)}`, {
      ...cred,
      method,
      ...(body === undefined ? {} : { body }),
    });
    const json = await res.json();
    assert.equal(res.status, 200, `${method} ${p}: ${JSON.stringify(json)}`);
    return json;
  };

  before(async () => {
    llm = await llmStandIn();
    // A fixed port: the public URL (and so chat_access_address) names it.
    const port = await freePort();
    server = await startServer({
      dataDir,
      env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true', DOPPEL_PORT: String(port) },
    });
  });
  after(async () => {
    await server?.kill();
    await llm?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('activation code → question → a speaking avatar on the page → interrupt', async () => {
    const { robot_id: robotId } = await call('POST', '/v1/{project_id}/digital-human-chat/robot', {
      name: 'e2e shop robot',
      app_type: 6,
      language: 'en_US',
      third_party_model_config: { llm_url: llm.url, app_key: 'sk-e2e', is_stream: true, chat_rounds: 2 },
    });
    const { room_id: roomId } = await call('POST', '/v1/{project_id}/smart-chat-rooms', {
      room_name: 'e2e shop',
      model_asset_id: HOST.assetId,
      voice_config_list: [{ voice_asset_id: EN_VOICE, language: 'EN' }],
      default_language: 'EN',
      video_config: { width: 640, height: 360, bitrate: 800 },
      robot_id: robotId,
      concurrency: 1,
    });
    const { active_code: code } = await call('POST', '/v1/{project_id}/digital-human-chat/active-code', {
      robot_id: robotId,
      room_id: roomId,
      valid_period: 1,
    });
    const { url } = await call('POST', '/v1/{project_id}/digital-human-chat/create-dialog-url', {
      room_id: roomId,
      robot_id: robotId,
    });
    // A long answer, streamed: the first sentences play while the rest still arrives.
    llm.reply = () => ({
      pieces: Array.from(
        { length: 10 },
        (_, i) => `Our flask number ${i + 1} keeps tea hot for twelve hours, and it fits in any bag. `,
      ),
      delayMs: 100,
    });

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.addInitScript('window.__name = (f) => f');
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      type View = { state: string; lastAnswer: string };
      const view = () => page.evaluate(() => (window as unknown as { doppelDialog: View }).doppelDialog);
      const until = async (what: string, pred: (v: View) => boolean, ms = 60_000): Promise<View> => {
        const end = Date.now() + ms;
        for (;;) {
          const v = await view();
          if (pred(v)) return v;
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const stats = () =>
        page.evaluate(() =>
          (
            window as unknown as {
              doppelDialog: {
                mediaStats(): Promise<{ framesDecoded: number; audioEnergy: number; audioSeconds: number }>;
              };
            }
          ).doppelDialog.mediaStats(),
        );
      // The mouth half of the face box as the stream places it for this avatar in 640×360,
      // with a margin for the idle sway; grey samples of it from decoded frames, 6 a second.
      const avatar = await loadAvatarPackage(
        fs.readFileSync(path.join(REPO, 'assets', 'avatars', HOST.main.path)),
      );
      const faces = await prepareFaces(
        avatar,
        { width: 640, height: 360 },
        fs.mkdtempSync(path.join(dataDir, 'faces-')),
      );
      const M = 6;
      const box = {
        x: faces.layer.x + faces.layer.faceAt.x - M,
        y: faces.layer.y + faces.layer.faceAt.y + Math.floor(faces.face.height / 2) - M,
        width: faces.face.width + 2 * M,
        height: Math.ceil(faces.face.height / 2) + 2 * M,
      };
      const sampleMouth = (ms: number) =>
        page.evaluate(
          ({ ms, box }) =>
            new Promise<number[][]>((resolve) => {
              const v = document.getElementById('avatar') as HTMLVideoElement;
              const c = document.createElement('canvas');
              c.width = 640;
              c.height = 360;
              const g = c.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
              const out: number[][] = [];
              const end = performance.now() + ms;
              let next = 0;
              const f = (now: number) => {
                if (now >= next) {
                  next = now + 160;
                  g.drawImage(v, 0, 0, 640, 360);
                  const px = g.getImageData(box.x, box.y, box.width, box.height).data;
                  const grey: number[] = [];
                  for (let i = 0; i < px.length; i += 4) grey.push((px[i] + px[i + 1] + px[i + 2]) / 3);
                  out.push(grey);
                }
                if (now < end) v.requestVideoFrameCallback(f);
                else resolve(out);
              };
              v.requestVideoFrameCallback(f);
            }),
          { ms, box },
        );
      // Between consecutive samples, what changed beyond the best shift (the sway): the mouth's own movement.
      const movement = (samples: number[][]) =>
        samples.slice(1).map((b, i) => shiftedDiff(samples[i] as number[], b, box.width, box.height, M));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

      await page.goto(url);
      await page.fill('#code', code);
      await page.press('#code', 'Enter');
      await until('listening', (v) => v.state === 'listening', 90_000);

      // Idle: frames arrive, little changes around the mouth, little sound.
      // A moment for the first decoded frames (the picture settles after the first keyframe).
      await new Promise((r) => setTimeout(r, 1000));
      const idleDiffs = movement(await sampleMouth(2500));
      assert.ok(idleDiffs.length >= 8, `idle frames decoded: ${idleDiffs.length}`);
      const quiet0 = await stats();

      await page.fill('#question', 'Tell me about your flasks.');
      await page.press('#question', 'Enter');
      await until('speaking', (v) => v.state === 'speaking');
      const quiet1 = await stats();
      const speakDiffs = movement(await sampleMouth(3000));
      const loud = await stats();
      const power = (a: typeof loud, b: typeof loud) =>
        (b.audioEnergy - a.audioEnergy) / Math.max(1e-6, b.audioSeconds - a.audioSeconds);
      const idlePower = power(quiet0, quiet1);
      const speakPower = power(quiet1, loud);
      console.log(
        `dialog e2e: mouth movement idle median ${median(idleDiffs).toFixed(2)} vs speaking mean ${mean(speakDiffs).toFixed(2)}; ` +
          `audio power idle ${idlePower.toExponential(2)} vs speaking ${speakPower.toExponential(2)}`,
      );
      assert.ok(speakDiffs.length >= 8, `frames decoded while speaking: ${speakDiffs.length}`);
      assert.ok(speakPower > 0, 'the answer reaches the page with audio energy');
      assert.ok(speakPower > idlePower * 4, `speech is louder than idle: ${speakPower} vs ${idlePower}`);
      const fmt = (xs: number[]) => xs.map((d) => d.toFixed(1)).join(' ');
      assert.ok(
        // The idle median (a blink or a late first frame is one sample, not the rule).
        speakDiffs.filter((d) => d > 2).length >= 4 &&
          mean(speakDiffs) > 2 * Math.max(0.5, median(idleDiffs)),
        `the mouth moves beyond the sway while the avatar speaks: ${fmt(speakDiffs)}; idle ${fmt(idleDiffs)}`,
      );
      const answered = await view();
      assert.match(answered.lastAnswer, /^Our flask number 1 keeps tea hot/);

      // Interrupt: the answer stops, the page listens again, and the sound falls away.
      await page.click('#interrupt');
      await until('listening after interrupt', (v) => v.state === 'listening', 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      const after1 = await stats();
      await new Promise((r) => setTimeout(r, 2000));
      const after2 = await stats();
      const afterPower = power(after1, after2);
      assert.ok(afterPower < speakPower / 4, `silence after the interrupt: ${afterPower} vs ${speakPower}`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
    assert.equal(llm.requests.at(-1)?.headers.authorization, 'Bearer sk-e2e');
  });
});
