// The audio_info_file (word and phoneme timestamps) built from a synthesis.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { padSynthesis } from '../../src/engines/speech/audio.ts';
import { timestampFile } from '../../src/engines/speech/info.ts';
import type { Synthesis } from '../../src/engines/speech/types.ts';

const original = '<speak>你好 &amp; hello</speak>';
const synthesis: Synthesis = {
  sampleRate: 22_050,
  samples: new Int16Array(22_050),
  durationMs: 1000,
  exactTimings: true,
  words: [
    { text: 'hello', source: [16, 21], startMs: 500.4, endMs: 900.6 },
    { text: '&', source: [10, 15], startMs: 400, endMs: 500 },
    { text: '你好', source: [7, 9], startMs: 0, endMs: 400 },
  ],
  phonemes: [{ phoneme: 'n', startMs: 0, endMs: 80.2 }],
};

test('timestampFile lists words in time order with offsets into the original and whole ms', () => {
  const f = timestampFile(synthesis, original);
  assert.deepEqual(f, {
    format: 'doppel.tts-timestamps',
    version: 1,
    duration_ms: 1000,
    sample_rate: 22_050,
    timings: 'exact',
    words: [
      { text: '你好', begin_index: 7, end_index: 9, begin_ms: 0, end_ms: 400 },
      { text: '&', begin_index: 10, end_index: 15, begin_ms: 400, end_ms: 500 },
      { text: 'hello', begin_index: 16, end_index: 21, begin_ms: 500, end_ms: 901 },
    ],
    phonemes: [{ phoneme: 'n', begin_ms: 0, end_ms: 80 }],
  });
  assert.equal(timestampFile({ ...synthesis, exactTimings: false }, original).timings, 'estimated');
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(f)));
});

test('padding shifts every timing by the leading silence and grows the duration', () => {
  const padded = padSynthesis(synthesis, { leadingSilenceMs: 200, trailingSilenceMs: 300 });
  assert.equal(padded.samples.length, 22_050 + 4410 + 6615);
  assert.equal(padded.durationMs, 1500);
  const f = timestampFile(padded, original);
  assert.deepEqual(
    f.words.map((w) => [w.begin_ms, w.end_ms]),
    [
      [200, 600],
      [600, 700],
      [700, 1101],
    ],
  );
  assert.equal(f.phonemes[0].begin_ms, 200);
  assert.equal(padSynthesis(synthesis, {}), synthesis);
});
