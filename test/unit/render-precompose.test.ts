// PNG round trip (RGBA encoder + decoder), alpha-over composition, the scaler, and the avatar's
// precomposed body and faces.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { encodePng, encodePngRgba } from '../../src/core/media/encode.ts';
import { decodePng, readPngHeader } from '../../src/core/media/png-decode.ts';
import { parseAvatarPackage } from '../../src/engines/render/avatar-package.ts';
import {
  alphaOver,
  composeKey,
  opaqueBounds,
  precomposeFrames,
  resampleInto,
  scaledSize,
} from '../../src/engines/render/precompose.ts';
import { avatarFiles } from '../helpers/avatar.ts';

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

test('opaque bounds: the box of the pixels with any alpha', () => {
  const img = { width: 4, height: 3, data: new Uint8Array(48) };
  assert.equal(opaqueBounds(img), undefined);
  img.data[(1 * 4 + 2) * 4 + 3] = 1;
  img.data[(2 * 4 + 1) * 4 + 3] = 255;
  assert.deepEqual(opaqueBounds(img), { x: 1, y: 1, width: 2, height: 2 });
});

test('resampling: flat areas stay flat, transparent pixels lend no colour to the edges', () => {
  // 4×2: two opaque blue columns, two transparent red ones (the colour a transparent pixel happens to hold).
  const src = { width: 4, height: 2, data: new Uint8Array(32) };
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < 4; x++) src.data.set(x < 2 ? [0, 0, 255, 255] : [255, 0, 0, 0], (y * 4 + x) * 4);
  const dst = { width: 8, height: 4, data: new Uint8Array(8 * 4 * 4) };
  resampleInto(src, 2, 2, { x: 0, y: 0, width: 8, height: 4 }, dst, { x: 0, y: 0 });
  const px = (x: number, y: number) => [...dst.data.subarray((y * 8 + x) * 4, (y * 8 + x) * 4 + 4)];
  assert.deepEqual(px(0, 0), [0, 0, 255, 255]);
  assert.deepEqual(px(7, 3), [0, 0, 0, 0]);
  for (let x = 0; x < 8; x++) {
    const [r, g, b, a] = px(x, 1);
    if (a > 0) assert.deepEqual([r, g, b], [0, 0, 255], `x ${x}`);
  }
  // Alpha falls off across the edge.
  assert.ok(px(3, 1)[3] > px(4, 1)[3] && px(4, 1)[3] > 0, JSON.stringify([px(3, 1), px(4, 1)]));
});

/** A PAM's size and RGBA pixels. */
function readPam(buf: Buffer) {
  const end = buf.indexOf('ENDHDR\n') + 7;
  const head = buf.subarray(0, end).toString('latin1');
  const width = Number(/WIDTH (\d+)/.exec(head)?.[1]);
  const height = Number(/HEIGHT (\d+)/.exec(head)?.[1]);
  assert.match(head, /^P7\nWIDTH \d+\nHEIGHT \d+\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n$/);
  return { width, height, data: new Uint8Array(buf.subarray(end)) };
}

test('precomposed body and faces, scaled and cut to the visible box, make up each key exactly', async () => {
  const pkg = parseAvatarPackage(avatarFiles());
  const keys = [
    { key: 'sil|open', mouth: 'sil', eyes: 'open' },
    { key: 'aa|closed', mouth: 'aa', eyes: 'closed' },
  ] as const;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-precompose-'));
  try {
    for (const scale of [1, 1.8, 0.5]) {
      const r = await precomposeFrames(pkg, [...keys], dir, { scale });
      const full = scaledSize(pkg.canvas, scale);
      const { box, faceBox } = r;
      for (const b of [box, faceBox]) {
        assert.ok(
          [b.x, b.y, b.width, b.height].every((v) => v % 2 === 0),
          JSON.stringify(b),
        );
        assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= full.width && b.y + b.height <= full.height);
      }
      assert.ok(faceBox.x >= box.x && faceBox.x + faceBox.width <= box.x + box.width);
      assert.ok(faceBox.y >= box.y && faceBox.y + faceBox.height <= box.y + box.height);
      // The generated face disc (r 170 around 200,220 of 400×400) is what is kept, not the canvas.
      assert.ok(box.width < full.width * 0.9 && box.width > full.width * 0.8, JSON.stringify({ box, full }));
      const body = readPam(fs.readFileSync(path.join(dir, r.base)));
      assert.deepEqual([body.width, body.height], [box.width, box.height]);
      for (const k of keys) {
        const file = r.faces.get(k.key);
        assert.ok(file);
        const face = readPam(fs.readFileSync(path.join(dir, file)));
        assert.deepEqual([face.width, face.height], [faceBox.width, faceBox.height]);
        // The reference: the whole key composed at canvas size, then scaled.
        const whole = composeKey(
          decodePng(pkg.base.png),
          decodePng(pkg.mouth.shapes[k.mouth]!.png),
          pkg.mouth.anchor,
          decodePng(pkg.eyes[k.eyes].png),
          pkg.eyes.anchor,
        );
        const ref = {
          width: box.width,
          height: box.height,
          data: new Uint8Array(box.width * box.height * 4),
        };
        if (scale === 1) {
          for (let y = 0; y < box.height; y++) {
            const from = ((box.y + y) * whole.width + box.x) * 4;
            ref.data.set(whole.data.subarray(from, from + box.width * 4), y * box.width * 4);
          }
        } else {
          resampleInto(whole, full.width / whole.width, full.height / whole.height, box, ref, box);
        }
        let wrong = 0;
        for (let y = 0; y < box.height; y++) {
          for (let x = 0; x < box.width; x++) {
            const i = (y * box.width + x) * 4;
            const fx = x + box.x - faceBox.x;
            const fy = y + box.y - faceBox.y;
            const inFace = fx >= 0 && fy >= 0 && fx < faceBox.width && fy < faceBox.height;
            const got = inFace ? face.data.subarray((fy * face.width + fx) * 4) : body.data.subarray(i);
            if (inFace && body.data[i + 3] !== 0) wrong++;
            for (let c = 0; c < 4; c++)
              if (got[c] !== ref.data[i + c] && (c === 3 || ref.data[i + 3])) wrong++;
          }
        }
        assert.equal(wrong, 0, `scale ${scale}, ${k.key}`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
