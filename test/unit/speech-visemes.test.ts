// Phoneme → viseme mapping (English and Mandarin eSpeak IPA) and the timeline's invariants.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PhonemeTiming } from '../../src/engines/speech/types.ts';
import { MIN_VISEME_MS, phonemeToViseme, VISEMES, visemeTimeline } from '../../src/engines/speech/visemes.ts';

test('eSpeak IPA maps onto the 15 visemes, ignoring stress, length and tones', () => {
  // biome-ignore format: a table
  const cases: [string, string][] = [
    ['', 'sil'], ['_', 'sil'], ['p', 'PP'], ['b', 'PP'], ['m', 'PP'], ['f', 'FF'], ['v', 'FF'],
    ['θ', 'TH'], ['ð', 'TH'], ['t', 'DD'], ['d', 'DD'], ['k', 'kk'], ['ɡ', 'kk'], ['h', 'kk'], ['x', 'kk'],
    ['tʃ', 'CH'], ['dʒ', 'CH'], ['ʃ', 'CH'], ['tɕ', 'CH'], ['tɕʰ', 'CH'], ['ɕ', 'CH'], ['tʂ', 'CH'], ['ʂ', 'CH'],
    ['s', 'SS'], ['z', 'SS'], ['ts', 'SS'], ['tsʰ', 'SS'], ['n', 'nn'], ['ŋ', 'nn'], ['l', 'nn'],
    ['ɹ', 'RR'], ['ʐ', 'RR'], ['ɚ', 'RR'], ['ˈa', 'aa'], ['aɪ', 'aa'], ['aʊ', 'aa'], ['æ', 'aa'], ['ʌ', 'aa'],
    ['ɛ', 'E'], ['ə', 'E'], ['eɪ', 'E'], ['ɜː', 'E'], ['iː', 'ih'], ['ɪ', 'ih'], ['j', 'ih'],
    ['oʊ', 'oh'], ['əʊ', 'oh'], ['ɔː', 'oh'], ['ɒ', 'oh'], ['uː', 'ou'], ['ʊ', 'ou'], ['w', 'ou'], ['y', 'ou'],
    ['a5', 'aa'], ['i˥˩', 'ih'], ['ɤ2', 'E'], ['t͡ʃ', 'CH'], ['ǎ', 'aa'], ['?!', 'sil'],
  ];
  for (const [ph, v] of cases) assert.equal(phonemeToViseme(ph), v, `${ph} → ${v}`);
  assert.equal(VISEMES.length, 15);
});

test('timeline covers [0, duration] contiguously, fills gaps with sil, merges repeats', () => {
  const ph: PhonemeTiming[] = [
    { phoneme: 'h', startMs: 100, endMs: 160 },
    { phoneme: 'ə', startMs: 160, endMs: 240 },
    { phoneme: 'l', startMs: 240, endMs: 300 },
    { phoneme: 'ˈəʊ', startMs: 300, endMs: 450 },
    { phoneme: 'm', startMs: 600, endMs: 660 },
    { phoneme: 'b', startMs: 660, endMs: 720 },
  ];
  const t = visemeTimeline(ph, 1000);
  assert.equal(t.format, 'doppel.visemes');
  assert.equal(t.version, 1);
  assert.equal(t.duration_ms, 1000);
  assert.deepEqual(
    t.cues.map((c) => [c.viseme, c.start_ms, c.end_ms]),
    [
      ['sil', 0, 100],
      ['kk', 100, 160],
      ['E', 160, 240],
      ['nn', 240, 300],
      ['oh', 300, 450],
      ['sil', 450, 600],
      ['PP', 600, 720],
      ['sil', 720, 1000],
    ],
  );
  assert.equal(t.cues[0].weight, 0);
  assert.equal(t.cues[4].weight, 1);
});

test('cues shorter than 40 ms are folded into a neighbour; times are clamped to the duration', () => {
  const ph: PhonemeTiming[] = [
    { phoneme: 'p', startMs: 0, endMs: 20 },
    { phoneme: 'a', startMs: 20, endMs: 200 },
    { phoneme: 't', startMs: 200, endMs: 215 },
    { phoneme: 's', startMs: 215, endMs: 300 },
    { phoneme: 'i', startMs: 280, endMs: 900 }, // overlaps the previous one, runs past the end
  ];
  const t = visemeTimeline(ph, 500);
  let at = 0;
  for (const c of t.cues) {
    assert.equal(c.start_ms, at);
    assert.ok(c.end_ms - c.start_ms >= MIN_VISEME_MS, JSON.stringify(c));
    at = c.end_ms;
  }
  assert.equal(at, 500);
  assert.deepEqual(
    t.cues.map((c) => c.viseme),
    ['aa', 'SS', 'ih'],
  );
  assert.deepEqual(visemeTimeline([], 300).cues, [{ viseme: 'sil', start_ms: 0, end_ms: 300, weight: 0 }]);
  assert.deepEqual(visemeTimeline([], 0).cues, []);
});
