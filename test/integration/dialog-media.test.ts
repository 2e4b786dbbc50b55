// A dialog stream watched in a real browser: the rig (test/helpers/dialog-media.ts: a
// LiveStream with the dialog encoder settings, its WebRtcOut, the media route on a bare
// Fastify) and headless Chromium signalling through that route on 127.0.0.1, by hand. Checked
// on what Chromium decodes: video frames keep arriving (requestVideoFrameCallback,
// framesDecoded) for two viewers at once and after the relay is killed, and the sound has
// energy once the stream says something. A wrong token is a 403, a malformed offer a 400.
// The latency from `say()` to the first decoded sound is printed, not asserted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import {
  CHROMIUM,
  type DialogRig,
  launchChromium,
  MEDIA,
  startDialogRig,
  TOKEN,
} from '../helpers/dialog-media.ts';

let rig: DialogRig;
before(async () => {
  rig = await startDialogRig();
});
after(async () => rig?.close());

test('the media route: 403 for an unknown job or a wrong token, 400 for a malformed offer', async () => {
  const post = (url: string, body: string) =>
    rig.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/sdp' }, body });
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
  assert.equal(rig.out.viewers(), 0);
});

test('Chromium decodes the stream: frames arrive, and speech has energy', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is absent: the browser leg is not run`);
    return;
  }
  const browser = await launchChromium();
  /** A page that signals through the route and watches what it decodes. */
  const viewer = async () => {
    const page = await browser.newPage();
    // tsx keeps function names with a `__name` helper that the page does not have.
    await page.addInitScript('window.__name = (f) => f');
    await page.goto(`${rig.base}/blank`);
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
    assert.equal(rig.out.viewers(), 1);
    // The idle avatar: video without speech.
    const idle = await until((p) => p.frames >= 50, 20_000);
    assert.ok(idle.frames >= 50, `video frames arrive: ${JSON.stringify(idle)}`);
    // A second viewer of the same stream gets its own picture; the first is not disturbed.
    const second = await viewer();
    assert.equal(rig.out.viewers(), 2);
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
    rig.stream.say(
      { id: 'a1', kind: 'reply', payload: { text: 'Hello there, papa made a map.' } },
      'PLAY_NOW',
    );
    const loud = await until((p) => p.loudAt > 0, 20_000);
    assert.ok(loud.loudAt > 0, `speech reaches the browser with energy: ${JSON.stringify({ quiet, loud })}`);
    assert.ok(loud.energy > quiet.energy, 'the decoded audio energy grew while the avatar spoke');
    const later = await until((p) => p.frames >= loud.frames + 25, 10_000);
    assert.ok(later.frames >= loud.frames + 25, 'video keeps coming while the avatar speaks');
    const start = rig.startedAt.get('a1');
    console.log(
      `dialog media: connected in ${Math.round(connected.connectMs ?? 0)} ms after the answer; ` +
        `say() → first decoded sound ${loud.loudAt - saidAt} ms ` +
        `(of which first speech frame to the encoder → decoded sound ${start ? loud.loudAt - start : '?'} ms); ` +
        `${later.frames} frames shown, ${later.framesDecoded} decoded`,
    );

    // The relay dies: it is started again, and the same viewer's picture resumes.
    const [pid] = rig.out.pids();
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const killedAt = await probe();
    const resumed = await until((p) => p.frames >= killedAt.frames + 50, 20_000);
    assert.ok(
      resumed.frames >= killedAt.frames + 50,
      `video resumes: ${JSON.stringify({ killedAt, resumed })}`,
    );
    assert.notEqual(rig.out.pids()[0], pid);
    assert.equal(resumed.state, 'connected');
  } finally {
    await browser.close();
  }
  // The peer goes once the browser has gone (ICE fails) or when the output closes.
});
