// eSpeak events → word/phoneme timings, with events recorded from the real engine
// (@echogarden/espeak-ng-emscripten 0.3.5): 1-based code point positions, Chinese words
// whose word_length is wrong, emoji (two UTF-16 units) before a word.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  codePointToUtf16,
  type EspeakEvent,
  escapeForEspeak,
  eventsToTimings,
  trimWordEnd,
} from '../../src/engines/speech/espeak/events.ts';

const ev = (
  type: string,
  text_position: number,
  word_length: number,
  audio_position: number,
  id?: string | number,
) => ({ type, text_position, word_length, audio_position, id }) as EspeakEvent;

test('code points map to UTF-16 offsets', () => {
  assert.deepEqual(codePointToUtf16('a😀b'), [0, 1, 3, 4]);
  assert.deepEqual(codePointToUtf16('你好'), [0, 1, 2]);
});

test('Chinese words run to the next word, not to eSpeak’s word_length', () => {
  const text = '你好世界。欢迎';
  const events = [
    ev('sentence', 1, 0, 0, 1),
    ev('word', 1, 1, 0, 1),
    ev('phoneme', 1, 0, 0, 'n'),
    ev('phoneme', 1, 0, 81, 'i'),
    ev('word', 3, 1, 428, 2),
    ev('word', 4, 1, 682, 3),
    ev('end', 5, 0, 1263),
    ev('sentence', 6, 0, 1263, 2),
    ev('word', 6, 1, 1263, 5),
  ];
  const { words, phonemes } = eventsToTimings(text, events, 1900);
  assert.deepEqual(
    words.map((w) => [text.slice(w.start, w.end), w.startMs, w.endMs]),
    [
      ['你好', 0, 428],
      ['世', 428, 682],
      ['界', 682, 1263],
      ['欢迎', 1263, 1900],
    ],
  );
  assert.deepEqual(phonemes, [
    { phoneme: 'n', startMs: 0, endMs: 81 },
    { phoneme: 'i', startMs: 81, endMs: 428 },
  ]);
});

test('positions after astral characters land on the right UTF-16 offsets', () => {
  const text = 'a 😀 cat dog.';
  const events = [ev('word', 1, 1, 0), ev('word', 5, 3, 300), ev('word', 9, 3, 600), ev('end', 12, 0, 900)];
  const { words } = eventsToTimings(text, events, 1000);
  assert.deepEqual(
    words.map((w) => text.slice(w.start, w.end)),
    ['a', 'cat', 'dog'],
  );
  assert.equal(words[2]?.endMs, 900, 'a word ends at the clause end');
});

test('pauses end words; language switch markers are not phonemes', () => {
  const text = 'world and';
  const events = [
    ev('word', 1, 5, 0),
    ev('phoneme', 1, 0, 10, 'w'),
    ev('phoneme', 1, 0, 600, ''),
    ev('phoneme', 1, 0, 610, '(en)'),
    ev('word', 7, 3, 754),
    ev('phoneme', 7, 0, 754, 'æ'),
  ];
  const { words, phonemes } = eventsToTimings(text, events, 1000);
  assert.equal(words[0]?.endMs, 600);
  assert.deepEqual(
    phonemes.map((p) => p.phoneme),
    ['w', 'æ'],
  );
  assert.equal(phonemes[0]?.endMs, 600);
});

test('markup characters are escaped for eSpeak, with offsets back to the source', () => {
  const { text, toSource } = escapeForEspeak('a<b [[x]] &');
  assert.equal(text, 'a&lt;b ((x)) &amp;');
  assert.equal(toSource.length, text.length + 1);
  assert.equal(toSource[text.indexOf('b')], 2);
  assert.equal(toSource[text.indexOf('x')], 6);
  assert.equal(toSource[text.length - 1], 10);
  assert.equal(toSource[text.length], 11);
  assert.equal(trimWordEnd('hello < b', 0, 8), 5, 'trimmed in the source, not the escaped text');
});
