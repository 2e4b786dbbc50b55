// Planning for eSpeak: prosody mapping, voice per piece, sentence requests, offset mapping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  espeakProsody,
  espeakVoiceFor,
  languageFamily,
  planEspeak,
  splitSentences,
} from '../../src/engines/speech/espeak/plan.ts';
import { mapWords } from '../../src/engines/speech/espeak-engine.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import type { VoiceSpec } from '../../src/engines/speech/types.ts';

const neutral = { speed: 100, pitch: 100, volume: 140 };
const zh: VoiceSpec = {
  engine: 'espeak',
  language: 'zh',
  params: { voice: 'cmn', variant: 'f2', pitch: 56, rate: 165 },
};
const en: VoiceSpec = { engine: 'espeak', language: 'en', params: { voice: 'en-gb' } };

test('neutral prosody keeps eSpeak’s defaults or the voice’s base', () => {
  assert.deepEqual(espeakProsody(neutral, {}), { rate: 175, pitch: 50, volume: 100, range: 50 });
  assert.deepEqual(espeakProsody(neutral, zh.params), { rate: 165, pitch: 56, volume: 100, range: 50 });
});

test('speed, pitch and volume scale around the base and stay in eSpeak’s ranges', () => {
  assert.equal(espeakProsody({ ...neutral, speed: 50 }, {}).rate, 88);
  assert.equal(espeakProsody({ ...neutral, speed: 200 }, {}).rate, 350);
  assert.equal(espeakProsody({ ...neutral, speed: 200 }, { rate: 300 }).rate, 450, 'clamped');
  assert.equal(espeakProsody({ ...neutral, pitch: 50 }, {}).pitch, 25);
  assert.equal(espeakProsody({ ...neutral, pitch: 200 }, {}).pitch, 99, 'clamped');
  assert.equal(espeakProsody({ ...neutral, volume: 90 }, {}).volume, 64);
  assert.equal(espeakProsody({ ...neutral, volume: 240 }, {}).volume, 171);
  assert.equal(espeakProsody(neutral, {}, { rate: 1.5, volume: 0.5 }).rate, 263, 'SSML <prosody> multiplies');
  assert.equal(espeakProsody(neutral, {}, { rate: 1.5, volume: 0.5 }).volume, 50);
});

test('pieces in another language take that language’s default voice, keeping the variant', () => {
  assert.equal(languageFamily('zh-CN'), 'zh');
  assert.equal(languageFamily('cmn'), 'zh');
  assert.equal(espeakVoiceFor(zh), 'cmn+f2');
  assert.equal(espeakVoiceFor(zh, 'zh-CN'), 'cmn+f2');
  assert.equal(espeakVoiceFor(zh, 'en'), 'en-us+f2');
  assert.equal(espeakVoiceFor(en), 'en-gb');
  assert.equal(espeakVoiceFor(en, 'zh'), 'cmn');
  assert.equal(espeakVoiceFor({ engine: 'espeak', language: 'en', params: {} }), 'en-us');
});

test('sentences split on Chinese and Latin terminators, not inside numbers', () => {
  const text = '你好。世界！ Hello there. Pi is 3.14 ok';
  assert.deepEqual(
    splitSentences(text).map(([s, e]) => text.slice(s, e)),
    ['你好。', '世界！', ' Hello there.', ' Pi is 3.14 ok'],
  );
  assert.deepEqual(splitSentences('  '), []);
});

test('a plan: sentence requests with offsets, breaks as silence, phonemes with whole-piece mapping', () => {
  const original = '你好。世界<break/>Hi <phoneme>tomato</phoneme>';
  const steps = planEspeak(
    {
      original,
      pieces: [
        { kind: 'speak', text: '你好。世界', source: [0, 5] },
        { kind: 'break', ms: 250 },
        { kind: 'speak', text: 'Hi', source: [13, 15], language: 'en' },
        {
          kind: 'speak',
          text: 'tomato',
          source: [27, 33],
          phonemes: { alphabet: 'x-espeak', ph: "t@m'A:toU" },
        },
        { kind: 'speak', text: '好', source: [1, 2], phonemes: { alphabet: 'pinyin', ph: 'hao3' } },
        { kind: 'speak', text: 'x', source: [0, 1], phonemes: { alphabet: 'ipa', ph: 'ɪks' } },
      ],
    },
    zh,
    neutral,
  );
  const view = steps.map((s) =>
    s.kind === 'silence'
      ? `silence ${s.ms}`
      : `${s.request.voice}${s.request.phonemeInput ? ' [[ ]]' : ''} "${s.request.text}" ${JSON.stringify(s.map)}`,
  );
  assert.deepEqual(view, [
    'cmn+f2 "你好。" {"kind":"offset","base":0}',
    'cmn+f2 "世界" {"kind":"offset","base":3}',
    'silence 250',
    'en-us+f2 "Hi" {"kind":"offset","base":13}',
    'cmn+f2 [[ ]] "t@m\'A:toU" {"kind":"whole","source":[27,33]}',
    'cmn-latn-pinyin+f2 "hao3" {"kind":"whole","source":[1,2]}',
    'cmn+f2 "x" {"kind":"whole","source":[0,1]}',
  ]);
});

test('words map back onto the original text and the utterance clock', () => {
  const original = '<speak>欢迎 Doppel</speak>';
  const words = [
    { start: 0, end: 2, startMs: 0, endMs: 400 },
    { start: 3, end: 9, startMs: 400, endMs: 900 },
  ];
  assert.deepEqual(mapWords(original, words, { kind: 'offset', base: 7 }, 1000), [
    { text: '欢迎', source: [7, 9], startMs: 1000, endMs: 1400 },
    { text: 'Doppel', source: [10, 16], startMs: 1400, endMs: 1900 },
  ]);
  assert.deepEqual(mapWords(original, words, { kind: 'whole', source: [7, 16] }, 0), [
    { text: '欢迎 Doppel', source: [7, 16], startMs: 0, endMs: 900 },
  ]);
});

test('a leading <break> plans leading silence before the first sentence', () => {
  const script = parseSpeechInput('<speak><break time="500ms"/>Hello there.</speak>', { maxChars: 100 });
  const steps = planEspeak(script, en, neutral);
  assert.deepEqual(steps[0], { kind: 'silence', ms: 500 });
  assert.equal(steps[1]?.kind === 'synth' && steps[1].request.text, 'Hello there.');
  assert.equal(steps.length, 2);
});
