// The engine process protocol: JSON lines over stdio, one object per line, both ways.
// It is the plug-in point for engines that run as their own program (the built-in eSpeak NG
// worker, or anything else that speaks it); docs/design/2026-11-28-speech-engines.md has the
// reference. Audio travels as base64 little-endian s16 mono PCM inside the JSON line: at
// eSpeak's 22 kHz that is ~59 KB per second of speech, negligible next to synthesis.

export const PROTOCOL_VERSION = 1;

/** Server → engine. `text` is what to say; word offsets in replies index into it (UTF-16). */
export interface SynthRequest {
  id: number;
  op: 'synth';
  text: string;
  /** Engine voice name (eSpeak: `cmn`, `en-us+f3`, `cmn-latn-pinyin`). */
  voice: string;
  /** Engine-native units: words per minute, 0–99 pitch and range, amplitude (100 = normal). */
  rate: number;
  pitch: number;
  volume: number;
  range?: number;
  /** `text` is phoneme input in the engine's own notation (eSpeak: Kirshenbaum inside `[[…]]`). */
  phonemeInput?: boolean;
}

export type EngineRequest = SynthRequest;

/** A word of the request text: [start, end) UTF-16 offsets into SynthRequest.text. */
export interface WireWord {
  start: number;
  end: number;
  startMs: number;
  endMs: number;
}

export interface WirePhoneme {
  phoneme: string;
  startMs: number;
  endMs: number;
}

/** Engine → server. `ready` comes once, unsolicited, when the engine can take requests. */
export type EngineMessage =
  | { type: 'ready'; protocol: number; engine: string; sampleRate: number }
  | { id: number; type: 'audio'; sampleRate: number; pcmBase64: string }
  | { id: number; type: 'events'; words: WireWord[]; phonemes: WirePhoneme[] }
  | { id: number; type: 'done'; durationMs: number }
  | { id: number; type: 'error'; code: 'BAD_VOICE' | 'BAD_REQUEST' | 'FAILED'; message: string };

export function encodeLine(message: EngineRequest | EngineMessage): string {
  return `${JSON.stringify(message)}\n`;
}

export function pcmToBase64(samples: Int16Array): string {
  // Int16Array is host-endian; every platform Node supports here is little-endian.
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
}

export function base64ToPcm(data: string): Int16Array {
  const buf = Buffer.from(data, 'base64');
  // Copy into a fresh, aligned buffer (a pooled Buffer's offset may be odd); little-endian host.
  const out = new Int16Array(buf.length >> 1);
  new Uint8Array(out.buffer).set(buf.subarray(0, out.length * 2));
  return out;
}

/** Splits a byte stream into lines; a partial last line waits for the next chunk. */
export class LineSplitter {
  #pending = '';
  push(chunk: string): string[] {
    const text = this.#pending + chunk;
    const lines = text.split('\n');
    this.#pending = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }
}

/** Parses one engine line, or explains why it is not a protocol message. */
export function parseEngineMessage(line: string): EngineMessage | { invalid: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { invalid: `not JSON: ${line.slice(0, 80)}` };
  }
  if (typeof v !== 'object' || v === null || typeof (v as { type?: unknown }).type !== 'string') {
    return { invalid: `no message type: ${line.slice(0, 80)}` };
  }
  const m = v as EngineMessage;
  if (m.type !== 'ready' && typeof (m as { id?: unknown }).id !== 'number') {
    return { invalid: `message without id: ${line.slice(0, 80)}` };
  }
  return m;
}

export function parseEngineRequest(line: string): EngineRequest | { invalid: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { invalid: 'not JSON' };
  }
  const r = v as Partial<SynthRequest>;
  if (typeof r !== 'object' || r === null || typeof r.id !== 'number') return { invalid: 'no id' };
  if (r.op !== 'synth') return { invalid: `unknown op ${String(r.op)}` };
  if (typeof r.text !== 'string' || typeof r.voice !== 'string')
    return { invalid: 'text and voice are required' };
  for (const k of ['rate', 'pitch', 'volume'] as const) {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) return { invalid: `${k} must be a number` };
  }
  return r as SynthRequest;
}
