// The knowledge matcher: answers follow every upsert and remove at once, skills filter, the
// threshold turns a weak best into "no match", hot words re-rank, the evaluation set of
// bench:kb stays above its targets, and the embedding half blends in over HTTP (an
// OpenAI-compatible endpoint on 127.0.0.1 whose vectors are a fixed concept table — a test
// double, named as one) and drops out cleanly when that endpoint fails.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { EVAL_INTENTS, OUT_OF_SCOPE } from '../../scripts/bench/kb-eval.ts';
import { createMatcher, DEFAULT_THRESHOLD, openAiEmbeddings } from '../../src/engines/dialog/index.ts';
import type { KbDoc } from '../../src/engines/dialog/types.ts';

const doc = (id: string, intentId: string, text: string, skillId = 's1'): KbDoc => ({
  id,
  intentId,
  skillId,
  text,
});

test('a question answers as soon as it is upserted, and not after it is removed or replaced', async () => {
  const m = createMatcher();
  assert.equal((await m.match('怎么退货')).best, undefined);
  await m.upsert([
    doc('q1', 'return', '怎么退货'),
    doc('q2', 'return', '退货流程是什么'),
    doc('q3', 'ship', '运费多少'),
  ]);
  assert.equal(m.size, 3);
  const hit = (await m.match('我想退货，流程是什么')).best;
  assert.equal(hit?.intentId, 'return');
  assert.ok(hit && hit.score >= DEFAULT_THRESHOLD && hit.score <= 1);
  m.remove(['q1', 'q2', 'unknown']);
  assert.equal(m.size, 1);
  assert.equal((await m.match('怎么退货')).best, undefined);
  await m.upsert([doc('q3', 'ship', '包邮吗')]);
  assert.equal(m.size, 1, 'the same id replaces its doc');
  assert.equal((await m.match('运费多少')).best, undefined);
  assert.equal((await m.match('你们包邮吗')).best?.intentId, 'ship');
});

test('skills filter the answer; the threshold and the limit are per call', async () => {
  const m = createMatcher();
  await m.upsert([
    doc('a', 'hours-shop', 'What are your opening hours?', 'shop'),
    doc('b', 'hours-desk', 'What are the help desk opening hours?', 'desk'),
  ]);
  assert.equal((await m.match('opening hours of the help desk')).best?.intentId, 'hours-desk');
  assert.equal(
    (await m.match('opening hours of the help desk', { skillIds: ['shop'] })).best?.intentId,
    'hours-shop',
  );
  assert.equal((await m.match('opening hours', { skillIds: ['nothing'] })).candidates.length, 0);
  const strict = await m.match('opening hours tomorrow', { threshold: 0.99 });
  assert.equal(strict.best, undefined);
  assert.equal(strict.threshold, 0.99);
  assert.ok(strict.candidates.length > 0, 'candidates are listed below the threshold too');
  assert.equal((await m.match('opening hours', { limit: 1 })).candidates.length, 1);
});

test('hot words weigh their terms higher', async () => {
  const m = createMatcher({ threshold: 0 });
  await m.upsert([doc('a', 'lamp', 'is the oak lamp bright'), doc('b', 'shade', 'is the lamp shade bright')]);
  const plain = (await m.match('oak shade bright')).candidates.map((c) => c.intentId);
  const boosted = (await m.match('oak shade bright', { boostTerms: ['shade'] })).candidates[0];
  const boostedOak = (await m.match('oak shade bright', { boostTerms: ['oak'] })).candidates[0];
  assert.equal(plain.length, 2);
  assert.equal(boosted?.intentId, 'shade');
  assert.equal(boostedOak?.intentId, 'lamp');
});

test('the evaluation set of bench:kb: held-out test phrasings and out-of-scope texts', async () => {
  const m = createMatcher();
  await m.upsert(EVAL_INTENTS.flatMap((it, i) => it.questions.map((q, j) => doc(`${i}.${j}`, `i${i}`, q))));
  let answered = 0;
  let total = 0;
  for (const [i, it] of EVAL_INTENTS.entries())
    for (const q of it.test) {
      total++;
      if ((await m.match(q)).best?.intentId === `i${i}`) answered++;
    }
  let rejected = 0;
  for (const q of OUT_OF_SCOPE.test) if (!(await m.match(q)).best) rejected++;
  assert.ok(answered / total >= 0.9, `answered ${answered}/${total}`);
  assert.ok(rejected / OUT_OF_SCOPE.test.length >= 0.9, `rejected ${rejected}/${OUT_OF_SCOPE.test.length}`);
});

// The embeddings double: each text's vector counts the concepts it names, so "affordable"
// and "cheap" meet although no feature of the lexical half joins them.
const CONCEPTS: string[][] = [
  ['cheap', 'affordable', 'inexpensive', 'budget'],
  ['lamp', 'light'],
  ['weather', 'rain'],
];
function toyVector(text: string): number[] {
  const t = text.toLowerCase();
  return [...CONCEPTS.map((ws) => (ws.some((w) => t.includes(w)) ? 1 : 0)), 0.05];
}
let server: http.Server;
let base = '';
let failing = false;
const seen: Array<{ auth?: string; model?: string; n: number }> = [];
before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (failing || req.url !== '/v1/embeddings') return res.writeHead(503).end('{}');
      const { model, input } = JSON.parse(body) as { model: string; input: string[] };
      seen.push({ auth: req.headers.authorization, model, n: input.length });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: input.map((t, index) => ({ index, embedding: toyVector(t) })) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test('with an embeddings endpoint the score is blended, and a failing endpoint leaves the lexical half', async () => {
  const embeddings = openAiEmbeddings({
    url: base,
    apiKey: 'k-1',
    model: 'toy',
    allowPrivate: true,
    batch: 2,
  });
  const m = createMatcher({ embeddings });
  await m.upsert([
    doc('a', 'price', 'is it cheap'),
    doc('b', 'lamp', 'does the lamp come with a bulb'),
    doc('c', 'x', 'opening hours'),
  ]);
  assert.deepEqual(
    seen.map((s) => [s.auth, s.model, s.n]),
    [
      ['Bearer k-1', 'toy', 2],
      ['Bearer k-1', 'toy', 1],
    ],
    'docs are embedded in batches, with the key and the model',
  );
  const lexicalOnly = createMatcher();
  await lexicalOnly.upsert([doc('a', 'price', 'is it cheap')]);
  assert.equal((await lexicalOnly.match('an affordable option?')).best, undefined);
  const r = await m.match('an affordable option?');
  assert.equal(r.mode, 'blended');
  assert.equal(r.best?.intentId, 'price');
  failing = true;
  const down = await m.match('an affordable option?');
  assert.equal(down.mode, 'lexical');
  assert.equal(down.best, undefined);
  await m.upsert([doc('d', 'rain', 'will it rain')]);
  assert.equal(
    (await m.match('will it rain today')).best?.intentId,
    'rain',
    'a doc added while the endpoint is down still answers by words',
  );
  failing = false;
});

test('the embeddings client refuses a private address unless allowed, and malformed answers', async () => {
  const guarded = openAiEmbeddings({ url: base, model: 'toy', allowPrivate: false });
  await assert.rejects(guarded.embed(['x']), /refusing to fetch .* loopback/);
  const wrong = openAiEmbeddings({ url: `${base}/nope`, model: 'toy', allowPrivate: true });
  await assert.rejects(wrong.embed(['x']), /answered 503/);
});
