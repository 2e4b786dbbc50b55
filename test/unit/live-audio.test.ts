// A live job's recordings (live-audio.ts) against a local HTTP server and the real ffmpeg: a URL
// is fetched and decoded to 16 kHz mono; a decoded recording is kept (one download for many
// rounds); a failure is not kept, so a later round tries again; an answer that is not audio and
// an HTTP error are told apart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AudioUnusable, RecordedAudio } from '../../src/modules/live-jobs/live-audio.ts';
import type { ModuleDeps } from '../../src/modules/types.ts';
import { envTools, mkTmp, wavBytes } from '../helpers/media-fixtures.ts';

describe('live recordings (RecordedAudio)', () => {
  let server: http.Server;
  let base: string;
  const hits = new Map<string, number>();
  let failNext = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      const url = req.url ?? '';
      hits.set(url, (hits.get(url) ?? 0) + 1);
      if (url === '/flaky.wav' && failNext > 0) {
        failNext--;
        res.writeHead(503);
        res.end('busy');
        return;
      }
      if (url === '/text.wav') {
        res.writeHead(200);
        res.end('this is not audio');
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(wavBytes({ seconds: 1, sampleRate: 8000 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  const tmp = mkTmp('live-audio');
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const deps = { tmpDir: tmp, allowPrivateFetch: true, mediaTools: envTools } as unknown as ModuleDeps;

  it('decodes a URL to 16 kHz mono once, for every round', async () => {
    const rec = new RecordedAudio(deps, 'p1', tmp);
    const a = await rec.get({ audio_url: `${base}/one.wav` }, 'f');
    assert.equal(a.sampleRate, 16_000);
    assert.ok(Math.abs(a.samples.length - 16_000) < 400, String(a.samples.length));
    const b = await rec.get({ audio_url: `${base}/one.wav` }, 'f');
    assert.equal(b, a);
    assert.equal(hits.get('/one.wav'), 1);
  });

  it('keeps recordings up to its budget; past it one is played and fetched again', async () => {
    // One second at 16 kHz is 32000 bytes: the first fits, the second does not.
    const rec = new RecordedAudio(deps, 'p1', tmp, 40_000);
    await rec.get({ audio_url: `${base}/a.wav` }, 'f');
    assert.equal(rec.full, false);
    await rec.get({ audio_url: `${base}/b.wav` }, 'f');
    assert.equal(rec.full, true);
    await rec.get({ audio_url: `${base}/a.wav` }, 'f');
    await rec.get({ audio_url: `${base}/b.wav` }, 'f');
    assert.equal(hits.get('/a.wav'), 1);
    assert.equal(hits.get('/b.wav'), 2);
  });

  it('does not keep a failure: the next get fetches again', async () => {
    const rec = new RecordedAudio(deps, 'p1', tmp);
    failNext = 1;
    await assert.rejects(
      rec.get({ audio_url: `${base}/flaky.wav` }, 'scene_scripts[0].shoot_scripts[1].audio_config'),
      (e: unknown) =>
        e instanceof AudioUnusable &&
        e.stage === 'fetch' &&
        e.message === 'scene_scripts[0].shoot_scripts[1].audio_config.audio_url answered HTTP 503',
    );
    const ok = await rec.get({ audio_url: `${base}/flaky.wav` }, 'f');
    assert.ok(ok.samples.length > 0);
    assert.equal(hits.get('/flaky.wav'), 2);
  });

  it('tells a file that is not audio from a fetch failure', async () => {
    const rec = new RecordedAudio(deps, 'p1', tmp);
    await assert.rejects(
      rec.get({ audio_url: `${base}/text.wav` }, 'f'),
      (e: unknown) => e instanceof AudioUnusable && e.stage === 'decode',
    );
    // The SSRF guard: private addresses are refused unless allowed.
    const strict = new RecordedAudio({ ...deps, allowPrivateFetch: false } as ModuleDeps, 'p1', tmp);
    await assert.rejects(
      strict.get({ audio_url: `${base}/one.wav` }, 'f'),
      (e: unknown) => e instanceof AudioUnusable && e.stage === 'fetch' && /not allowed/.test(e.message),
    );
  });
});
