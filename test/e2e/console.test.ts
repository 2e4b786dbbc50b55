// The console driven as a user drives it, in headless Chromium (Debian's `chromium`, through
// playwright-core) against the real CLI server: sign in with the first-start access key,
// upload an image, make a video from text with a system avatar, watch it play to the end,
// see the usage page count it. Every page is screenshotted on the way (into test-output/console,
// or CONSOLE_SCREENSHOTS_DIR; docs/console holds a committed set). Skips when Chromium is absent.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { pngBytes } from '../helpers/media-fixtures.ts';
import { REPO, type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install -y chromium)`;
const SHOTS = path.resolve(REPO, process.env.CONSOLE_SCREENSHOTS_DIR ?? 'test-output/console');

describe('Console in headless Chromium (sign in, upload, make a video, watch it, see the usage)', {
  skip,
}, () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const dataDir = tempDataDir();
  const errors: string[] = [];

  const shot = async (name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  const open = async (hash: string) => {
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
    await page.waitForSelector(`nav a.active[data-page="${hash.slice(2)}"]`);
  };

  before(async () => {
    server = await startServer({ dataDir, timeoutMs: 180_000 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens at / on the sign-in page and signs in with the access key the first start printed', async () => {
    const cred = server.banner;
    assert.ok(cred, 'the first start prints a credential');
    await page.goto(`${server.url}/`);
    await page.waitForSelector('form#aksk');
    await shot('sign-in');
    await page.fill('input[name=project]', cred.projectId);
    await page.fill('input[name=ak]', cred.ak);
    await page.fill('input[name=sk]', cred.sk);
    await page.click('form#aksk button[type=submit]');
    await page.waitForSelector('nav a.active[data-page="video"]');
    assert.match((await page.textContent('.who')) ?? '', new RegExp(cred.projectId));
  });

  it('uploads an image with progress and previews it', async () => {
    await open('#/assets');
    await page.setInputFiles('#upload-input', {
      name: 'sky.png',
      mimeType: 'image/png',
      buffer: pngBytes(320, 200, [70, 130, 200]),
    });
    await page.click('#upload-button');
    const card = await page.waitForSelector('article.asset:has(h3:text-is("sky")) img', { timeout: 60_000 });
    await page.waitForFunction((img) => (img as HTMLImageElement).naturalWidth === 320, card);
    await shot('assets');
  });

  it('lists the voices and plays a sample', async () => {
    await open('#/voices');
    const first = await page.waitForSelector('article.voice button');
    await first.click();
    await page.waitForSelector('article.voice audio[src]:not([hidden])', { timeout: 120_000 });
    await shot('voices');
  });

  let jobCount = 0;
  it('makes a video from text with a system avatar; it plays in the page to the end', async () => {
    await open('#/video');
    await page.waitForSelector('select[name=avatar] option', { state: 'attached' });
    // Mei: a drawn system avatar.
    await page.selectOption('select[name=avatar]', { label: 'Mei' });
    await page.fill(
      '#scenes textarea',
      'Hello from the Doppel console. This short video was made in a browser.',
    );
    await page.fill('input[name=name]', 'console video');
    await page.click('#render-button');
    await page.waitForSelector('#result-video', { timeout: 600_000 });
    const duration = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const v = document.getElementById('result-video') as HTMLVideoElement;
          v.addEventListener('ended', () => resolve(v.duration), { once: true });
          v.addEventListener('error', () => reject(new Error(`video error ${v.error?.code}`)), {
            once: true,
          });
          if (v.ended) resolve(v.duration);
          void v.play().catch((e) => reject(e));
        }),
    );
    assert.ok(duration > 1, `the video lasted ${duration} s`);
    await page.evaluate(() => {
      const v = document.getElementById('result-video') as HTMLVideoElement;
      v.currentTime = v.duration / 2;
    });
    await page.waitForTimeout(300);
    await shot('video-maker');
    jobCount = 1;
  });

  it('shows the job with its progress, the TTS playground, the usage counting the video, the keys and the API reference', async () => {
    assert.equal(jobCount, 1, 'the video was made');
    await open('#/jobs');
    await page.waitForSelector('tbody tr[data-job-id] .badge[data-state="SUCCEED"]');
    await shot('jobs');

    await open('#/tts');
    await page.waitForSelector('textarea[name=text]');
    await shot('tts');

    await open('#/usage');
    const row = await page.waitForSelector('.bar-row[data-business="VIDEO_2D"]');
    const text = await row.textContent();
    const minutes = Number(/([\d.]+) min pay-per-use/.exec(text ?? '')?.[1]);
    assert.ok(minutes > 0, `the usage page counts the video: ${text}`);
    await shot('usage');

    await open('#/keys');
    await shot('access-keys');

    await page.goto(`${server.url}/console/api.html#ShowResourceUsage`);
    await page.waitForSelector('section.op#ShowResourceUsage');
    await shot('api-reference');
    assert.deepEqual(errors, [], 'no script errors in the console');
  });
});
