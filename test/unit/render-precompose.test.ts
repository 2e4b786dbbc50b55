// PNG round trip (RGBA encoder + decoder) and alpha-over composition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePng, encodePngRgba } from '../../src/core/media/encode.ts';
import { decodePng, readPngHeader } from '../../src/core/media/png-decode.ts';
import { alphaOver } from '../../src/engines/render/precompose.ts';

test('RGBA and RGB PNGs decode to the pixels they were encoded from', () => {
  const w = 37;
  const h = 11;
  const data = new Uint8Array(w * h * 4).map((_, i) => (i * 7 + (i >> 5)) & 0xff);
  const back = decodePng(encodePngRgba(w, h, data));
  assert.deepEqual([back.width, back.height], [w, h]);
  assert.deepEqual(back.data, data);
  const rgb = decodePng(encodePng(3, 2, (x, y) => [x * 80, y * 100, 7]));
  assert.deepEqual([...rgb.data.subarray(4, 8)], [80, 0, 7, 255]);
  assert.deepEqual(readPngHeader(encodePngRgba(2, 3, new Uint8Array(24))), {
    width: 2,
    height: 3,
    bitDepth: 8,
    colorType: 6,
    interlace: 0,
  });
  assert.throws(() => decodePng(Buffer.from('nope')), /not a PNG/);
});

test('alpha-over: opaque replaces, transparent keeps, half blends, clipped at the edges', () => {
  const dst = { width: 2, height: 1, data: new Uint8Array([100, 100, 100, 255, 0, 0, 0, 0]) };
  alphaOver(dst, { width: 1, height: 1, data: new Uint8Array([200, 0, 0, 128]) }, { x: 0, y: 0 });
  assert.deepEqual([...dst.data.subarray(0, 4)], [150, 50, 50, 255]);
  alphaOver(dst, { width: 2, height: 1, data: new Uint8Array([9, 9, 9, 255, 1, 2, 3, 0]) }, { x: 1, y: 0 });
  assert.deepEqual([...dst.data], [150, 50, 50, 255, 9, 9, 9, 255]);
});
