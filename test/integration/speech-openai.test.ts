// The OpenAI-compatible speech adapter against a small local fake of `/v1/audio/speech`
// (the real endpoint is across the network): request shape, WAV and PCM decoding, the even
// split of word timings, errors, and the SSRF guard.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { encodeWav } from '../../src/core/media/encode.ts';
import { createSpeechService, isSpeechError, type SpeechService } from '../../src/engines/speech/index.ts';
import { OpenAiEngine } from '../../src/engines/speech/openai-engine.ts';
import { decodeWav } from '../../src/engines/speech/wav-decode.ts';

const seen: Array<{ auth?: string; body: Record<string, unknown> }> = [];
let status = 200;
const server = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => {
    raw += c;
  });
  req.on('end', () => {
    const body = JSON.parse(raw) as Record<string, unknown>;
    seen.push({ auth: req.headers.authorization, body });
    if (req.url !== '/v1/audio/speech' || status !== 200) {
      res.writeHead(req.url === '/v1/audio/speech' ? status : 404).end();
      return;
    }
    // 100 ms of tone per input character, so durations are predictable.
    const seconds = String(body.input).length * 0.1;
    if (body.response_format === 'pcm') {
      const pcm = Buffer.alloc(Math.round(seconds * 24_000) * 2);
      for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(Math.round(Math.sin(i / 10) * 8000), i * 2);
      res.writeHead(200, { 'content-type': 'audio/pcm' }).end(pcm);
      return;
    }
    const n = Math.round(seconds * 16_000);
    const samples = Array.from({ length: n * 2 }, (_, i) => Math.sin(Math.floor(i / 2) / 8) * 0.5);
    res.writeHead(200, { 'content-type': 'audio/wav' }).end(encodeWav(samples, 16_000, 2));
  });
});

let url = '';
let service: SpeechService;
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = createSpeechService({
    engines: { openai: { url, apiKey: 'sk-test', model: 'tts-1', voices: { xiaoqing: 'nova' } } },
    allowPrivateFetch: true,
  });
});
after(async () => {
  await service.close();
  server.close();
});

const voice = { engine: 'openai', language: 'zh', params: { voice: 'xiaoqing' } };
const neutral = { speed: 100, pitch: 100, volume: 140 };

test('requests carry model, mapped voice, speed and key; WAV is decoded to mono', async () => {
  seen.length = 0;
  const original = '你好世界。Hello there';
  const r = await service.synthesizeAll({
    script: { original, pieces: [{ kind: 'speak', text: original, source: [0, original.length] }] },
    voice,
    prosody: { ...neutral, speed: 150 },
  });
  assert.deepEqual(service.engines(), ['espeak', 'openai']);
  assert.equal(seen.length, 2, 'one request per sentence');
  assert.equal(seen[0]?.auth, 'Bearer sk-test');
  assert.deepEqual(seen[0]?.body, {
    model: 'tts-1',
    input: '你好世界。',
    voice: 'nova',
    response_format: 'wav',
    speed: 1.5,
  });
  assert.equal(r.sampleRate, 16_000);
  assert.equal(r.exactTimings, false);
  assert.ok(Math.abs(r.durationMs - original.length * 100) < 5, `${r.durationMs}`);
  assert.deepEqual(r.phonemes, []);
  // Even split by characters over Intl.Segmenter words, in order, on the original text.
  assert.ok(r.words.length >= 4);
  for (const w of r.words) assert.equal(original.slice(w.source[0], w.source[1]), w.text);
  for (let i = 1; i < r.words.length; i++) assert.ok(r.words[i]!.startMs >= r.words[i - 1]!.endMs - 1e-9);
  const hello = r.words.find((w) => w.text === 'Hello');
  const there = r.words.find((w) => w.text === 'there');
  assert.ok(hello && there);
  assert.ok(
    Math.abs(hello.endMs - hello.startMs - (there.endMs - there.startMs)) < 1e-6,
    'same length, same time',
  );
});

test('headerless PCM at 24 kHz, breaks as silence', async () => {
  {
    const engine = new OpenAiEngine({ url, model: 'm', voices: {}, format: 'pcm', allowPrivate: true });
    const chunks = [];
    for await (const c of engine.synthesize({
      script: {
        original: 'ab',
        pieces: [
          { kind: 'speak', text: 'ab', source: [0, 2] },
          { kind: 'break', ms: 500 },
        ],
      },
      voice: { engine: 'openai', language: 'en', params: {} },
      prosody: neutral,
    })) {
      chunks.push(c);
    }
    assert.equal(chunks[0]?.sampleRate, 24_000);
    assert.equal(chunks[0]?.samples.length, 4800);
    assert.equal(chunks[1]?.offsetMs, 200);
    assert.equal(chunks[1]?.samples.length, 12_000);
    assert.equal(seen.at(-1)?.body.voice, 'alloy', 'no voice configured: the API default');
  }
});

test('endpoint errors are ENGINE_FAILED, retryable when the server is at fault', async () => {
  const script = {
    original: 'hi',
    pieces: [{ kind: 'speak' as const, text: 'hi', source: [0, 2] as [number, number] }],
  };
  status = 503;
  await assert.rejects(service.synthesizeAll({ script, voice, prosody: neutral }), (e) => {
    assert.ok(isSpeechError(e) && e.code === 'ENGINE_FAILED' && e.retryable, String(e));
    return true;
  });
  status = 400;
  await assert.rejects(service.synthesizeAll({ script, voice, prosody: neutral }), (e) => {
    assert.ok(isSpeechError(e) && e.code === 'ENGINE_FAILED' && !e.retryable, String(e));
    return true;
  });
  status = 200;
});

test('the SSRF guard refuses a loopback endpoint unless private fetches are allowed', async () => {
  const guarded = createSpeechService({ engines: { openai: { url, model: 'm', voices: {} } } });
  const before = seen.length;
  const script = {
    original: 'hi',
    pieces: [{ kind: 'speak' as const, text: 'hi', source: [0, 2] as [number, number] }],
  };
  await assert.rejects(guarded.synthesizeAll({ script, voice, prosody: neutral }), (e) => {
    assert.ok(isSpeechError(e) && e.code === 'ENGINE_FAILED' && !e.retryable, String(e));
    assert.match(e.message, /loopback/);
    return true;
  });
  assert.equal(seen.length, before, 'nothing reached the server');
  await guarded.close();
});

test('WAV decoding: stereo s16 is averaged to mono; junk is refused', () => {
  const wav = encodeWav([0.5, -0.5, 0.25, 0.25], 8000, 2);
  const d = decodeWav(wav);
  assert.equal(d.sampleRate, 8000);
  assert.deepEqual(Array.from(d.samples), [1, 8192]); // (16384 + -16383) / 2 rounds up
  assert.throws(
    () => decodeWav(Buffer.from('not a wav file at all')),
    (e) => isSpeechError(e),
  );
});
