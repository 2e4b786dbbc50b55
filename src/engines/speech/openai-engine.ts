// An OpenAI-compatible speech endpoint (`POST {url}/v1/audio/speech`) as a SpeechEngine:
// OpenAI itself, or any self-hosted server that copies the API (Kokoro-FastAPI, openedai-speech…).
// Such endpoints return audio only, so word timings are ESTIMATED (exactTimings = false): each
// sentence's duration is split over its words in proportion to their character counts, and
// there are no phoneme timings. Pitch has no equivalent in the API and is ignored; volume is
// applied to the samples. The URL passes the SSRF guard (core/net) like every server fetch.
import { safeFetch } from '../../core/net/safe-fetch.ts';
import { BlockedAddressError } from '../../core/net/ssrf.ts';
import { splitSentences } from './espeak/plan.ts';
import type { ScriptPiece, SpeechChunk, SpeechEngine, SynthesisRequest, WordTiming } from './types.ts';
import { SpeechError } from './types.ts';
import { decodePcm16, decodeWav } from './wav-decode.ts';

export interface OpenAiEngineOptions {
  /** Base URL; `/v1/audio/speech` is appended. */
  url: string;
  apiKey?: string;
  model: string;
  /** VoiceSpec.params.voice → the endpoint's voice name; unmapped names pass through. */
  voices: Record<string, string>;
  /** Which VoiceSpec param names the voice; `voice` when absent (a cloning service: `voice_id`). */
  voiceParam?: string;
  /** 'wav' (default) or 'pcm' (headerless s16le at 24 kHz). */
  format?: 'wav' | 'pcm';
  /** Config `allowPrivateFetch`: a self-hosted endpoint on the LAN or loopback needs it. */
  allowPrivate: boolean;
  timeoutMs?: number;
}

const PCM_RATE = 24_000;

export class OpenAiEngine implements SpeechEngine {
  readonly id = 'openai';
  readonly exactTimings = false;
  readonly #o: OpenAiEngineOptions;

  constructor(opts: OpenAiEngineOptions) {
    this.#o = opts;
  }

  async *synthesize(req: SynthesisRequest): AsyncIterable<SpeechChunk> {
    let sampleRate = PCM_RATE;
    let samplesSoFar = 0;
    let spoke = false;
    // Breaks before the first words: their length in samples needs the endpoint's rate, known
    // only from its first answer.
    let leadingMs = 0;
    for (const piece of req.script.pieces) {
      const offsetMs = () => (samplesSoFar / sampleRate) * 1000;
      if (piece.kind === 'break' && !spoke) {
        leadingMs += piece.ms;
        continue;
      }
      if (piece.kind === 'break') {
        const samples = new Int16Array(Math.round((piece.ms / 1000) * sampleRate));
        const at = offsetMs();
        samplesSoFar += samples.length;
        yield { sampleRate, samples, offsetMs: at, words: [], phonemes: [] };
        continue;
      }
      for (const part of speakParts(req.script.original, piece)) {
        if (req.signal?.aborted) throw new SpeechError('ABORTED', 'synthesis aborted');
        const audio = await this.#fetch(part.text, req, piece);
        if (samplesSoFar > 0 && audio.sampleRate !== sampleRate) {
          throw new SpeechError('ENGINE_FAILED', 'the engine changed sample rate mid-utterance', false);
        }
        sampleRate = audio.sampleRate;
        if (leadingMs > 0) {
          const silence = new Int16Array(Math.round((leadingMs / 1000) * sampleRate));
          leadingMs = 0;
          samplesSoFar += silence.length;
          yield { sampleRate, samples: silence, offsetMs: 0, words: [], phonemes: [] };
        }
        const at = offsetMs();
        const durationMs = (audio.samples.length / sampleRate) * 1000;
        samplesSoFar += audio.samples.length;
        spoke = true;
        yield {
          sampleRate,
          samples: audio.samples,
          offsetMs: at,
          words: evenSplitWords(req.script.original, part.source, part.segment, at, durationMs),
          phonemes: [],
        };
      }
    }
    if (!spoke && samplesSoFar === 0) throw new SpeechError('INVALID_TEXT', 'nothing to say');
  }

