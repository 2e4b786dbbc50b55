// The built-in speech engine end to end: real eSpeak NG child processes through the pool,
// real audio checked with ffprobe and by loudness, word timings checked against the text.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { probeMedia, resolveMediaTools } from '../../src/core/media/index.ts';
import {
  createSpeechService,
  isSpeechError,
  type ScriptPiece,
  type SpeechChunk,
  type Synthesis,
  type VoiceSpec,
} from '../../src/engines/speech/index.ts';

const speech = createSpeechService({ poolSize: 2 });
after(() => speech.close());
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-speech-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const zh: VoiceSpec = { engine: 'espeak', language: 'zh', params: { voice: 'cmn', variant: 'f2' } };
const en: VoiceSpec = { engine: 'espeak', language: 'en', params: { voice: 'en-us' } };
const neutral = { speed: 100, pitch: 100, volume: 140 };
const whole = (text: string, language?: string): { original: string; pieces: ScriptPiece[] } => ({
  original: text,
  pieces: [{ kind: 'speak', text, source: [0, text.length], ...(language ? { language } : {}) }],
});

const rms = (s: Int16Array, from = 0, to = s.length) => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += s[i]! * s[i]!;
  return Math.sqrt(sum / Math.max(1, to - from));
};

async function checkAudio(name: string, r: Synthesis) {
  const file = path.join(dir, `${name}.wav`);
  fs.writeFileSync(file, encodeWavPcm16(r.samples, r.sampleRate));
  const info = await probeMedia(resolveMediaTools(process.env), file);
  assert.equal(info.audio?.sampleRate, 22_050);
  assert.ok(
    Math.abs((info.durationSec ?? 0) * 1000 - r.durationMs) < 50,
    `ffprobe duration ${info.durationSec}`,
  );
  // Speech is loud where the words are: most word spans carry real signal.
  const ms = (t: number) => Math.round((t / 1000) * r.sampleRate);
  const loud = r.words.filter((w) => rms(r.samples, ms(w.startMs), ms(w.endMs)) > 500);
  assert.ok(loud.length >= r.words.length * 0.9, `${loud.length}/${r.words.length} words are audible`);
}

function checkWords(r: Synthesis, original: string) {
  assert.ok(r.words.length > 0);
  let last = -1;
  let lastSource = -1;
  for (const w of r.words) {
    assert.ok(w.startMs >= last && w.endMs >= w.startMs, `monotonic at ${w.text}`);
    assert.ok(w.source[0] >= lastSource, `source order at ${w.text}`);
    assert.equal(original.slice(w.source[0], w.source[1]), w.text);
    last = w.startMs;
    lastSource = w.source[0];
  }
  assert.ok(last <= r.durationMs);
  // Every written word or Han character is inside some word's span.
  for (const m of original.matchAll(/\p{Script=Han}|[A-Za-z]+/gu)) {
    const at = m.index;
    assert.ok(
      r.words.some((w) => w.source[0] <= at && at < w.source[1]),
      `"${m[0]}" at ${at} is not covered`,
    );
  }
}

