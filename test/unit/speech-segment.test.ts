// Language runs and sentence splitting over scripts, with sources kept exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { primaryLanguage, splitByLanguage, splitSentences } from '../../src/engines/speech/segment.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import type { SpeechScript } from '../../src/engines/speech/types.ts';

const script = (text: string): SpeechScript => parseSpeechInput(text, { maxChars: 100_000 });
const exactSources = (s: SpeechScript): void => {
  for (const p of s.pieces)
    if (p.kind === 'speak') assert.equal(s.original.slice(p.source[0], p.source[1]), p.text);
};
const texts = (ss: SpeechScript[]) =>
  ss.map((s) => s.pieces.map((p) => (p.kind === 'speak' ? p.text : p.ms)));

test('primaryLanguage normalises voice languages', () => {
  assert.deepEqual(['zh-CN', 'cmn', 'EN_us', 'yue', 'en'].map(primaryLanguage), [
    'zh',
    'zh',
    'en',
    'zh',
    'en',
  ]);
});

test('Han and Latin runs split; digits and punctuation stay with a neighbour', () => {
  const s = splitByLanguage(script('我爱iPhone 15手机, ok? 好的。'), 'zh-CN');
  exactSources(s);
  assert.deepEqual(
    s.pieces.map((p) => (p.kind === 'speak' ? [p.text, p.language] : p.ms)),
    [
      ['我爱', undefined],
      ['iPhone 15', 'en'],
      ['手机,', undefined],
      ['ok?', 'en'],
      ['好的。', undefined],
    ],
  );
  const en = splitByLanguage(script('2024 Hello 世界!'), 'en-US');
  assert.deepEqual(
    en.pieces.map((p) => (p.kind === 'speak' ? [p.text, p.language] : p.ms)),
    [
      ['2024 Hello', undefined],
      ['世界!', 'zh'],
    ],
  );
});

test('splitByLanguage keeps breaks, prosody, and tags pinyin phonemes as zh', () => {
  const text =
    '<speak><prosody rate="slow">Hi 你好</prosody><break time="1s"/><phoneme alphabet="py" ph="zhong1">中</phoneme></speak>';
  const s = splitByLanguage(script(text), 'en');
  exactSources(s);
  assert.deepEqual(
    s.pieces.map((p) => (p.kind === 'speak' ? [p.text, p.language, p.rate] : p.ms)),
    [['Hi', undefined, 0.75], ['你好', 'zh', 0.75], 1000, ['中', 'zh', undefined]],
  );
});

test('splitSentences cuts at sentence marks and newlines, not inside 3.14', () => {
  const s = splitSentences(script('Hello there. How are you? 我很好。谢谢！\nPi is 3.14 ok'));
  assert.deepEqual(texts(s), [
    ['Hello there.'],
    ['How are you?'],
    ['我很好。'],
    ['谢谢！'],
    ['Pi is 3.14 ok'],
  ]);
  for (const x of s) exactSources(x);
});

test('a break ends a sentence; pieces of one sentence stay together', () => {
  const text = '<speak>One <prosody rate="fast">two</prosody> three.<break time="300ms"/>Four</speak>';
  assert.deepEqual(texts(splitSentences(script(text))), [['One', 'two', 'three.', 300], ['Four']]);
});

test('breaks before the first words open the first sentence (leading silence is kept)', () => {
  const text = '<speak><break time="500ms"/><break time="1s"/>Hello. World</speak>';
  assert.deepEqual(texts(splitSentences(script(text))), [[500, 1000, 'Hello.'], ['World']]);
});

test('long sentences are cut at commas, then between words, never inside one', () => {
  const zh = '一二三四五六七八九十，一二三四五六七八九十，一二三四五六七八九十一二三四五六七八九十';
  const parts = splitSentences(script(zh), 12).map((s) =>
    s.pieces.map((p) => (p.kind === 'speak' ? p.text : '')).join(''),
  );
  assert.equal(parts.join(''), zh);
  assert.ok(
    parts.every((p) => p.length <= 12),
    parts.join('|'),
  );
  assert.equal(parts[0], '一二三四五六七八九十，');

  const en = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';
  const words = splitSentences(script(en), 20).map((s) =>
    s.pieces.map((p) => (p.kind === 'speak' ? p.text : '')).join(' '),
  );
  assert.ok(
    words.every((w) => w.length <= 20),
    words.join('|'),
  );
  assert.equal(words.join(' '), en);
  // One word longer than the limit stays whole.
  assert.deepEqual(texts(splitSentences(script('supercalifragilistic is long'), 8)), [
    ['supercalifragilistic'],
    ['is long'],
  ]);
});
