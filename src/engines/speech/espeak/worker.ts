// The eSpeak NG engine program. It links GPL-3.0 code (see ./LICENSE) and is a separate
// work from the Apache-2.0 server, which talks to it only over stdio with the JSON-lines
// protocol of ../protocol.ts. Run: `node --import tsx src/engines/speech/espeak/worker.ts`.
// One request at a time; synthesis is synchronous inside the WebAssembly module, so the
// server parallelises by running several of these processes (../pool.ts).
import readline from 'node:readline';
import init from '@echogarden/espeak-ng-emscripten';
import {
  type EngineMessage,
  encodeLine,
  PROTOCOL_VERSION,
  parseEngineRequest,
  pcmToBase64,
  type SynthRequest,
} from '../protocol.ts';
import { type EspeakEvent, escapeForEspeak, eventsToTimings, trimWordEnd } from './events.ts';

interface EspeakWorker {
  set_voice(name: string): number;
  set_rate(v: number): void;
  set_pitch(v: number): void;
  set_volume(v: number): void;
  set_range(v: number): void;
  get_samplerate(): number;
  synthesize(text: string, cb: (samples: Int16Array, events: EspeakEvent[]) => boolean): void;
}

const send = (m: EngineMessage) => process.stdout.write(encodeLine(m));
// The module prints diagnostics; stdout belongs to the protocol.
const toStderr = (s: string) => process.stderr.write(`${s}\n`);
console.log = (...a: unknown[]) => toStderr(a.map(String).join(' '));

const module = await init({ print: toStderr, printErr: toStderr });
const espeak = new module.eSpeakNGWorker() as EspeakWorker;
const sampleRate = espeak.get_samplerate();
const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, v)));

/** `[[` + n characters + `]]` → offsets in the n characters. */
function phonemeMap(n: number): number[] {
  return [0, 0, ...Array.from({ length: n }, (_, i) => i), n, n, n];
}

function synth(req: SynthRequest): void {
  if (espeak.set_voice(req.voice) !== 0) {
    send({ id: req.id, type: 'error', code: 'BAD_VOICE', message: `eSpeak NG has no voice ${req.voice}` });
    return;
  }
  espeak.set_rate(clamp(req.rate, 80, 450));
  espeak.set_pitch(clamp(req.pitch, 0, 99));
  espeak.set_volume(clamp(req.volume, 0, 200));
  espeak.set_range(clamp(req.range ?? 50, 0, 99));
  // Plain text is escaped (the engine would obey SSML and `[[…]]` in it); phoneme input is
  // wrapped in `[[…]]` and only has markup characters removed. Offsets map back to req.text.
  const input = req.phonemeInput
    ? { text: `[[${req.text.replace(/[<>\]]/g, ' ')}]]`, toSource: phonemeMap(req.text.length) }
    : escapeForEspeak(req.text);
  const parts: Int16Array[] = [];
  const events: EspeakEvent[] = [];
  let total = 0;
  espeak.synthesize(input.text, (samples, evs) => {
    parts.push(samples);
    total += samples.length;
    for (const e of evs) events.push(e);
    return false; // true would stop synthesis
  });
  const pcm = new Int16Array(total);
  let at = 0;
  for (const p of parts) {
    pcm.set(p, at);
    at += p.length;
  }
  const durationMs = (total / sampleRate) * 1000;
  const timings = eventsToTimings(input.text, events, durationMs);
  // A word ends after the source character its last unit came from (`&lt;` → `<`).
  const words = timings.words.map((w) => {
    const start = Math.min(req.text.length, input.toSource[w.start]!);
    const end = Math.min(req.text.length, input.toSource[Math.max(w.start, w.end - 1)]! + 1);
    return { ...w, start, end: trimWordEnd(req.text, start, end) };
  });
  send({ id: req.id, type: 'audio', sampleRate, pcmBase64: pcmToBase64(pcm) });
  send({ id: req.id, type: 'events', words, phonemes: timings.phonemes });
  send({ id: req.id, type: 'done', durationMs });
}

send({ type: 'ready', protocol: PROTOCOL_VERSION, engine: 'espeak-ng', sampleRate });

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const req = parseEngineRequest(line);
  if ('invalid' in req) {
    const id = (() => {
      try {
        return Number(JSON.parse(line).id) || 0;
      } catch {
        return 0;
      }
    })();
    send({ id, type: 'error', code: 'BAD_REQUEST', message: req.invalid });
    continue;
  }
  try {
    synth(req);
  } catch (e) {
    send({ id: req.id, type: 'error', code: 'FAILED', message: e instanceof Error ? e.message : String(e) });
  }
}
