// Training data for voice modeling tests: synthetic "read sentences" (one voiced burst per
// syllable of the text, at a chosen pitch, over a faint noise floor, so every review check has
// something real to measure), zips in the layout MetaStudio documents, and the client's
// upload / commit / wait steps.
import assert from 'node:assert/strict';
import { zipSync } from 'fflate';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { spokenUnits } from '../../src/engines/voice-analysis/signal.ts';
import type { CallResult, Tenant, TestPlatform } from './platform.ts';
import { md5b64 } from './uploads.ts';

export const VT = '/v1/{project_id}/voice-training-manage/user';

export const SENTENCES_EN = [
  'The morning train leaves at seven.',
  'Please close the window before you go.',
  'Our team will call you back tomorrow.',
  'The garden looks lovely in the spring.',
  'She bought fresh bread at the market.',
  'We are happy to help with your order.',
  'The meeting starts in ten minutes.',
  'Turn left at the second traffic light.',
  'This coffee tastes better with milk.',
  'He reads the news every evening.',
  'The museum opens again on Monday.',
  'Keep your ticket until the end of the trip.',
  'The children played by the river.',
  'Thank you for waiting on the line.',
  'The weather will be warm and sunny.',
  'Our new store is next to the bank.',
  'Please sign the form at the bottom.',
  'The library has a quiet reading room.',
  'Dinner is served from six to nine.',
  'Have a safe journey and see you soon.',
];

export interface SynthOptions {
  hz?: number;
  sampleRate?: number;
  /** Peak amplitude 0–1 (over 1 clips). */
  amp?: number;
  /** Noise floor amplitude (0–1). */
  noise?: number;
  /** Seconds per syllable burst. */
  syllable?: number;
}

/** A WAV "reading" `text`: one 200 ms harmonic burst per spoken unit, 50 ms apart, 300 ms lead and tail. */
export function syntheticReading(text: string, o: SynthOptions = {}): Buffer {
  const rate = o.sampleRate ?? 22_050;
  const hz = o.hz ?? 150;
  const units = Math.max(1, spokenUnits(text));
  const syl = o.syllable ?? 0.2;
  const gap = 0.05;
  const total = 0.6 + units * (syl + gap);
  const n = Math.round(total * rate);
  const out = new Int16Array(n);
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = (o.noise ?? 0.0003) * 2 * rnd();
    const k = Math.floor((t - 0.3) / (syl + gap));
    const within = t - 0.3 - k * (syl + gap);
    if (t >= 0.3 && k < units && within < syl) {
      // A little intonation per syllable so the voice has a pitch range.
      const f = hz * (1 + 0.08 * Math.sin(k * 1.3));
      const env = Math.sin((Math.PI * within) / syl);
      let s = 0;
      for (let h = 1; h <= 6; h++) s += Math.sin(2 * Math.PI * f * h * t) / h;
      v += (o.amp ?? 0.5) * env * (s / 2);
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
  }
  return encodeWavPcm16(out, rate);
}

/** `0.wav`/`0.txt` … pairs, with per-index overrides (a different recording, a missing file). */
export function sentenceZip(
  texts: readonly string[],
  over: {
    wav?: Record<number, Buffer | null>;
    txt?: Record<number, string | null>;
    extra?: Record<string, Buffer>;
  } = {},
  synth: SynthOptions = {},
): Buffer {
  const files: Record<string, Uint8Array> = {};
  texts.forEach((t, i) => {
    const wav = over.wav?.[i] === undefined ? syntheticReading(t, synth) : over.wav[i];
    const txt = over.txt?.[i] === undefined ? t : over.txt[i];
    if (wav) files[`data/${i}.wav`] = wav;
    if (txt !== null) files[`data/${i}.txt`] = Buffer.from(txt!, 'utf8');
  });
  for (const [k, v] of Object.entries(over.extra ?? {})) files[k] = v;
  return Buffer.from(zipSync(files));
}

export function put(p: TestPlatform, url: string, bytes: Buffer, contentType: string): Promise<CallResult> {
  return p.fetchUrl('PUT', url, {
    body: bytes,
    headers: { 'content-type': contentType, 'content-md5': md5b64(bytes) },
  });
}

export async function createJob(
  p: TestPlatform,
  edition: 'basic' | 'middle' | 'advance',
  body: Record<string, unknown>,
  as?: Tenant,
): Promise<CallResult> {
  return p.call('POST', `${VT}/${edition}-jobs`, { body, as });
}

export async function showJob(p: TestPlatform, jobId: string, as?: Tenant): Promise<CallResult> {
  return p.call('GET', `${VT}/jobs/${jobId}`, { as });
}

/** Polls until the job leaves the review / training states. */
export async function waitSettled(p: TestPlatform, jobId: string, timeoutMs = 240_000): Promise<CallResult> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await showJob(p, jobId);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (!['SYSTEM_AUDITING', 'AUDITING', 'WAITING', 'PROCESSING'].includes(r.body.state)) return r;
    if (Date.now() > end) assert.fail(`job ${jobId} still ${r.body.state}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}
