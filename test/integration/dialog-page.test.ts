// The dialog page (dialog/) in a real browser, against the rig's stubs of the session endpoint
// and the chat-command socket (test/helpers/dialog-media.ts): a refused activation code shows
// the server's message; a good one opens the socket and the WebRTC viewer; a question (typed,
// or a FAQ button) goes out as TEXT_DRIVE, its answer streams into the captions and the status
// follows ANSWER_START/END; Interrupt mutes at once and sends INTERRUPT_CHAT; JOB_FINISHED ends
// it. Also the page's static serving: its CSP, and nothing outside dialog/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { CHROMIUM, type DialogRig, launchChromium, startDialogRig } from '../helpers/dialog-media.ts';

let rig: DialogRig;
before(async () => {
  rig = await startDialogRig();
});
after(async () => rig?.close());

test('the dialog page is served with its CSP, and nothing outside dialog/', async () => {
  const page = await rig.app.inject({ method: 'GET', url: '/dialog/?project_id=p1' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<script type="module" src="\/dialog\/dialog.js">/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /connect-src 'self' ws: wss:/);
  assert.match(csp, /media-src [^;]*blob:[^;]*mediastream:/);
  assert.match(csp, /script-src 'self'(;|$)/);
  for (const f of ['dialog.js', 'dialog.css'])
    assert.equal((await rig.app.inject({ method: 'GET', url: `/dialog/${f}` })).statusCode, 200, f);
  for (const url of [
    '/dialog/../package.json',
    '/dialog/%2e%2e/package.json',
    '/dialog/.hidden',
    '/dialog/x.ts',
  ]) {
    const r = await rig.app.inject({ method: 'GET', url });
    assert.equal(r.statusCode, 404, url);
    assert.equal(r.json().error_code, 'APIGW.0101');
  }
});

test('the real dialog page in Chromium: activation, video, a question answered with captions, interrupt, the end', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is absent: the browser leg is not run`);
    return;
  }
  const browser = await launchChromium();
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
    await page.goto(`${rig.base}/dialog/?project_id=p1&room_id=r1&robot_id=b1&enableCaption=true`);
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
    await until(() => rig.chat.sent.filter((m) => m.payload.command === 'TEXT_DRIVE').length === 2, 5000);

    const drive = rig.chat.sent.find((m) => m.payload.command === 'TEXT_DRIVE')!;
    assert.match(drive.request_id, /^[0-9a-f]{32}$/);
    assert.deepEqual(drive.payload, {
      job_id: 'job1',
      robot_id: 'b1',
      chat_id: 'c1',
      command: 'TEXT_DRIVE',
      data: { text: 'What is the price?' },
    });
    const texts = rig.chat.sent.filter((m) => m.payload.command === 'TEXT_DRIVE').map((m) => m.payload.data);
    assert.deepEqual(texts, [{ text: 'What is the price?' }, { text: 'Where is the shop?' }]);
    const interrupt = rig.chat.sent.find((m) => m.payload.command === 'INTERRUPT_CHAT');
    assert.ok(interrupt, JSON.stringify(rig.chat.sent));
    assert.notEqual(interrupt.request_id, drive.request_id);

    rig.chat.socket!.send(
      JSON.stringify({ payload: { command: 'JOB_FINISHED', job_id: 'job1', reason: 'STOPPED' } }),
    );
    const ended = await until((v) => v.state.startsWith('ended'));
    assert.equal(ended.state, 'ended: STOPPED');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
