// Custom pronunciations: longest match, whole words for Latin keys, exact source spans.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import type { ScriptPiece, SpeechScript, VocabularyEntry } from '../../src/engines/speech/types.ts';
import { applyVocabulary, validateVocabularyEntry } from '../../src/engines/speech/vocabulary.ts';

const script = (text: string): SpeechScript => parseSpeechInput(text, { maxChars: 10_000 });
const view = (s: SpeechScript) =>
  s.pieces.map((p: ScriptPiece) =>
    p.kind === 'break'
      ? p.ms
      : [
          p.text,
          s.original.slice(p.source[0], p.source[1]),
          ...(p.phonemes ? [p.phonemes.alphabet, p.phonemes.ph] : []),
        ],
  );
const e = (type: VocabularyEntry['type'], key: string, value: string): VocabularyEntry => ({
  type,
  key,
  value,
});

test('ALIAS replaces whole Latin words, case-insensitively, with the key as source', () => {
  const s = applyVocabulary(script('I love NYC, nycx and nyc.'), [e('ALIAS', 'NYC', 'New York City')]);
  assert.deepEqual(view(s), [
    ['I love', 'I love'],
    ['New York City', 'NYC'],
    [', nycx and', ', nycx and'],
    ['New York City', 'nyc'],
    ['.', '.'],
  ]);
});

test('longest key wins; Han keys match anywhere', () => {
  const entries = [
    e('ALIAS', '华为', '华伟'),
    e('CHINESE_G2P', '华为云', 'hua2 wei2 yun2'),
    e('ALIAS', 'AI', 'A.I.'),
  ];
  const s = applyVocabulary(script('欢迎使用华为云和华为AI。'), entries);
  assert.deepEqual(view(s), [
    ['欢迎使用', '欢迎使用'],
    ['华为云', '华为云', 'pinyin', 'hua2 wei2 yun2'],
    ['和', '和'],
    ['华伟', '华为'],
    ['A.I.', 'AI'],
    ['。', '。'],
  ]);
});

test('SAY_AS, PHONETIC_SYMBOL (IPA or [[espeak]]) and CONTINUUM', () => {
  const s = applyVocabulary(script('Call 911 for Doppel, or New - York help'), [
    e('SAY_AS', '911', 'digits'),
    e('PHONETIC_SYMBOL', 'Doppel', 'ˈdɒpəl'),
    e('PHONETIC_SYMBOL', 'help', "[[h'Elp]]"),
    e('CONTINUUM', 'New - York', ''),
  ]);
  assert.deepEqual(view(s), [
    ['Call', 'Call'],
    ['nine one one', '911'],
    ['for', 'for'],
    ['Doppel', 'Doppel', 'ipa', 'ˈdɒpəl'],
    [', or', ', or'],
    ['New York', 'New - York'],
    ['help', 'help', 'x-espeak', "h'Elp"],
  ]);
  const zh = applyVocabulary(script('我在北京，天安门。'), [e('CONTINUUM', '北京，天安门', '')]);
  assert.deepEqual(view(zh)[1], ['北京天安门', '北京，天安门']);
});

test('sources stay exact through SSML entities; replacements and phoneme pieces are not rewritten', () => {
  const text = '<speak>R&amp;D at <sub alias="N Y C">NYC</sub> and NYC</speak>';
  const s = applyVocabulary(script(text), [
    e('ALIAS', 'R&D', 'research and development'),
    e('ALIAS', 'NYC', 'New York'),
  ]);
  assert.deepEqual(view(s), [
    ['research and development', 'R&amp;D'],
    ['at', 'at'],
    ['N Y C', 'NYC'], // the <sub> alias stays what the SSML said
    ['and', 'and'],
    ['New York', 'NYC'],
  ]);
});

test('prosody and breaks carry over; invalid entries are ignored and explained', () => {
  const s = applyVocabulary(
    script('<speak><prosody rate="slow">go NYC</prosody><break time="1s"/></speak>'),
    [e('ALIAS', 'NYC', 'New York'), e('SAY_AS', 'go', 'money')],
  );
  assert.deepEqual(
    s.pieces.map((p) => (p.kind === 'speak' ? [p.text, p.rate] : p.ms)),
    [['go', 0.75], ['New York', 0.75], 1000],
  );
  assert.match(validateVocabularyEntry(e('SAY_AS', 'x', 'money')) ?? '', /SAY_AS value must be one of/);
  assert.match(
    validateVocabularyEntry(e('CHINESE_G2P', '重庆', 'chong2')) ?? '',
    /2 Han characters but the value has 1/,
  );
  assert.match(validateVocabularyEntry(e('CHINESE_G2P', '重庆', 'chong qing')) ?? '', /tone numbers/);
  assert.equal(validateVocabularyEntry(e('CHINESE_G2P', '重庆', 'chong2 qing4')), undefined);
  assert.match(validateVocabularyEntry(e('ALIAS', ' ', 'x')) ?? '', /key is empty/);
});

test('no entries: the same script comes back', () => {
  const s = script('hello');
  assert.equal(applyVocabulary(s, []), s);
});
