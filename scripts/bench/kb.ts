// `npm run bench:kb [-- --queries 2000]`: the knowledge matcher (src/engines/dialog/).
//
//   accuracy   the evaluation set of scripts/bench/kb-eval.ts (44 intents, Chinese and
//              English, 5–6 stored questions each): the threshold that rejects ≥ 90 % of the
//              development set's out-of-scope texts is printed next to the matcher's default;
//              the held-out test set is then scored at the default — top-1 (the right intent
//              ranks first), answered (ranks first and passes the threshold) and rejected
//              (out-of-scope texts under the threshold).
//   latency    synthetic projects of 1 000 and 100 000 questions (mixed Chinese and English):
//              match p50 / p99 over --queries perturbed questions (median of 3 rounds), against the baseline of the
//              same similarity computed by a scan over every question (no index), measured
//              in the same run (at 100 000 the scan is sampled: it takes too long to run all).
//   updates    one question upserted / removed in the 100 000 index: p50 / p99.
import { parseArgs } from 'node:util';
import { createMatcher, DEFAULT_THRESHOLD, features } from '../../src/engines/dialog/index.ts';
import { LexicalIndex } from '../../src/engines/dialog/lexical-index.ts';
import type { KbDoc } from '../../src/engines/dialog/types.ts';
import { EVAL_INTENTS, OUT_OF_SCOPE } from './kb-eval.ts';

const { values: opts } = parseArgs({ options: { queries: { type: 'string', default: '2000' } } });
const QUERIES = Math.max(100, Number(opts.queries));

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const ms = (x: number) => `${x.toFixed(3)} ms`;
const rate = (n: number, d: number) => `${((100 * n) / d).toFixed(1)} % (${n}/${d})`;

async function accuracy() {
  const m = createMatcher({ threshold: 0 });
  await m.upsert(
    EVAL_INTENTS.flatMap((it, i) =>
      it.questions.map((q, j) => ({ id: `q${i}.${j}`, intentId: `i${i}`, skillId: 'desk', text: q })),
    ),
  );
  const score = async (split: 'dev' | 'test') => {
    const ins: Array<{ right: boolean; score: number }> = [];
    for (const [i, it] of EVAL_INTENTS.entries())
      for (const q of it[split]) {
        const top = (await m.match(q)).candidates[0];
        ins.push({ right: top?.intentId === `i${i}`, score: top?.score ?? 0 });
      }
    const oos: number[] = [];
    for (const q of OUT_OF_SCOPE[split]) oos.push((await m.match(q)).candidates[0]?.score ?? 0);
    return { ins, oos };
  };
  const dev = await score('dev');
  const sortedOos = [...dev.oos].sort((a, b) => a - b);
  const devThreshold = (sortedOos[Math.ceil(0.9 * sortedOos.length) - 1] ?? 0) + 0.0001;
  const report = (name: string, r: Awaited<ReturnType<typeof score>>, t: number) => {
    const top1 = r.ins.filter((x) => x.right).length;
    const answered = r.ins.filter((x) => x.right && x.score >= t).length;
    const rejected = r.oos.filter((x) => x < t).length;
    console.log(
      `  ${name.padEnd(5)} threshold ${t.toFixed(2)}  top-1 ${rate(top1, r.ins.length)}  answered ${rate(answered, r.ins.length)}  rejected ${rate(rejected, r.oos.length)}`,
    );
  };
  const intents = EVAL_INTENTS.length;
  const questions = EVAL_INTENTS.reduce((n, it) => n + it.questions.length, 0);
  console.log(`accuracy: ${intents} intents, ${questions} stored questions`);
  console.log(
    `  dev threshold for ≥ 90 % rejection: ${devThreshold.toFixed(2)}; default ${DEFAULT_THRESHOLD}`,
  );
  report('dev', dev, DEFAULT_THRESHOLD);
  report('test', await score('test'), DEFAULT_THRESHOLD);
}

// A deterministic generator, so that every run measures the same project.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function syntheticKb(questions: number, rand: () => number): KbDoc[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const zhWord = () =>
    String.fromCodePoint(0x4e00 + Math.floor(rand() * 3000), 0x4e00 + Math.floor(rand() * 3000));
  const enWord = () =>
    Array.from({ length: 4 + Math.floor(rand() * 5) }, () => pick([...'abcdefghijklmnoprstuw'])).join('');
  const zhVocab = Array.from({ length: 20_000 }, zhWord);
  const enVocab = Array.from({ length: 20_000 }, enWord);
  const zhFrames = ['怎么', '可以', '请问', '多久', '在哪里', '能不能', '为什么'];
  const enFrames = ['how do i', 'can i', 'where is', 'what is the', 'why does', 'when will'];
  const docs: KbDoc[] = [];
  for (let intent = 0; docs.length < questions; intent++) {
    const zh = intent % 2 === 0;
    const topic = Array.from({ length: 3 }, () => pick(zh ? zhVocab : enVocab));
    for (let q = 0; q < 10 && docs.length < questions; q++) {
      const words = [
        pick(zh ? zhFrames : enFrames),
        ...topic.filter(() => rand() < 0.75),
        pick(zh ? zhVocab : enVocab),
      ];
      docs.push({
        id: `q${docs.length}`,
        intentId: `i${intent}`,
        skillId: `s${intent % 20}`,
        text: words.join(zh ? '' : ' '),
      });
    }
  }
  return docs;
}

