// Lips from a recording: silence closes the mouth, loud voiced sound opens it, hiss is a
// fricative, and the result is valid phoneme timings for the viseme timeline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { phonemesFromPcm, WINDOW_MS } from '../../src/engines/render/audio-lips.ts';
import { phonemeToViseme } from '../../src/engines/speech/visemes.ts';

const RATE = 16_000;
function pcm(parts: Array<{ ms: number; kind: 'silence' | 'voice' | 'hiss'; amp?: number }>): Int16Array {
  const out: number[] = [];
  let seed = 7;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff - 0.5;
  };
  for (const p of parts) {
    const n = (p.ms * RATE) / 1000;
    for (let i = 0; i < n; i++) {
      const t = i / RATE;
      const a = p.amp ?? 10_000;
      out.push(
        p.kind === 'silence'
          ? 0
          : p.kind === 'voice'
            ? a * Math.sin(2 * Math.PI * 140 * t)
            : a * 0.6 * noise(),
      );
    }
  }
  return Int16Array.from(out);
}

test('silence gives no phonemes at all; digital silence keeps the mouth closed', () => {
  assert.deepEqual(phonemesFromPcm(pcm([{ ms: 1000, kind: 'silence' }]), RATE), []);
  assert.deepEqual(phonemesFromPcm(new Int16Array(0), RATE), []);
});

test('voiced sound opens the mouth, a pause closes it, hiss reads as a fricative', () => {
  const ph = phonemesFromPcm(
    pcm([
      { ms: 400, kind: 'voice' },
      { ms: 300, kind: 'silence' },
      { ms: 300, kind: 'hiss', amp: 6000 },
      { ms: 300, kind: 'voice' },
    ]),
    RATE,
  );
  const at = (ms: number) => ph.find((p) => p.startMs <= ms && ms < p.endMs);
  assert.ok(
    ['aa', 'oh', 'E', 'ou'].includes(phonemeToViseme(at(200)?.phoneme ?? '')),
    JSON.stringify(at(200)),
  );
  assert.equal(at(550), undefined, 'the pause is silence');
  assert.equal(phonemeToViseme(at(850)?.phoneme ?? ''), 'SS');
  assert.ok(at(1150), 'voice again after the hiss');
  // Ordered, non-overlapping, on the window grid.
  for (let i = 0; i < ph.length; i++) {
    assert.ok(ph[i].endMs > ph[i].startMs);
    assert.equal(ph[i].startMs % WINDOW_MS, 0);
    if (i > 0) assert.ok(ph[i].startMs >= ph[i - 1].endMs);
  }
});

test('syllable-like loudness changes move through different vowel shapes', () => {
  const parts = [];
  for (let k = 0; k < 6; k++)
    parts.push({ ms: 160, kind: 'voice' as const }, { ms: 100, kind: 'voice' as const, amp: 1500 });
  const shapes = new Set(phonemesFromPcm(pcm(parts), RATE).map((p) => phonemeToViseme(p.phoneme)));
  assert.ok(shapes.size >= 3, [...shapes].join(','));
});
