// The engine pool and process client against tiny fake engines (`node -e`) that speak the
// protocol: queueing, the one transparent retry after a crash, spawn failures, aborts.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { EngineProcess } from '../../src/engines/speech/engine-process.ts';
import { EnginePool } from '../../src/engines/speech/pool.ts';
import { isSpeechError } from '../../src/engines/speech/types.ts';

// Answers every request with 100 samples of value `len(text)` after `delay` ms; `die` in the
// text makes it exit mid-request.
const FAKE = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
out({ type: 'ready', protocol: 1, engine: 'fake', sampleRate: 8000 });
let busy = 0;
rl.on('line', (l) => {
  const r = JSON.parse(l);
  if (r.text.includes('die')) process.exit(3);
  busy++;
  if (busy > 1) process.stderr.write('overlap\\n');
  setTimeout(() => {
    const pcm = Buffer.alloc(200);
    for (let i = 0; i < 100; i++) pcm.writeInt16LE(r.text.length, i * 2);
    out({ id: r.id, type: 'audio', sampleRate: 8000, pcmBase64: pcm.toString('base64') });
    out({ id: r.id, type: 'events', words: [{ start: 0, end: r.text.length, startMs: 0, endMs: 12.5 }], phonemes: [] });
    out({ id: r.id, type: 'done', durationMs: 12.5 });
    busy--;
  }, Number(process.env.FAKE_DELAY || 20));
});`;

const fake = () => new EngineProcess({ command: process.execPath, args: ['-e', FAKE] });
const pools: EnginePool[] = [];
const pool = (size: number, spawn = fake, idleMs?: number) => {
  const p = new EnginePool({ size, spawn, idleMs });
  pools.push(p);
  return p;
};
after(() => Promise.all(pools.map((p) => p.close())));
const req = (text: string) => ({ text, voice: 'v', rate: 175, pitch: 50, volume: 100 });

test('requests queue for a process and each gets its own answer', async () => {
  const p = pool(1);
  const texts = ['a', 'bb', 'ccc', 'dddd'];
  const results = await Promise.all(texts.map((t) => p.run(req(t))));
  assert.deepEqual(
    results.map((r) => r.samples[0]),
    [1, 2, 3, 4],
  );
  assert.equal(results[0]?.samples.length, 100);
  assert.deepEqual(results[3]?.words, [{ start: 0, end: 4, startMs: 0, endMs: 12.5 }]);
  assert.equal(p.pids().length, 1, 'never more processes than the size');
});

test('a request whose process dies is retried once, then fails as retryable ENGINE_FAILED', async () => {
  const p = pool(2);
  await assert.rejects(p.run(req('die')), (e) => {
    assert.ok(isSpeechError(e) && e.code === 'ENGINE_FAILED' && e.retryable, String(e));
    return true;
  });
  assert.equal(p.crashes, 2, 'the first try and the retry');
  const ok = await p.run(req('fine'));
  assert.equal(ok.samples[0], 4, 'the pool recovered');
});

test('an engine that cannot start fails its requests instead of hanging', async () => {
  const p = pool(1, () => new EngineProcess({ command: '/nonexistent/engine', args: [] }));
  await assert.rejects(p.run(req('x')), (e) => isSpeechError(e) && e.code === 'ENGINE_FAILED');
});

test('aborting a queued request removes it; aborting a running one kills its process', async () => {
  const p = pool(1);
  await p.run(req('warm')); // so the abort below hits a request the engine is working on
  const running = new AbortController();
  const queued = new AbortController();
  const a = p.run(req('slow'), running.signal);
  const b = p.run(req('queued'), queued.signal);
  queued.abort();
  await assert.rejects(b, (e) => isSpeechError(e) && e.code === 'ABORTED');
  const [pid] = p.pids();
  running.abort();
  await assert.rejects(a, (e) => isSpeechError(e) && e.code === 'ABORTED');
  const after = await p.run(req('next'));
  assert.equal(after.samples[0], 4);
  assert.notEqual(p.pids()[0], pid, 'a fresh process took over');
});

test('idle engines are stopped and started again on demand', async () => {
  const p = pool(2, fake, 100);
  await Promise.all([p.run(req('a')), p.run(req('b'))]);
  assert.ok(p.pids().length > 0);
  for (let i = 0; i < 40 && p.pids().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(p.pids().length, 0);
  assert.equal(p.crashes, 0, 'stopping idle engines is not a crash');
  assert.equal((await p.run(req('ccc'))).samples[0], 3);
});
