// The speech service: one entry point for every caller (TTS module, video, live, dialog).
// It picks the engine by VoiceSpec.engine, starts the eSpeak process pool lazily on first
// use (server start stays fast), and collects streamed chunks into a whole utterance.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../core/logger.ts';
import { concat, EngineProcess } from './engine-process.ts';
import { EspeakEngine } from './espeak-engine.ts';
import { OpenAiEngine } from './openai-engine.ts';
import { EnginePool } from './pool.ts';
import type { SpeechChunk, SpeechEngine, Synthesis, SynthesisRequest } from './types.ts';
import { SpeechError } from './types.ts';

export { AsrError, type AsrSettings, transcribe } from './asr-client.ts';
export { EnginePool } from './pool.ts';
export * from './types.ts';

export interface OpenAiSpeechConfig {
  url: string;
  apiKey?: string;
  model: string;
  voices: Record<string, string>;
}

/** A voice-cloning service (docs/voice-cloning.md): speaks trained voices by their voice id. */
export interface CloningSpeechConfig {
  url: string;
  token?: string;
}

export interface SpeechServiceOptions {
  engines?: { openai?: OpenAiSpeechConfig; cloning?: CloningSpeechConfig };
  /** eSpeak processes; default os.availableParallelism(). */
  poolSize?: number;
  /** An eSpeak process idle this long is stopped (each holds ≈ 170-200 MB); default 60 s, 0 = never. */
  idleMs?: number;
  /** Config `allowPrivateFetch`, for HTTP engines on loopback or the LAN. */
  allowPrivateFetch?: boolean;
  logger?: Logger;
}

export interface SpeechService {
  synthesize(req: SynthesisRequest): AsyncIterable<SpeechChunk>;
  synthesizeAll(req: SynthesisRequest): Promise<Synthesis>;
  /** Ids of the engines this service can use ('espeak' always). */
  engines(): string[];
  /** The eSpeak pool, once started (tests, metrics). */
  espeakPool(): EnginePool | undefined;
  close(): Promise<void>;
}

const WORKER = fileURLToPath(new URL('./espeak/worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * How to start one eSpeak engine process: this Node, with tsx, running espeak/worker.ts.
 * A 1 MB young generation (V8's default grows to 16 MB per semi-space) keeps ≈ 35 MB less
 * resident per process; the engine's work is in WebAssembly, its JavaScript allocates little.
 */
export function espeakCommand(): { command: string; args: string[]; cwd: string } {
  return {
    command: process.execPath,
    args: ['--max-semi-space-size=1', '--import', import.meta.resolve('tsx'), WORKER],
    cwd: REPO_ROOT,
  };
}

export function createSpeechService(opts: SpeechServiceOptions = {}): SpeechService {
  const size = opts.poolSize ?? Math.max(1, os.availableParallelism());
  let pool: EnginePool | undefined;
  const logger = opts.logger?.child({ component: 'speech' });
  const getPool = () => {
    pool ??= new EnginePool({
      size,
      idleMs: opts.idleMs ?? 60_000,
      spawn: () => new EngineProcess({ ...espeakCommand(), logger }),
    });
    return pool;
  };
  const engines = new Map<string, SpeechEngine>([['espeak', new EspeakEngine(getPool)]]);
  const openai = opts.engines?.openai;
  if (openai)
    engines.set('openai', new OpenAiEngine({ ...openai, allowPrivate: opts.allowPrivateFetch ?? false }));
  // The cloning service speaks the OpenAI speech API; a voice's params.voice_id is its voice.
  const cloning = opts.engines?.cloning;
  if (cloning)
    engines.set(
      'voice-cloning',
      new OpenAiEngine({
        url: cloning.url,
        ...(cloning.token ? { apiKey: cloning.token } : {}),
        model: 'doppel-voice-clone',
        voices: {},
        voiceParam: 'voice_id',
        allowPrivate: opts.allowPrivateFetch ?? false,
      }),
    );

  const engineFor = (req: SynthesisRequest) => {
    const e = engines.get(req.voice.engine);
    if (!e)
      throw new SpeechError('ENGINE_UNAVAILABLE', `no speech engine "${req.voice.engine}" is configured`);
    return e;
  };

  return {
    synthesize: (req) => engineFor(req).synthesize(req),
    async synthesizeAll(req) {
      const engine = engineFor(req);
      return collect(engine.synthesize(req), engine.exactTimings);
    },
    engines: () => [...engines.keys()],
    espeakPool: () => pool,
    async close() {
      await Promise.all([...engines.values()].map((e) => e.close()));
      await pool?.close();
    },
  };
}

/** Joins streamed chunks into one utterance (chunks share one sample rate per utterance). */
export async function collect(chunks: AsyncIterable<SpeechChunk>, exactTimings: boolean): Promise<Synthesis> {
  const parts: Int16Array[] = [];
  const out: Omit<Synthesis, 'samples' | 'durationMs'> = {
    sampleRate: 0,
    words: [],
    phonemes: [],
    exactTimings,
  };
  for await (const c of chunks) {
    out.sampleRate ||= c.sampleRate;
    parts.push(c.samples);
    out.words.push(...c.words);
    out.phonemes.push(...c.phonemes);
  }
  const samples = parts.length === 0 ? new Int16Array(0) : concat(parts);
  const sampleRate = out.sampleRate || 22_050;
  return { ...out, sampleRate, samples, durationMs: (samples.length / sampleRate) * 1000 };
}