  async #fetch(text: string, req: SynthesisRequest, piece: Extract<ScriptPiece, { kind: 'speak' }>) {
    const o = this.#o;
    const name = String(req.voice.params[o.voiceParam ?? 'voice'] ?? '');
    const speed = Math.min(4, Math.max(0.25, (req.prosody.speed / 100) * (piece.rate ?? 1)));
    const body = JSON.stringify({
      model: o.model,
      input: text,
      voice: o.voices[name] ?? (name || 'alloy'),
      response_format: o.format ?? 'wav',
      speed,
    });
    let res: Awaited<ReturnType<typeof safeFetch>>;
    try {
      res = await safeFetch(`${o.url.replace(/\/+$/, '')}/v1/audio/speech`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
        },
        body,
        allowPrivate: o.allowPrivate,
        timeoutMs: o.timeoutMs ?? 60_000,
        maxBodyBytes: 256 * 1024 * 1024,
        maxRedirects: 0,
        signal: req.signal,
      });
    } catch (e) {
      if (req.signal?.aborted) throw new SpeechError('ABORTED', 'synthesis aborted');
      if (e instanceof BlockedAddressError) throw new SpeechError('ENGINE_FAILED', e.message, false);
      throw new SpeechError('ENGINE_FAILED', `speech endpoint unreachable: ${(e as Error).message}`);
    }
    if (res.status !== 200) {
      const retryable = res.status === 429 || res.status >= 500;
      throw new SpeechError('ENGINE_FAILED', `speech endpoint answered ${res.status}`, retryable);
    }
    const audio = (o.format ?? 'wav') === 'pcm' ? decodePcm16(res.body, PCM_RATE) : decodeWav(res.body);
    const gain = (req.prosody.volume / 140) * (piece.volume ?? 1);
    if (gain !== 1) {
      for (let i = 0; i < audio.samples.length; i++) {
        audio.samples[i] = Math.max(-32768, Math.min(32767, Math.round(audio.samples[i]! * gain)));
      }
    }
    return audio;
  }

  async close(): Promise<void> {}
}

interface SpeakPart {
  text: string;
  /** Where the words land in the original. */
  source: [number, number];
  /** True when `text` is the original's slice there, so words can be cut inside it. */
  segment: boolean;
}

function speakParts(original: string, piece: Extract<ScriptPiece, { kind: 'speak' }>): SpeakPart[] {
  if (piece.text.trim() === '') return [];
  const [s0, s1] = piece.source;
  if (original.slice(s0, s1) !== piece.text)
    return [{ text: piece.text, source: piece.source, segment: false }];
  return splitSentences(piece.text).map(([s, e]) => ({
    text: piece.text.slice(s, e),
    source: [s0 + s, s0 + e] as [number, number],
    segment: true,
  }));
}

/**
 * Estimated word timings: the part's duration split over its words by character count.
 * Words come from Intl.Segmenter, so Chinese is cut into words too.
 */
export function evenSplitWords(
  original: string,
  source: [number, number],
  segment: boolean,
  offsetMs: number,
  durationMs: number,
): WordTiming[] {
  const text = original.slice(source[0], source[1]);
  const words: Array<[number, number]> = [];
  if (segment) {
    for (const s of new Intl.Segmenter(undefined, { granularity: 'word' }).segment(text)) {
      if (s.isWordLike) words.push([source[0] + s.index, source[0] + s.index + s.segment.length]);
    }
  }
  if (words.length === 0) words.push(source);
  const chars = words.reduce((n, [s, e]) => n + (e - s), 0);
  let t = offsetMs;
  return words.map(([s, e]) => {
    const d = (durationMs * (e - s)) / chars;
    const w = { text: original.slice(s, e), source: [s, e] as [number, number], startMs: t, endMs: t + d };
    t += d;
    return w;
  });
}
