// The voice-cloning service plug-in (docs/voice-cloning.md) against a local stand-in on
// 127.0.0.1: a BASIC voice training job (CreateTrainingBasicJob → CommitVoiceTrainingJob)
// enrols its reviewed recordings with the service (bearer token, recordings and texts, no
// names), its VOICE_MODEL asset is a CLONE, and a TTS job with that asset is spoken by the
// service (the stand-in answers a tone whose pitch identifies the voice). A refused enrolment
// fails the job with the service's reason.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { decodeWav } from '../../src/engines/speech/wav-decode.ts';
import { estimateF0, summarisePitch } from '../../src/engines/voice-analysis/f0.ts';
import { dbLegs } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { download, waitForAsyncJob } from '../helpers/tts.ts';
import { createJob, put, SENTENCES_EN, sentenceZip, VT, waitSettled } from '../helpers/voice.ts';

const TOKEN = 'clone-secret-token';
const VOICE_HZ = 310;

interface Enrolment {
  auth: string | undefined;
  body: {
    request_id: string;
    language: string;
    sex: string;
    recordings: Array<{ name: string; text?: string; audio_wav_base64: string }>;
    [k: string]: unknown;
  };
}

describe('voice-cloning service (stand-in on 127.0.0.1)', () => {
  let p: TestPlatform;
  let server: http.Server;
  const enrolments: Enrolment[] = [];
  const speechRequests: Array<{ auth: string | undefined; body: Record<string, unknown> }> = [];
  let refuse = false;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const auth = req.headers.authorization;
        if (auth !== `Bearer ${TOKEN}`) {
          res.writeHead(401).end();
          return;
        }
        if (req.method === 'POST' && req.url === '/v1/voices') {
          enrolments.push({ auth, body });
          if (refuse) {
            res
              .writeHead(422, { 'content-type': 'application/json' })
              .end('{"error":"not enough clean speech"}');
            return;
          }
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ voice_id: `v-${body.request_id}` }));
          return;
        }
        if (req.method === 'POST' && req.url === '/v1/audio/speech') {
          speechRequests.push({ auth, body });
          const known = enrolments.some((e) => `v-${e.body.request_id}` === body.voice);
          if (!known) {
            res.writeHead(404).end();
            return;
          }
          const rate = 24_000;
          const pcm = Int16Array.from({ length: rate }, (_, i) =>
            Math.round(8000 * Math.sin((2 * Math.PI * VOICE_HZ * i) / rate)),
          );
          res.writeHead(200, { 'content-type': 'audio/wav' }).end(encodeWavPcm16(pcm, rate));
          return;
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    p = await startTestPlatform((await dbLegs())[0]!, {
      env: {
        DOPPEL_VOICE_CLONING_URL: `http://127.0.0.1:${port}/`,
        DOPPEL_VOICE_CLONING_TOKEN: TOKEN,
        DOPPEL_ALLOW_PRIVATE_FETCH: 'true',
      },
    });
  });
  after(async () => {
    await p?.close();
    await new Promise((r) => server?.close(r));
  });

  it('enrols the reviewed recordings, makes a CLONE voice asset, and TTS speaks through the service', async () => {
    const c = await createJob(p, 'basic', {
      voice_name: 'Private name',
      language: 'EN',
      sex: 'MALE',
      phone: '123456',
    });
    await put(p, c.body.training_data_uploading_url, sentenceZip(SENTENCES_EN), 'application/zip');
    assert.equal((await p.call('POST', `${VT}/jobs/${c.body.job_id}`, { body: {} })).status, 200);
    const done = await waitSettled(p, c.body.job_id);
    assert.equal(done.body.state, 'SUCCEED', JSON.stringify(done.body));

    assert.equal(enrolments.length, 1);
    const e = enrolments[0]!;
    assert.match(e.body.request_id, /^[0-9a-f]{32}$/);
    assert.notEqual(e.body.request_id, c.body.job_id, 'an opaque id, not the job id');
    assert.equal(e.body.language, 'EN');
    assert.equal(e.body.sex, 'MALE');
    assert.equal(e.body.recordings.length, 20);
    assert.equal(e.body.recordings[3]!.text, SENTENCES_EN[3]);
    assert.equal(decodeWav(Buffer.from(e.body.recordings[3]!.audio_wav_base64, 'base64')).sampleRate, 22_050);
    const sent = JSON.stringify(e.body);
    for (const secret of ['Private name', '123456', p.tenant.projectId])
      assert.ok(!sent.includes(secret), secret);

    const asset = await p.call('GET', `/v1/{project_id}/digital-assets/${done.body.asset_id}`);
    assert.equal(asset.body.asset_extra_meta.voice_model_meta.model_type, 'CLONE');

    const j = await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
      body: { text: 'Hello from the cloned voice.', voice_asset_id: done.body.asset_id },
    });
    assert.equal(j.status, 200, JSON.stringify(j.body));
    const r = await waitForAsyncJob(p, j.body.job_id);
    assert.equal(r.state, 'SUCCEED', JSON.stringify(r));
    assert.equal(speechRequests.at(-1)!.body.voice, `v-${e.body.request_id}`);
    const out = decodeWav(await download(p, r.audio_file_url));
    const pitch = summarisePitch(estimateF0(out.samples, out.sampleRate))!;
    assert.ok(Math.abs(pitch.medianHz - VOICE_HZ) < 5, `spoken by the service: ${pitch.medianHz} Hz`);
  });

  it('a refused enrolment fails the job with the service reason', async () => {
    refuse = true;
    const c = await createJob(p, 'basic', { voice_name: 'Refused', language: 'EN' });
    await put(p, c.body.training_data_uploading_url, sentenceZip(SENTENCES_EN), 'application/zip');
    assert.equal((await p.call('POST', `${VT}/jobs/${c.body.job_id}`, { body: {} })).status, 200);
    const done = await waitSettled(p, c.body.job_id);
    assert.equal(done.body.state, 'FAILED', JSON.stringify(done.body));
    assert.equal(done.body.job_failed_code, 'MSS.00000001');
    assert.match(done.body.job_failed_reason, /422.*not enough clean speech/);
    const logs = await p.call('GET', `${VT}/jobs/${c.body.job_id}/op-logs`);
    assert.equal(logs.body.operations.at(-1).action, 'TRAINING_FAILED');
  });
});
