// SSML subset parsing and say-as readings: pieces, exact source offsets, and precise errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandSayAs } from '../../src/engines/speech/say-as.ts';
import {
  decodeEntities,
  mapToSource,
  parsePitch,
  parseRate,
  parseSpeechInput,
  parseVolume,
  stripMarkup,
} from '../../src/engines/speech/ssml.ts';
import { type ScriptPiece, SpeechError, type SpeechScript } from '../../src/engines/speech/types.ts';

const parse = (text: string, maxChars = 1000, language?: string): SpeechScript =>
  parseSpeechInput(text, { maxChars, language });
const speaks = (s: SpeechScript) =>
  s.pieces.filter((p): p is Extract<ScriptPiece, { kind: 'speak' }> => p.kind === 'speak');
const rejects = (text: string, code: string, pattern: RegExp, maxChars = 1000): void => {
  assert.throws(
    () => parse(text, maxChars),
    (e: unknown) => e instanceof SpeechError && e.code === code && pattern.test(e.message),
    `${text} should fail with ${code} ${pattern}`,
  );
};

test('plain text is one piece whose source covers it (minus surrounding blanks)', () => {
  const text = '  Hello <world> & 你好\n';
  const s = parse(text);
  assert.equal(s.original, text);
  assert.deepEqual(s.pieces, [{ kind: 'speak', text: 'Hello <world> & 你好', source: [2, 20] }]);
});

test('SSML text nodes keep offsets into the original string', () => {
  const text =
    '<speak>Hello <prosody rate="+20%" volume="loud">big</prosody> world.<break time="1.5s"/>第二<s>句</s></speak>';
  const s = parse(text);
  for (const p of speaks(s)) assert.equal(text.slice(p.source[0], p.source[1]), p.text);
  assert.deepEqual(
    s.pieces.map((p) => (p.kind === 'speak' ? [p.text, p.rate, p.volume] : p.ms)),
    [
      ['Hello', undefined, undefined],
      ['big', 1.2, 1.25],
      ['world.', undefined, undefined],
      1500,
      ['第二', undefined, undefined],
      ['句', undefined, undefined],
    ],
  );
});

test('nested prosody multiplies; pitch accepts semitones and percent', () => {
  const s = parse(
    '<speak><prosody rate="50%"><prosody rate="fast" pitch="+12st">x</prosody></prosody></speak>',
  );
  const [p] = speaks(s);
  assert.equal(p.rate, 0.625);
  assert.equal(p.pitch, 2);
  assert.equal(parseRate('-10%'), 0.9);
  assert.equal(parseRate('1.5'), 1.5);
  assert.equal(parsePitch('x-high'), 1.3);
  assert.equal(parsePitch('+10%'), 1.1);
  assert.ok(Math.abs((parseVolume('+6dB') ?? 0) - 1.995) < 0.01);
  assert.equal(parseVolume('50'), 0.5);
  assert.equal(parseRate('fastest'), undefined);
});

test('entities decode, and mapToSource maps decoded offsets back through them', () => {
  const text = '<speak>Tom &amp; Jerry &#x4E2D;文</speak>';
  const [p] = speaks(parse(text));
  assert.equal(p.text, 'Tom & Jerry 中文');
  assert.deepEqual(mapToSource(text, p, 4, 5), [11, 16]); // "&" ← "&amp;"
  assert.deepEqual(mapToSource(text, p, 6, 11), [17, 22]); // "Jerry"
  assert.equal(text.slice(...mapToSource(text, p, 12, 14)), '&#x4E2D;文');
  assert.deepEqual(decodeEntities('a&lt;b').map, [0, 1, 5, 6]);
  assert.equal(stripMarkup('Hi <break time="1s"/>&amp; bye'), 'Hi  & bye');
});

test('breaks: time, strength, clamping; p and s add pauses that merge with explicit breaks', () => {
  const ms = (text: string) =>
    parse(text)
      .pieces.filter((p) => p.kind === 'break')
      .map((p) => (p.kind === 'break' ? p.ms : 0));
  assert.deepEqual(
    ms('<speak>a<break time="500ms"/>b<break strength="strong"/>c<break/>d</speak>'),
    [500, 750, 500],
  );
  assert.deepEqual(ms('<speak>a<break time="60s"/>b</speak>'), [10_000]);
  assert.deepEqual(ms('<speak><p>one</p><p>two</p></speak>'), [500]); // trailing pause dropped
  assert.deepEqual(ms('<speak><p>one</p><break time="2s"/><p>two</p></speak>'), [2000]);
});