/** A stored question with one word dropped and one foreign word added. */
function perturb(doc: KbDoc, rand: () => number): string {
  const zh = /\p{Script=Han}/u.test(doc.text);
  if (zh) {
    const cut = Math.floor(rand() * (doc.text.length - 2));
    return `${doc.text.slice(0, cut)}${doc.text.slice(cut + 2)}${String.fromCodePoint(0x4e00 + Math.floor(rand() * 3000))}吗`;
  }
  const words = doc.text.split(' ');
  words.splice(Math.floor(rand() * words.length), 1);
  return `${words.join(' ')} please`;
}

/** The baseline: the same IDF-weighted similarity, by a scan over every question. */
function scanMatch(query: string, docs: Array<Map<string, number>>, ix: LexicalIndex): number {
  const q = features(query);
  let best = 0;
  let qWeight = 0;
  for (const [t, w] of q) qWeight += ix.idf(t) * w;
  for (const f of docs) {
    let shared = 0;
    let dWeight = 0;
    for (const [t, w] of f) {
      const idf = ix.idf(t);
      dWeight += idf * w;
      const qw = q.get(t);
      if (qw !== undefined) shared += idf * Math.min(qw, w);
    }
    best = Math.max(best, (2 * shared) / (qWeight + dWeight));
  }
  return best;
}

async function latency(size: number) {
  const rand = rng(size);
  const docs = syntheticKb(size, rand);
  const m = createMatcher();
  const t0 = performance.now();
  const heap0 = process.memoryUsage().heapUsed;
  await m.upsert(docs);
  const loadMs = performance.now() - t0;
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  const queries = Array.from({ length: QUERIES }, () =>
    perturb(docs[Math.floor(rand() * docs.length)] as KbDoc, rand),
  );
  for (const q of queries.slice(0, 200)) await m.match(q);
  // Three rounds; each figure is the median of the rounds' (a pause of the shared machine
  // lands in one round, not in the figure).
  const rounds: Array<{ p50: number; p99: number }> = [];
  for (let r = 0; r < 3; r++) {
    const times: number[] = [];
    for (const q of queries) {
      const s = performance.now();
      await m.match(q);
      times.push(performance.now() - s);
    }
    rounds.push({ p50: pct(times, 50), p99: pct(times, 99) });
  }
  const mid = (xs: number[]) => pct(xs, 50);
  // The scan baseline, over the same index statistics.
  const ix = new LexicalIndex();
  const feats = docs.map((d) => {
    const f = features(d.text);
    ix.add(d, f);
    return f;
  });
  const scanCount = size > 10_000 ? 50 : 300;
  const scanTimes: number[] = [];
  for (const q of queries.slice(0, scanCount)) {
    const s = performance.now();
    scanMatch(q, feats, ix);
    scanTimes.push(performance.now() - s);
  }
  const p50 = mid(rounds.map((r) => r.p50));
  const p99 = mid(rounds.map((r) => r.p99));
  const scan50 = pct(scanTimes, 50);
  console.log(
    `latency @ ${size.toLocaleString('en')} questions: load ${(loadMs / 1000).toFixed(2)} s, heap +${heapMb.toFixed(0)} MiB; ` +
      `match p50 ${ms(p50)}, p99 ${ms(p99)} (median of 3 rounds of ${QUERIES} queries; p99 by round ${rounds.map((r) => r.p99.toFixed(2)).join(' / ')}); scan baseline p50 ${ms(scan50)} ` +
      `(${scanCount} queries) → index is ${(scan50 / p50).toFixed(0)}× faster at p50`,
  );
  return { m, docs, rand };
}

async function updates(ctx: Awaited<ReturnType<typeof latency>>) {
  const { m, docs, rand } = ctx;
  const up: number[] = [];
  const rm: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const d = docs[Math.floor(rand() * docs.length)] as KbDoc;
    const s = performance.now();
    m.remove([d.id]);
    rm.push(performance.now() - s);
    const s2 = performance.now();
    await m.upsert([{ ...d, text: `${d.text} ${i}` }]);
    up.push(performance.now() - s2);
  }
  console.log(
    `updates @ ${docs.length.toLocaleString('en')}: upsert p50 ${ms(pct(up, 50))} p99 ${ms(pct(up, 99))}; remove p50 ${ms(pct(rm, 50))} p99 ${ms(pct(rm, 99))}`,
  );
}

console.log(`bench:kb ${new Date().toISOString()} node ${process.version}`);
await accuracy();
await latency(1_000);
await updates(await latency(100_000));
