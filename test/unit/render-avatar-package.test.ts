// Avatar package validation (docs/avatar-package.md) from a file map and from a zip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zipSync } from 'fflate';
import { decodePng } from '../../src/core/media/png-decode.ts';
import {
  type AvatarPackage,
  loadAvatarPackage,
  mouthShapeFor,
  parseAvatarPackage,
} from '../../src/engines/render/avatar-package.ts';
import { avatarFiles, rgbaPng } from '../helpers/avatar.ts';

// biome-ignore lint/suspicious/noExplicitAny: edits of parsed JSON, checked by the parser under test
type Json = Record<string, any>;

const withManifest = (edit: (m: Json) => void): Map<string, Buffer> => {
  const files = avatarFiles();
  const m = JSON.parse(files.get('manifest.json')!.toString());
  edit(m);
  files.set('manifest.json', Buffer.from(JSON.stringify(m)));
  return files;
};

test('a valid package loads with sizes read from IHDR and fallbacks for optional visemes', () => {
  const pkg: AvatarPackage = parseAvatarPackage(avatarFiles());
  assert.equal(pkg.name, 'Test Disc');
  assert.deepEqual(pkg.canvas, { width: 400, height: 400 });
  assert.equal(pkg.mouth.shapes.aa?.width, 120);
  assert.equal(pkg.eyes.closed.height, 40);
  assert.deepEqual(pkg.idle, { swayPx: 0, breathPeriodSec: 0 });
  assert.equal(mouthShapeFor(pkg, 'aa'), 'aa');
  // biome-ignore format: a table
  const fallbacks = { TH: 'ih', DD: 'ih', SS: 'ih', nn: 'ih', kk: 'E', CH: 'E', RR: 'ou' } as const;
  for (const [v, to] of Object.entries(fallbacks)) assert.equal(mouthShapeFor(pkg, v as never), to);
});

test('a zip package loads the same as the directory form', async () => {
  const zip = zipSync(
    Object.fromEntries([...avatarFiles({ idle: true })].map(([k, v]) => [k, new Uint8Array(v)])),
  );
  const pkg = await loadAvatarPackage(zip);
  assert.equal(pkg.name, 'Test Disc');
  assert.deepEqual(pkg.idle, { swayPx: 4, breathPeriodSec: 4.5 });
  assert.equal(decodePng(pkg.base.png).data.length, 400 * 400 * 4);
  await assert.rejects(loadAvatarPackage(new Uint8Array([1, 2, 3])), /not a valid zip/);
});

test('manifest problems are reported with the field they concern', () => {
  const cases: [(m: Json) => void, RegExp][] = [
    [
      (m) => {
        m.format = 'x';
      },
      /manifest.format must be "doppel.avatar2d"/,
    ],
    [
      (m) => {
        m.version = 2;
      },
      /version 2 is not supported/,
    ],
    [
      (m) => {
        delete m.mouth.shapes.PP;
      },
      /lacks required visemes: PP/,
    ],
    [
      (m) => {
        m.mouth.shapes.XX = 'mouth/aa.png';
      },
      /mouth.shapes.XX: unknown viseme/,
    ],
    [
      (m) => {
        m.canvas.width = 500;
      },
      /base: "base.png" is 400×400 but canvas is 500×400/,
    ],
    [
      (m) => {
        m.mouth.anchor.x = 350;
      },
      /mouth: a 120×60 sprite at \(350, 260\) overflows/,
    ],
    [
      (m) => {
        m.eyes.half = '../eyes/half.png';
      },
      /eyes.half: "..\/eyes\/half.png" must be a relative path/,
    ],
    [
      (m) => {
        m.eyes.half = 'eyes/nope.png';
      },
      /eyes.half: file "eyes\/nope.png" is not in the package/,
    ],
    [
      (m) => {
        m.idle = { swayPx: 3 };
      },
      /idle.breathPeriodSec must be > 0/,
    ],
  ];
  for (const [edit, msg] of cases) assert.throws(() => parseAvatarPackage(withManifest(edit)), msg);
});

test('sprites of different sizes, non-PNG files and unnamed files are refused', () => {
  const files = avatarFiles();
  files.set(
    'mouth/E.png',
    rgbaPng(100, 60, () => [0, 0, 0, 0]),
  );
  assert.throws(() => parseAvatarPackage(files), /mouth.shapes: all sprites must be the same size/);
  const notPng = avatarFiles();
  notPng.set('eyes/open.png', Buffer.from('GIF89a'));
  assert.throws(() => parseAvatarPackage(notPng), /eyes.open: "eyes\/open.png" is not a PNG/);
  const extra = avatarFiles();
  extra.set('notes.txt', Buffer.from('hi'));
  assert.throws(() => parseAvatarPackage(extra), /files the manifest does not name: notes.txt/);
  const noManifest = avatarFiles();
  noManifest.delete('manifest.json');
  assert.throws(() => parseAvatarPackage(noManifest), /manifest.json is missing/);
});
