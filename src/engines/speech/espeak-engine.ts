// The built-in speech engine: eSpeak NG in child processes (espeak/worker.ts, GPL-3.0),
// reached only through the engine pool. The script is planned into per-sentence requests
// (espeak/plan.ts); each becomes one SpeechChunk, so callers hear the first sentence while
// the rest is still being synthesised. Two requests run ahead per utterance.
import type { EngineResult } from './engine-process.ts';
import { ESPEAK_SAMPLE_RATE, planEspeak, type SourceMap, type Step } from './espeak/plan.ts';
import type { EnginePool } from './pool.ts';
import type { WireWord } from './protocol.ts';
import type { SpeechChunk, SpeechEngine, SynthesisRequest, WordTiming } from './types.ts';
import { SpeechError } from './types.ts';

const LOOKAHEAD = 2;

export class EspeakEngine implements SpeechEngine {
  readonly id = 'espeak';
  readonly exactTimings = true;
  readonly #pool: () => EnginePool;

  /** `pool` is called on first use, so the processes start only when speech is needed. */
  constructor(pool: () => EnginePool) {
    this.#pool = pool;
  }

  async *synthesize(req: SynthesisRequest): AsyncIterable<SpeechChunk> {
    const steps = planEspeak(req.script, req.voice, req.prosody);
    if (steps.length === 0) throw new SpeechError('INVALID_TEXT', 'nothing to say');
    const pool = this.#pool();
    const pending = new Map<number, Promise<EngineResult>>();
    const start = (i: number) => {
      const s = steps[i];
      if (s?.kind !== 'synth' || pending.has(i)) return;
      const p = pool.run(s.request, req.signal);
      p.catch(() => {}); // awaited in order below; not unhandled meanwhile
      pending.set(i, p);
    };
    let samplesSoFar = 0;
    let sampleRate = ESPEAK_SAMPLE_RATE;
    for (let i = 0; i < steps.length; i++) {
      for (let j = i; j < Math.min(steps.length, i + 1 + LOOKAHEAD); j++) start(j);
      if (req.signal?.aborted) throw new SpeechError('ABORTED', 'synthesis aborted');
      const step = steps[i] as Step;
      const offsetMs = (samplesSoFar / sampleRate) * 1000;
      if (step.kind === 'silence') {
        const samples = new Int16Array(Math.round((step.ms / 1000) * sampleRate));
        samplesSoFar += samples.length;
        yield { sampleRate, samples, offsetMs, words: [], phonemes: [] };
        continue;
      }
      const r = await pending.get(i)!;
      pending.delete(i);
      sampleRate = r.sampleRate;
      samplesSoFar += r.samples.length;
      yield {
        sampleRate,
        samples: r.samples,
        offsetMs,
        words: mapWords(req.script.original, r.words, step.map, offsetMs),
        phonemes: r.phonemes.map((p) => ({ ...p, startMs: p.startMs + offsetMs, endMs: p.endMs + offsetMs })),
      };
    }
  }

  async close(): Promise<void> {}
}

/** Engine words (offsets in the request text, ms in the request) → utterance words on the original text. */
export function mapWords(
  original: string,
  words: WireWord[],
  map: SourceMap,
  offsetMs: number,
): WordTiming[] {
  if (words.length === 0) return [];
  if (map.kind === 'whole') {
    const [s, e] = map.source;
    return [
      {
        text: original.slice(s, e),
        source: [s, e],
        startMs: words[0]!.startMs + offsetMs,
        endMs: words[words.length - 1]!.endMs + offsetMs,
      },
    ];
  }
  return words.map((w) => {
    const source: [number, number] = [map.base + w.start, map.base + w.end];
    return {
      text: original.slice(source[0], source[1]),
      source,
      startMs: w.startMs + offsetMs,
      endMs: w.endMs + offsetMs,
    };
  });
}