test('a break before any text is kept as leading silence; an empty <p>/<s> before it is not', () => {
  assert.deepEqual(parse('<speak><break time="500ms"/>Hello</speak>').pieces, [
    { kind: 'break', ms: 500 },
    { kind: 'speak', text: 'Hello', source: [28, 33] },
  ]);
  const kinds = (text: string) => parse(text).pieces.map((p) => (p.kind === 'speak' ? p.text : p.ms));
  assert.deepEqual(kinds('<speak>\n  <break strength="strong"/> <p>Hi</p></speak>'), [750, 'Hi']);
  assert.deepEqual(kinds('<speak><break time="1s"/><break time="2s"/>a</speak>'), [1000, 2000, 'a']);
  // A structural pause right after it merges into it, as between words.
  assert.deepEqual(kinds('<speak><break time="100ms"/><s></s>a</speak>'), [250, 'a']);
  assert.deepEqual(kinds('<speak><p></p><s></s>a</speak>'), ['a']);
  assert.deepEqual(kinds('<speak><p></p><break time="1s"/>a</speak>'), [1000, 'a']);
});

test('say-as, phoneme and sub replace the text but keep the content as source', () => {
  const text =
    '<speak>Year <say-as interpret-as="cardinal">2024</say-as>, <phoneme alphabet="py" ph="chong2 qing4">重庆</phoneme>, <sub alias="World Health Organization">WHO</sub></speak>';
  const ps = speaks(parse(text, 1000, 'en'));
  const said = ps.map((p) => [p.text, text.slice(p.source[0], p.source[1]), p.phonemes]);
  assert.deepEqual(said, [
    ['Year', 'Year', undefined],
    ['two thousand twenty-four', '2024', undefined],
    [',', ',', undefined],
    ['重庆', '重庆', { alphabet: 'pinyin', ph: 'chong2 qing4' }],
    [',', ',', undefined],
    ['World Health Organization', 'WHO', undefined],
  ]);
  // A replacement maps any span to its whole source.
  assert.deepEqual(mapToSource(text, ps[1], 4, 12), ps[1].source);
});

test('say-as reads in the voice language, or Chinese when the text has Han characters', () => {
  const [zh] = speaks(parse('<speak>今年是<say-as interpret-as="cardinal">2024</say-as></speak>')).slice(1);
  assert.equal(zh.text, '两千零二十四');
  const [en] = speaks(parse('<speak><say-as interpret-as="digits">42</say-as></speak>', 100, 'en-US'));
  assert.equal(en.text, 'four two');
});

test('expandSayAs: English and Mandarin numbers, digits, phones, dates, letters', () => {
  const cases: [string, string, string, string][] = [
    ['2024', 'cardinal', 'en', 'two thousand twenty-four'],
    ['1,234,567', 'cardinal', 'en', 'one million two hundred thirty-four thousand five hundred sixty-seven'],
    ['-3.14', 'number', 'en', 'minus three point one four'],
    ['0', 'cardinal', 'en', 'zero'],
    ['2024', 'cardinal', 'zh', '两千零二十四'],
    ['10', 'cardinal', 'zh', '十'],
    ['110', 'cardinal', 'zh', '一百一十'],
    ['20000', 'cardinal', 'zh', '两万'],
    ['10010000', 'cardinal', 'zh', '一千零一万'],
    ['100000001', 'cardinal', 'zh', '一亿零一'],
    ['2.5', 'cardinal', 'cmn', '二点五'],
    ['0123', 'digits', 'en', 'zero one two three'],
    ['0123', 'digits', 'zh', '零一二三'],
    ['138-0013-8000', 'telephone', 'zh', '幺三八，零零幺三，八零零零'],
    ['+1 (555) 123-4567', 'telephone', 'en', 'plus one, five five five, one two three, four five six seven'],
    ['AI', 'characters', 'en', 'A I'],
    ['2024-05-01', 'date', 'en', 'May first, twenty twenty-four'],
    ['2005/12/31', 'date', 'en', 'December thirty-first, two thousand five'],
    ['2024-05-01', 'date', 'zh', '二零二四年五月一日'],
    ['21', 'ordinal', 'en', 'twenty-first'],
    ['3', 'ordinal', 'zh', '第三'],
    ['14:30', 'time', 'zh', '十四点三十分'],
    ['9:05', 'time', 'en', 'nine oh five'],
    ['abc', 'cardinal', 'en', 'abc'], // not a number: spoken as written
  ];
  for (const [text, kind, lang, want] of cases)
    assert.equal(expandSayAs(text, kind, lang), want, `${kind} ${text} ${lang}`);
  assert.throws(() => expandSayAs('1', 'money', 'en'), /unsupported say-as interpret-as "money"/);
});

