// Magic-byte sniffing and the mislabel check. Headers are the documented magic numbers; the
// PNG and WAV come from the fixture builders, which also checks that those are well formed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mislabelReason, type SniffedFormat, sniffFormat } from '../../src/core/media/index.ts';
import { crc32, pngBytes, wavBytes } from '../helpers/media-fixtures.ts';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const box = (type: string, brand: string) => bytes([0, 0, 0, 0x18], type, brand, [0, 0, 2, 0]);

test('sniffFormat names formats by their magic bytes', () => {
  const cases: [Buffer, SniffedFormat | undefined][] = [
    [pngBytes(2, 2, [0, 0, 0]), 'png'],
    [bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF'), 'jpeg'],
    [bytes('GIF89a', [1, 0, 1, 0]), 'gif'],
    [bytes('BM', [0x46, 0, 0, 0, 0, 0, 0, 0, 0x36, 0]), 'bmp'],
    [bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '), 'webp'],
    [wavBytes({ seconds: 0.01 }), 'wav'],
    [bytes('RIFF', [0, 0, 0, 0], 'AVI LIST'), 'avi'],
    [bytes('ID3', [4, 0, 0, 0, 0, 0, 0]), 'mp3'],
    [bytes([0xff, 0xfb, 0x90, 0x64]), 'mp3'],
    [bytes([0xff, 0xf1, 0x50, 0x80]), 'aac'],
    [box('ftyp', 'isom'), 'mp4'],
    [box('ftyp', 'qt  '), 'mov'],
    [box('ftyp', 'M4A '), 'm4a'],
    [box('ftyp', 'heic'), 'heic'],
    [bytes([0, 0, 0, 8], 'wide', [0, 0, 0, 0]), 'mov'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm'), 'webm'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x82, 0x88], 'matroska'), 'mkv'],
    [bytes('FLV', [1, 5, 0, 0, 0, 9]), 'flv'],
    [bytes('OggS', [0, 2]), 'ogg'],
    [bytes('fLaC', [0, 0, 0, 0x22]), 'flac'],
    [bytes('%PDF-1.7\n'), 'pdf'],
    [bytes('PK', [3, 4, 20, 0]), 'zip'],
    [bytes('hello, this is not a video\n'), 'text'],
    [Buffer.from('文字です'), 'text'],
    [Buffer.from('文字').subarray(0, 4), 'text'], // cut inside a UTF-8 character
    [bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), undefined],
    [Buffer.alloc(0), undefined],
  ];
  for (const [buf, want] of cases) assert.equal(sniffFormat(buf), want, buf.subarray(0, 12).toString('hex'));
});

test('"BM" alone is not enough for a BMP', () => {
  assert.equal(sniffFormat(bytes('BMW is a car brand')), 'text');
});

test('mislabelReason', () => {
  assert.equal(mislabelReason('photo.PNG', 'png'), undefined);
  assert.equal(mislabelReason('clip.mp4', 'mov'), undefined, 'MP4 and QuickTime are one family');
  assert.equal(mislabelReason('song.mp3', undefined), undefined, 'MP3 magic is weak; let ffmpeg judge');
  assert.equal(mislabelReason('notes.txt', 'text'), undefined, 'no opinion about other extensions');
  assert.equal(mislabelReason('no-extension', 'png'), undefined);
  assert.equal(mislabelReason('a.constructor', 'png'), undefined, 'no prototype lookups');
  assert.equal(mislabelReason('a.png', 'text'), 'the file is named .png but its content is plain text');
  assert.equal(mislabelReason('a.jpg', 'png'), 'the file is named .jpg but its content is PNG data');
  assert.equal(mislabelReason('a.mp4', undefined), 'the file is named .mp4 but its content is not MP4 data');
  assert.equal(mislabelReason('a.mp3', 'text'), 'the file is named .mp3 but its content is plain text');
});

test('the fixture PNG is well formed: chunk CRCs check out', () => {
  const png = pngBytes(3, 2, [255, 0, 0]);
  let at = 8;
  const types: string[] = [];
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const body = png.subarray(at + 4, at + 8 + len);
    assert.equal(png.readUInt32BE(at + 8 + len), crc32(body));
    types.push(body.subarray(0, 4).toString('latin1'));
    at += 12 + len;
  }
  assert.deepEqual(types, ['IHDR', 'IDAT', 'IEND']);
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926); // the standard check value
});
