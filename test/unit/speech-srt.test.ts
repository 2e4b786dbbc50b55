// Subtitle cues from word timings: cut at punctuation and word boundaries, text from the original.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCues, buildSrt, srtTime } from '../../src/engines/speech/srt.ts';
import type { WordTiming } from '../../src/engines/speech/types.ts';

/** Evenly timed words: every regex match is a word of `msPer` ms. */
function words(text: string, re: RegExp, msPer = 300): WordTiming[] {
  return [...text.matchAll(re)].map((m, i) => ({
    text: m[0],
    source: [m.index ?? 0, (m.index ?? 0) + m[0].length],
    startMs: i * msPer,
    endMs: i * msPer + msPer - 20,
  }));
}

const assertOrdered = (cues: ReturnType<typeof buildCues>): void => {
  cues.forEach((c, i) => {
    assert.equal(c.index, i + 1);
    assert.ok(c.endMs > c.startMs, `cue ${c.index} has length`);
    if (i) assert.ok(c.startMs >= cues[i - 1].endMs, `cue ${c.index} starts after the previous one ends`);
  });
};

test('srtTime formats HH:MM:SS,mmm', () => {
  assert.equal(srtTime(0), '00:00:00,000');
  assert.equal(srtTime(3_723_004), '01:02:03,004');
  assert.equal(srtTime(-5), '00:00:00,000');
});

test('English: cues end at sentence marks and before overflow, with trailing punctuation kept', () => {
  const en =
    'Hello there, my friend. This is a rather long sentence that needs more than one cue to show on screen!';
  const srt = buildSrt(words(en, /[A-Za-z']+/g), en);
  assert.equal(
    srt,
    [
      '1\n00:00:00,000 --> 00:00:01,180\nHello there, my friend.\n',
      '2\n00:00:01,200 --> 00:00:03,580\nThis is a rather long sentence that needs\n',
      '3\n00:00:03,600 --> 00:00:05,980\nmore than one cue to show on screen!\n',
    ].join('\n'),
  );
  const cues = buildCues(words(en, /[A-Za-z']+/g), en, { maxChars: 10 });
  assertOrdered(cues);
  for (const c of cues) {
    assert.ok(c.lines[0].length <= 10 || !c.lines[0].includes(' '), c.lines[0]);
    assert.equal(c.lines.join(' '), en.slice(c.source[0], c.source[1]).trim());
  }
  assert.equal(cues.map((c) => c.lines.join(' ')).join(' '), en);
});

test('Chinese: default 20 characters, cuts at punctuation and between words; line limit wraps', () => {
  const zh = '今天天气很好，我们一起去公园散步吧。然后去吃饭，好不好？';
  const chars = words(zh, /\p{Script=Han}/gu, 200);
  assert.deepEqual(
    buildCues(chars, zh).map((c) => c.lines),
    [['今天天气很好，我们一起去公园散步吧。'], ['然后去吃饭，好不好？']],
  );
  const cues = buildCues(chars, zh, { maxChars: 8, lineLimit: 2 });
  assertOrdered(cues);
  assert.deepEqual(
    cues.map((c) => c.lines),
    [['今天天气很好，'], ['我们一起去公园', '散步吧。'], ['然后去吃饭，', '好不好？']],
  );
  const one = buildCues(chars, zh, { maxChars: 6 });
  assert.ok(
    one.every((c) => c.lines.length === 1 && c.lines[0].length <= 7),
    JSON.stringify(one),
  );
  assert.equal(one.map((c) => c.lines[0]).join(''), zh);
});

test('SSML: markup is stripped from cue text, entities decoded, one say-as expansion is one unit', () => {
  const ss =
    '<speak>Year <say-as interpret-as="cardinal">2024</say-as> &amp; more.<break time="1s"/>Done</speak>';
  const at = (w: string): [number, number] => [ss.indexOf(w), ss.indexOf(w) + w.length];
  const w: WordTiming[] = [
    { text: 'Year', source: at('Year'), startMs: 0, endMs: 300 },
    { text: '2024', source: at('2024'), startMs: 300, endMs: 600 },
    { text: '2024', source: at('2024'), startMs: 600, endMs: 900 },
    { text: 'more', source: at('more'), startMs: 1000, endMs: 1300 },
    { text: 'Done', source: at('Done'), startMs: 2400, endMs: 2700 },
  ];
  assert.equal(
    buildSrt(w, ss),
    '1\n00:00:00,000 --> 00:00:01,300\nYear 2024 & more.\n\n2\n00:00:02,400 --> 00:00:02,700\nDone\n',
  );
});

test('overlapping or zero-length word times still give ordered, non-overlapping cues', () => {
  const text = 'One. Two. Three.';
  const w: WordTiming[] = [
    { text: 'One', source: [0, 3], startMs: 0, endMs: 500 },
    { text: 'Two', source: [5, 8], startMs: 400, endMs: 400 },
    { text: 'Three', source: [10, 15], startMs: 300, endMs: 900 },
  ];
  const cues = buildCues(w, text);
  assert.equal(cues.length, 3);
  assertOrdered(cues);
  assert.deepEqual(buildCues([], text), []);
});
