// The speech engine contract: text in, audio plus word and phoneme timings out, streamed
// sentence by sentence so live and dialog can start speaking before a long text is done.
// Engines (the built-in eSpeak NG child process, an OpenAI-compatible HTTP endpoint, …)
// implement SpeechEngine; the TTS module, video rendering and live all use it through
// the SpeechService (index.ts), never an engine directly.

/** MetaStudio's prosody controls, unchanged from the API (SEMANTICS §5): 100 is neutral. */
export interface Prosody {
  /** 50–200; 100 ≈ 250 Chinese characters per minute. */
  speed: number;
  /** 50–200; 100 is the voice's own pitch. */
  pitch: number;
  /** 90–240; 140 is the default loudness. */
  volume: number;
}

/** What a VOICE_MODEL asset maps to (kept in its asset_extra_meta.voice_model_meta / catalog). */
export interface VoiceSpec {
  /** Engine id: 'espeak' (built in) or the id of a configured engine, e.g. 'openai'. */
  engine: string;
  /** BCP-47-ish primary language of the voice: 'en', 'zh', … */
  language: string;
  /** Engine-specific voice parameters (espeak: voice name, variant, base pitch/rate; openai: voice). */
  params: Record<string, string | number>;
}

/** A custom pronunciation (TTS vocabulary config), applied when a request enables them. */
export interface VocabularyEntry {
  type: 'CHINESE_G2P' | 'PHONETIC_SYMBOL' | 'CONTINUUM' | 'ALIAS' | 'SAY_AS';
  key: string;
  value: string;
}

/**
 * Input after SSML and vocabulary have been resolved (ssml.ts, vocabulary.ts): what to say,
 * piece by piece. Every spoken piece remembers where it came from in the caller's original
 * text, so word timings (and subtitles) point back at the characters the user wrote.
 */
export type ScriptPiece =
  | {
      kind: 'speak';
      /** The text handed to the engine (may differ from the source: aliases, say-as). */
      text: string;
      /** [start, end) character offsets of this piece in the original text. */
      source: [number, number];
      /** Multiplies the request's prosody (SSML <prosody>); 1 when absent. */
      rate?: number;
      pitch?: number;
      volume?: number;
      /** Engine phoneme input instead of text (SSML <phoneme>, PHONETIC_SYMBOL, CHINESE_G2P). */
      phonemes?: { alphabet: 'ipa' | 'pinyin' | 'x-espeak'; ph: string };
      /** Language override for this piece (mixed Chinese/English text is split per script). */
      language?: string;
    }
  | { kind: 'break'; ms: number };

export interface SpeechScript {
  /** The caller's text exactly as given (SSML markup included when it was SSML). */
  original: string;
  pieces: ScriptPiece[];
}

export interface WordTiming {
  /** The word as it appears in the original text. */
  text: string;
  /** [start, end) character offsets into SpeechScript.original. */
  source: [number, number];
  startMs: number;
  endMs: number;
}

export interface PhonemeTiming {
  /** IPA (as the engine reports it). */
  phoneme: string;
  startMs: number;
  endMs: number;
}

/** One streamed part of the audio (about a sentence); times are from the start of the whole utterance. */
export interface SpeechChunk {
  sampleRate: number;
  /** Mono signed 16-bit PCM. */
  samples: Int16Array;
  /** Start of this chunk in the utterance. */
  offsetMs: number;
  words: WordTiming[];
  phonemes: PhonemeTiming[];
}

export interface SynthesisRequest {
  script: SpeechScript;
  voice: VoiceSpec;
  prosody: Prosody;
  signal?: AbortSignal;
}

export interface SpeechEngine {
  readonly id: string;
  /** True when word timings come from the engine; false when they are estimated (even split). */
  readonly exactTimings: boolean;
  synthesize(req: SynthesisRequest): AsyncIterable<SpeechChunk>;
  close(): Promise<void>;
}

/** A whole utterance, collected from the chunks. */
export interface Synthesis {
  sampleRate: number;
  samples: Int16Array;
  durationMs: number;
  words: WordTiming[];
  phonemes: PhonemeTiming[];
  exactTimings: boolean;
}

export type SpeechErrorCode =
  /** Text empty after markup, or malformed SSML: TTS 20050040. */
  | 'INVALID_TEXT'
  /** Over the length limit: TTS 20051001. */
  | 'TEXT_TOO_LONG'
  /** A language no engine/voice here speaks: TTS 20050064. */
  | 'UNSUPPORTED_LANGUAGE'
  /** The engine crashed or answered nonsense (retryable). */
  | 'ENGINE_FAILED'
  /** No engine with that id is configured. */
  | 'ENGINE_UNAVAILABLE'
  | 'ABORTED';

export class SpeechError extends Error {
  constructor(
    readonly code: SpeechErrorCode,
    message: string,
    readonly retryable = code === 'ENGINE_FAILED',
  ) {
    super(message);
    this.name = 'SpeechError';
  }
}

export const isSpeechError = (e: unknown): e is SpeechError => e instanceof SpeechError;