describe('eSpeak engine', () => {
  test('English: real audio, monotonic words covering the text, phonemes', async () => {
    const text = 'The quick brown fox jumps over the lazy dog. Digital humans read this sentence aloud!';
    const r = await speech.synthesizeAll({ script: whole(text), voice: en, prosody: neutral });
    assert.equal(r.exactTimings, true);
    // About 12–20 characters per second at neutral speed.
    assert.ok(r.durationMs > text.length * 30 && r.durationMs < text.length * 150, `${r.durationMs} ms`);
    checkWords(r, text);
    assert.deepEqual(
      r.words.slice(0, 4).map((w) => w.text),
      ['The', 'quick', 'brown', 'fox'],
    );
    assert.ok(r.phonemes.length > 40);
    assert.ok(r.phonemes.some((p) => p.phoneme.includes('ɪ') || p.phoneme.includes('ʌ')));
    await checkAudio('english', r);
  });

  test('Mandarin: pronounced as Mandarin, words mapped onto the Chinese characters', async () => {
    const text = '欢迎使用数字人视频制作服务。这个虚拟主播正在朗读一段简短的中文句子。';
    const r = await speech.synthesizeAll({ script: whole(text), voice: zh, prosody: neutral });
    assert.ok(r.durationMs > text.length * 120 && r.durationMs < text.length * 450, `${r.durationMs} ms`);
    checkWords(r, text);
    assert.ok(
      r.words.every((w) => /^\p{Script=Han}+$/u.test(w.text)),
      'words are Chinese characters',
    );
    const ipa = r.phonemes.map((p) => p.phoneme).join(' ');
    // Mandarin initials, not English read-outs of tone digits (the Debian CLI's `nɪ5θɹˈiː5`).
    assert.match(ipa, /tɕ|ʐ|ts|χ/);
    assert.doesNotMatch(ipa, /\d|θ|ð/);
    await checkAudio('mandarin', r);
  });

  test('mixed Chinese and English: each piece in its language, one continuous timeline', async () => {
    const original = '欢迎使用 Doppel 数字人，today is a good day。';
    const pieces: ScriptPiece[] = [
      { kind: 'speak', text: '欢迎使用 ', source: [0, 5], language: 'zh' },
      { kind: 'speak', text: 'Doppel', source: [5, 11], language: 'en' },
      { kind: 'speak', text: ' 数字人，', source: [11, 16], language: 'zh' },
      { kind: 'speak', text: 'today is a good day', source: [16, 35], language: 'en' },
      { kind: 'speak', text: '。', source: [35, 36], language: 'zh' },
    ];
    const chunks: SpeechChunk[] = [];
    for await (const c of speech.synthesize({ script: { original, pieces }, voice: zh, prosody: neutral }))
      chunks.push(c);
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]!;
      assert.ok(
        Math.abs(chunks[i]!.offsetMs - (prev.offsetMs + (prev.samples.length / prev.sampleRate) * 1000)) <
          1e-6,
      );
    }
    const words = chunks.flatMap((c) => c.words);
    const r: Synthesis = {
      sampleRate: 22_050,
      samples: Int16Array.from(chunks.flatMap((c) => Array.from(c.samples))),
      durationMs: chunks.reduce((t, c) => t + (c.samples.length / c.sampleRate) * 1000, 0),
      words,
      phonemes: chunks.flatMap((c) => c.phonemes),
      exactTimings: true,
    };
    checkWords(r, original);
    assert.ok(words.some((w) => w.text === 'Doppel'));
    assert.ok(words.some((w) => w.text === 'today'));
    const ipa = r.phonemes.map((p) => p.phoneme).join(' ');
    assert.match(ipa, /ɑː|ə|eɪ/, 'English phonemes for the English pieces');
    await checkAudio('mixed', r);
  });

  test('speed 200 is shorter than speed 50; breaks add silence', async () => {
    const text = 'Speed changes how long this sentence takes to say.';
    const fast = await speech.synthesizeAll({
      script: whole(text),
      voice: en,
      prosody: { ...neutral, speed: 200 },
    });
    const slow = await speech.synthesizeAll({
      script: whole(text),
      voice: en,
      prosody: { ...neutral, speed: 50 },
    });
    assert.ok(fast.durationMs * 2.5 < slow.durationMs, `speed: ${fast.durationMs} vs ${slow.durationMs}`);
    const withBreak = await speech.synthesizeAll({
      script: { original: text, pieces: [...whole(text).pieces, { kind: 'break', ms: 700 }] },
      voice: en,
      prosody: { ...neutral, speed: 200 },
    });
    // eSpeak is not bit-exact between runs (its noise sources), so compare loosely; the
    // break itself is exact digital silence at the end.
    assert.ok(
      Math.abs(withBreak.durationMs - fast.durationMs - 700) < 100,
      `${withBreak.durationMs} vs ${fast.durationMs}`,
    );
    const tail = withBreak.samples.subarray(
      withBreak.samples.length - Math.round(0.7 * withBreak.sampleRate),
    );
    assert.ok(tail.every((v) => v === 0));
  });

  test('markup in plain text is spoken, never obeyed by eSpeak', async () => {
    const text = 'A <break time="30s"/> B & [[h@l\'oU]]';
    const r = await speech.synthesizeAll({ script: whole(text), voice: en, prosody: neutral });
    assert.ok(r.durationMs < 10_000, `${r.durationMs} ms: the break was not taken`);
    for (const w of r.words) assert.equal(text.slice(w.source[0], w.source[1]), w.text);
  });

  test('an unknown voice is an unsupported language; an unknown engine is unavailable', async () => {
    const bad: VoiceSpec = { engine: 'espeak', language: 'xx', params: { voice: 'no-such-voice' } };
    await assert.rejects(speech.synthesizeAll({ script: whole('hi'), voice: bad, prosody: neutral }), (e) => {
      assert.ok(isSpeechError(e) && e.code === 'UNSUPPORTED_LANGUAGE', String(e));
      return true;
    });
    await assert.rejects(
      speech.synthesizeAll({ script: whole('hi'), voice: { ...en, engine: 'nope' }, prosody: neutral }),
      (e) => isSpeechError(e) && e.code === 'ENGINE_UNAVAILABLE',
    );
  });
});

describe('eSpeak engine processes', () => {
  const long = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i + 1} of a long text.`).join(
    ' ',
  );

  test('an engine killed mid-synthesis fails or retries cleanly, and the pool recovers', async () => {
    const pool = speech.espeakPool();
    assert.ok(pool);
    const crashesBefore = pool.crashes;
    let chunks = 0;
    let killed: number[] = [];
    let outcome: 'completed' | 'failed' = 'completed';
    try {
      for await (const _ of speech.synthesize({ script: whole(long), voice: en, prosody: neutral })) {
        if (++chunks === 2) {
          killed = pool.pids();
          for (const pid of killed) process.kill(pid, 'SIGKILL');
        }
      }
    } catch (e) {
      assert.ok(isSpeechError(e) && e.code === 'ENGINE_FAILED' && e.retryable, String(e));
      outcome = 'failed';
    }
    assert.ok(killed.length > 0);
    // The pool retries a crashed sentence once on a fresh process, so the text completes.
    assert.equal(outcome, 'completed');
    assert.equal(chunks, 40);
    assert.ok(pool.crashes > crashesBefore);
    assert.ok(
      pool.pids().every((p) => !killed.includes(p)),
      'dead processes were replaced',
    );
    const r = await speech.synthesizeAll({ script: whole('Still speaking.'), voice: en, prosody: neutral });
    assert.ok(r.durationMs > 300);
  });

  test('aborting stops a long synthesis promptly', async () => {
    const ac = new AbortController();
    const started = Date.now();
    let chunks = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of speech.synthesize({
          script: whole(long.repeat(5)),
          voice: en,
          prosody: neutral,
          signal: ac.signal,
        })) {
          if (++chunks === 1) ac.abort();
        }
      })(),
      (e) => isSpeechError(e) && e.code === 'ABORTED',
    );
    assert.ok(chunks < 5, `${chunks} chunks after abort`);
    assert.ok(Date.now() - started < 10_000);
    const r = await speech.synthesizeAll({ script: whole('After the abort.'), voice: en, prosody: neutral });
    assert.ok(r.durationMs > 300);
  });
});
