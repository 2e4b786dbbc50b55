// ASS subtitles from speech cues: style mapping, times, escaping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSubtitleFont } from '../../src/engines/render/fonts.ts';
import {
  assColor,
  assText,
  assTime,
  buildAss,
  DEFAULT_SUBTITLE_STYLE,
} from '../../src/engines/render/subtitles-ass.ts';

test('colours, times and text escaping', () => {
  assert.equal(assColor('#FF8000'), '&H000080FF');
  assert.equal(assColor('00ff00'), '&H0000FF00');
  assert.throws(() => assColor('#fff'), /not #RRGGBB/);
  assert.equal(assTime(0), '0:00:00.00');
  assert.equal(assTime(3723004), '1:02:03.00');
  assert.equal(assTime(1234), '0:00:01.23');
  assert.equal(assText(['a {\\b1} b', '第二行']), 'a ｛\\\u2060b1｝ b\\N第二行');
});

test('the script sizes to the output, centres an 80 % box at the bottom and lists the cues', () => {
  const ass = buildAss(
    [
      { index: 1, startMs: 500, endMs: 1800, lines: ['Hello there,'], source: [0, 12] },
      { index: 2, startMs: 1800, endMs: 3000, lines: ['你好，', '世界'], source: [13, 18] },
    ],
    {
      fontName: 'Noto Sans CJK SC',
      fontSize: 40,
      color: '#FFFFFF',
      strokeColor: '#000000',
      strokeWidth: 2,
      bottomPercent: 10,
      boxWidthPercent: 80,
    },
    { width: 1280, height: 720 },
  );
  assert.match(ass, /PlayResX: 1280\nPlayResY: 720/);
  assert.match(
    ass,
    /\nStyle: Default,Noto Sans CJK SC,40,&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,2,0,2,128,128,72,1\n/,
  );
  assert.match(ass, /\nDialogue: 0,0:00:00.50,0:00:01.80,Default,,0,0,0,,Hello there,\n/);
  assert.match(ass, /\nDialogue: 0,0:00:01.80,0:00:03.00,Default,,0,0,0,,你好，\\N世界\n/);
});

test('the font finder prefers a CJK font and falls back to DejaVu', () => {
  const only = (f: string) => (file: string) => file === f;
  assert.deepEqual(findSubtitleFont(only('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc')), {
    dir: '/usr/share/fonts/truetype/wqy',
    family: 'WenQuanYi Micro Hei',
    cjk: true,
  });
  assert.equal(findSubtitleFont(only('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'))?.cjk, false);
  assert.equal(
    findSubtitleFont(() => false),
    undefined,
  );
});

test('text layers are positioned events for the whole clip, under the subtitles', () => {
  const ass = buildAss(
    [{ index: 1, startMs: 0, endMs: 1000, lines: ['Hi'], source: [0, 2] }],
    { fontName: 'Doppel Sans SC', ...DEFAULT_SUBTITLE_STYLE },
    { width: 1280, height: 720 },
    {
      items: [
        { text: 'Top {x}', x: 200.4, y: 40, fontSize: 48, color: '#FFFF00', z: 5 },
        { text: 'Back', x: 0, y: 0, fontSize: 20, color: '#000000', z: 1 },
      ],
      durationMs: 3040,
    },
  );
  const events = ass.split('\n').filter((l) => l.startsWith('Dialogue:'));
  assert.deepEqual(events, [
    'Dialogue: 0,0:00:00.00,0:00:03.04,Default,,0,0,0,,{\\an7\\pos(0,0)\\fs20\\c&H00000000&}Back',
    'Dialogue: 1,0:00:00.00,0:00:03.04,Default,,0,0,0,,{\\an7\\pos(200,40)\\fs48\\c&H0000FFFF&}Top \uff5bx\uff5d',
    'Dialogue: 2,0:00:00.00,0:00:01.00,Default,,0,0,0,,Hi',
  ]);
});
