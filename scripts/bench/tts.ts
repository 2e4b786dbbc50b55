// `npm run bench:tts [-- --texts 16] [--runs 5] [--pool N]`: the built-in speech engine.
//
//   cold start   one eSpeak engine process from spawn to `ready` (tsx + WebAssembly init)
//   single       one ~200-character text (English, Mandarin) on a warm one-process pool,
//                median of --runs: × realtime = audio seconds / wall seconds, through the
//                whole path (planning, JSON-lines protocol, base64 PCM, word mapping)
//   throughput   --texts texts (half English, half Mandarin) submitted at once, on a
//                one-process pool and on a pool of N (default: the core count); the
//                ratio is the pool's speed-up over the single process (ideal: N)
import os from 'node:os';
import { parseArgs } from 'node:util';
import { EngineProcess } from '../../src/engines/speech/engine-process.ts';
import { EspeakEngine } from '../../src/engines/speech/espeak-engine.ts';
import { collect, EnginePool, espeakCommand } from '../../src/engines/speech/index.ts';
import type { SynthesisRequest, VoiceSpec } from '../../src/engines/speech/types.ts';

const { values: opts } = parseArgs({
  options: {
    texts: { type: 'string', default: '16' },
    runs: { type: 'string', default: '5' },
    pool: { type: 'string', default: String(os.availableParallelism()) },
  },
});
const nTexts = Number(opts.texts);
const runs = Number(opts.runs);
const poolSize = Number(opts.pool);

const EN =
  'Digital humans can read any script aloud. This sentence and the next ones exist to give the speech engine a realistic paragraph of about two hundred characters, with commas, full stops and a question?';
const ZH =
  '欢迎使用数字人视频制作服务。这个虚拟主播正在朗读一段简短的中文句子，字幕和口型会跟随音频变化。我们希望这段文字足够长，可以用来测量语音合成的速度。数字人可以在直播间里回答观众的问题，也可以生成讲解视频。请注意，合成的速度取决于处理器的核心数量和文本的长度，中文和英文的表现可能不同。最后这一句让整段文字达到大约两百个字。';
const en: VoiceSpec = { engine: 'espeak', language: 'en', params: { voice: 'en-us' } };
const zh: VoiceSpec = { engine: 'espeak', language: 'zh', params: { voice: 'cmn' } };
const req = (text: string, voice: VoiceSpec): SynthesisRequest => ({
  script: { original: text, pieces: [{ kind: 'speak', text, source: [0, text.length] }] },
  voice,
  prosody: { speed: 100, pitch: 100, volume: 140 },
});

const makePool = (size: number) => new EnginePool({ size, spawn: () => new EngineProcess(espeakCommand()) });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, d = 1) => n.toFixed(d);

// Cold start.
const t0 = performance.now();
const cold = new EngineProcess(espeakCommand());
await cold.ready;
const coldMs = performance.now() - t0;
await cold.close();

// Single synthesis on one warm process.
const single = makePool(1);
await single.warm();
const singleEngine = new EspeakEngine(() => single);
const singleRows: Array<{ lang: string; chars: number; audioS: number; wallMs: number; x: number }> = [];
for (const [lang, text, voice] of [
  ['English', EN, en],
  ['Mandarin', ZH, zh],
] as const) {
  const walls: number[] = [];
  let audioS = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await collect(singleEngine.synthesize(req(text, voice)), true);
    walls.push(performance.now() - t);
    audioS = r.durationMs / 1000;
  }
  const wallMs = median(walls);
  singleRows.push({ lang, chars: text.length, audioS, wallMs, x: audioS / (wallMs / 1000) });
}

// Throughput: all texts at once.
async function throughput(pool: EnginePool) {
  const engine = new EspeakEngine(() => pool);
  const texts = Array.from({ length: nTexts }, (_, i) => (i % 2 === 0 ? req(EN, en) : req(ZH, zh)));
  const t = performance.now();
  const cpu = process.cpuUsage();
  const results = await Promise.all(texts.map((r) => collect(engine.synthesize(r), true)));
  const wallS = (performance.now() - t) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const audioS = results.reduce((s, r) => s + r.durationMs / 1000, 0);
  return { wallS, audioS, x: audioS / wallS, parentCpuS: (user + system) / 1e6 };
}
await throughput(single); // warm-up
const one = await throughput(single);
await single.close();
const many = makePool(poolSize);
await many.warm();
await throughput(many);
const pooled = await throughput(many);
await many.close();

console.log(
  `eSpeak NG engine — ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, Node ${process.version}`,
);
console.log(`cold start of one engine process: ${fmt(coldMs, 0)} ms`);
console.log('\nsingle synthesis (one warm process, median of', runs, 'runs)');
console.log('| text | chars | audio s | wall ms | × realtime |');
console.log('|---|---|---|---|---|');
for (const r of singleRows)
  console.log(`| ${r.lang} | ${r.chars} | ${fmt(r.audioS, 2)} | ${fmt(r.wallMs)} | ${fmt(r.x, 0)}× |`);
console.log(`\nthroughput: ${nTexts} texts at once (half English, half Mandarin)`);
console.log('| pool | audio s | wall s | server CPU s | × realtime | vs 1 process |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| 1 process | ${fmt(one.audioS)} | ${fmt(one.wallS, 2)} | ${fmt(one.parentCpuS, 2)} | ${fmt(one.x, 0)}× | 1.00 |`,
);
console.log(
  `| ${poolSize} processes | ${fmt(pooled.audioS)} | ${fmt(pooled.wallS, 2)} | ${fmt(pooled.parentCpuS, 2)} | ${fmt(pooled.x, 0)}× | ${fmt(pooled.x / one.x, 2)} (ideal ${poolSize}) |`,
);
console.log(
  `\nload average during the run: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
