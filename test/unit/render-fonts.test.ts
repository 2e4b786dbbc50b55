// The subtitle font: the bundled Doppel Sans SC when no better CJK font is installed, a system
// Noto Sans CJK when it is, and the bundled file really is the family the ASS style asks for.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUNDLED_FONT, findSubtitleFont } from '../../src/engines/render/fonts.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const only =
  (...files: string[]) =>
  (file: string) =>
    files.includes(file);

test('the bundled font is the one in assets/fonts of this repository', () => {
  assert.equal(BUNDLED_FONT.file, path.join(ROOT, 'assets/fonts/DoppelSans-SC.otf'));
  assert.ok(fs.existsSync(BUNDLED_FONT.file), BUNDLED_FONT.file);
  assert.ok(fs.existsSync(path.join(ROOT, 'assets/fonts/OFL.txt')), 'the licence ships with the font');
});

test('with no system fonts the bundled CJK font is chosen', () => {
  assert.deepEqual(findSubtitleFont(only(BUNDLED_FONT.file)), {
    dir: path.join(ROOT, 'assets/fonts'),
    family: 'Doppel Sans SC',
    cjk: true,
  });
});

test('it beats WenQuanYi and DejaVu; a full system Noto Sans CJK beats it', () => {
  const wqy = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';
  const dejavu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
  const noto = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
  assert.equal(findSubtitleFont(only(BUNDLED_FONT.file, wqy, dejavu))?.family, 'Doppel Sans SC');
  assert.deepEqual(findSubtitleFont(only(BUNDLED_FONT.file, noto, dejavu)), {
    dir: '/usr/share/fonts/opentype/noto',
    family: 'Noto Sans CJK SC',
    cjk: true,
  });
  // A tree without assets/ (say, a copy that left them out) still finds the system packages.
  assert.equal(findSubtitleFont(only(wqy, dejavu))?.family, 'WenQuanYi Micro Hei');
  assert.equal(findSubtitleFont(only(dejavu))?.cjk, false);
});

test('on this machine a CJK font is always found', () => {
  assert.equal(findSubtitleFont()?.cjk, true);
});

/** The Windows (platform 3) UTF-16BE strings of an sfnt's name table, by name ID. */
function sfntNames(buf: Buffer): Map<number, string> {
  const tables = buf.readUInt16BE(4);
  let name: number | undefined;
  for (let i = 0; i < tables; i++) {
    const rec = 12 + i * 16;
    if (buf.toString('latin1', rec, rec + 4) === 'name') name = buf.readUInt32BE(rec + 8);
  }
  assert.ok(name !== undefined, 'a name table');
  const count = buf.readUInt16BE(name + 2);
  const strings = name + buf.readUInt16BE(name + 4);
  const out = new Map<number, string>();
  for (let i = 0; i < count; i++) {
    const r = name + 6 + i * 12;
    if (buf.readUInt16BE(r) !== 3) continue;
    const len = buf.readUInt16BE(r + 8);
    const at = strings + buf.readUInt16BE(r + 10);
    const utf16be = Buffer.from(buf.subarray(at, at + len)); // a copy: records may share a string
    out.set(buf.readUInt16BE(r + 6), utf16be.swap16().toString('utf16le'));
  }
  return out;
}

test('the font file is named Doppel Sans SC (an OFL Modified Version may not keep the Noto name)', () => {
  const buf = fs.readFileSync(BUNDLED_FONT.file);
  assert.equal(buf.toString('latin1', 0, 4), 'OTTO', 'an OpenType (CFF) font');
  const names = sfntNames(buf);
  assert.equal(names.get(1), BUNDLED_FONT.family);
  assert.equal(names.get(4), BUNDLED_FONT.family);
  assert.equal(names.get(6), 'DoppelSansSC-Regular');
  assert.match(names.get(13) ?? '', /SIL Open Font License/);
  for (const id of [1, 3, 4, 6]) assert.doesNotMatch(names.get(id) ?? '', /noto/i);
});