test('malformed SSML is INVALID_TEXT with the position', () => {
  rejects('<speak>hi', 'INVALID_TEXT', /offset 0 .*<speak> is never closed/);
  rejects(
    '<speak>\n  <foo/></speak>',
    'INVALID_TEXT',
    /offset 10 \(line 2, column 3\).*unsupported element <foo>/,
  );
  rejects(
    '<speak><p>x</s></speak>',
    'INVALID_TEXT',
    /offset 11.*<\/s> does not match <p> opened at offset 7/,
  );
  rejects('<speak>a</speak>b', 'INVALID_TEXT', /offset 16.*outside the <speak>/);
  rejects('<speak>a & b</speak>', 'INVALID_TEXT', /offset 9.*&amp;/);
  rejects('<speak>a < b</speak>', 'INVALID_TEXT', /offset 9.*&lt;/);
  rejects('<speak><break time="5x"/></speak>', 'INVALID_TEXT', /bad break time="5x"/);
  rejects('<speak><break strength="huge"/></speak>', 'INVALID_TEXT', /bad break strength/);
  rejects('<speak><break duration="1s"/></speak>', 'INVALID_TEXT', /<break> has no attribute duration/);
  rejects('<speak><break time=1s/></speak>', 'INVALID_TEXT', /malformed attribute/);
  rejects('<speak><break time="1s" time="2s"/></speak>', 'INVALID_TEXT', /duplicate attribute time/);
  rejects('<speak><say-as>1</say-as></speak>', 'INVALID_TEXT', /needs interpret-as/);
  rejects('<speak><say-as interpret-as="cardinal"><break/>1</say-as></speak>', 'INVALID_TEXT', /only text/);
  rejects('<speak><say-as interpret-as="cardinal"></say-as></speak>', 'INVALID_TEXT', /<say-as> is empty/);
  rejects('<speak><say-as interpret-as="money">1</say-as></speak>', 'INVALID_TEXT', /interpret-as "money"/);
  rejects('<speak><phoneme alphabet="sapi" ph="x">a</phoneme></speak>', 'INVALID_TEXT', /alphabet "sapi"/);
  rejects(
    '<speak><phoneme alphabet="py" ph="zhong guo">中国</phoneme></speak>',
    'INVALID_TEXT',
    /not pinyin/,
  );
  rejects('<speak><prosody rate="fastest">x</prosody></speak>', 'INVALID_TEXT', /bad prosody rate="fastest"/);
  rejects('<speak><speak>x</speak></speak>', 'INVALID_TEXT', /single root/);
  rejects('<speak>x</p></speak>', 'INVALID_TEXT', /<\/p> does not match <speak>/);
  rejects('<speak><!-- x </speak>', 'INVALID_TEXT', /comment is never closed/);
  rejects('<speak><sub alias="x">a<!-- c -->b</sub></speak>', 'INVALID_TEXT', /only text, not a comment/);
});

test('comments are skipped; empty text and over-long text are rejected', () => {
  assert.deepEqual(
    speaks(parse('<speak>a<!-- <b> -->b</speak>')).map((p) => p.text),
    ['a', 'b'],
  );
  rejects('   ', 'INVALID_TEXT', /nothing to speak/);
  rejects('<speak> <break time="1s"/> </speak>', 'INVALID_TEXT', /nothing to speak/);
  rejects('abcdef', 'TEXT_TOO_LONG', /6 characters; at most 5/, 5);
  // Markup does not count; the written say-as content does, not its expansion.
  assert.equal(speaks(parse('<speak><say-as interpret-as="cardinal">12345</say-as></speak>', 5)).length, 1);
  rejects('<speak>你好世界呀啊</speak>', 'TEXT_TOO_LONG', /6 characters/, 5);
});
