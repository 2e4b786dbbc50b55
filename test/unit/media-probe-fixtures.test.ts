// The media facts Doppel reports must not depend on which ffmpeg build a machine has. For each
// sample in test/fixtures/media-probe (captured by capture.sh there: `ffmpeg -i` of the npm
// 2018 build, `ffmpeg -i` of Debian's 5.1, and ffprobe 5.1's JSON of the same file), the three
// parses must give the same asset metadata, and the frame rate must be the nominal one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { toAssetMeta } from '../../src/core/media/asset-meta.ts';
import type { MediaInfo } from '../../src/core/media/media-info.ts';
import { parseFfmpegInfo } from '../../src/core/media/parse-ffmpeg.ts';
import { parseFfprobe } from '../../src/core/media/parse-ffprobe.ts';

const DIR = path.join(import.meta.dirname, '..', 'fixtures', 'media-probe');
const read = (name: string) => fs.readFileSync(path.join(DIR, name), 'utf8');

function parses(sample: string): Record<'ffmpeg-2018' | 'ffmpeg-5.1' | 'ffprobe-5.1', MediaInfo> {
  const viaFfmpeg = (build: string) =>
    parseFfmpegInfo({ code: 1, stdout: '', stderr: read(`${sample}.ffmpeg-${build}.txt`) }) as MediaInfo;
  return {
    'ffmpeg-2018': viaFfmpeg('2018'),
    'ffmpeg-5.1': viaFfmpeg('5.1'),
    'ffprobe-5.1': parseFfprobe({
      code: 0,
      stdout: read(`${sample}.ffprobe-5.1.json`),
      stderr: '',
    }) as MediaInfo,
  };
}

/** The asset metadata each parse gives; bit rates compared apart (ffmpeg -i rounds to kb/s). */
function metas(sample: string, type: 'VIDEO' | 'IMAGE') {
  return Object.entries(parses(sample)).map(([tool, info]) => {
    const meta = toAssetMeta(info, type);
    const { video_bit_rate, audio_bit_rate, ...rest } = meta.video_meta ?? {};
    return { tool, meta: meta.video_meta ? rest : meta.image_meta, video_bit_rate, audio_bit_rate };
  });
}

function assertAgree(sample: string, expected: Record<string, unknown>) {
  const all = metas(sample, 'VIDEO');
  for (const m of all) assert.deepEqual(m.meta, expected, `${sample} through ${m.tool}`);
  for (const key of ['video_bit_rate', 'audio_bit_rate'] as const) {
    const values = all.map((m) => m[key]).filter((v) => v !== undefined) as number[];
    if (values.length > 1)
      assert.ok(Math.max(...values) - Math.min(...values) <= 1, `${sample} ${key} ${values.join(' / ')}`);
  }
}

const small = { video_codec: 'H264', width: 320, height: 240, mode: 'Horizontal' };
const tone = { audio_codec: 'AAC', audio_channels: 1, sample: 44100 };

describe('the same media facts from ffmpeg 2018, ffmpeg 5.1 and ffprobe 5.1', () => {
  test('25 fps', () => assertAgree('rate-25', { ...small, ...tone, frame_rate: '25', duration: 1 }));
  test('30 fps', () => assertAgree('rate-30', { ...small, ...tone, frame_rate: '30', duration: 1 }));
  test('29.97 fps (30000/1001)', () =>
    assertAgree('rate-30000_1001', { ...small, ...tone, frame_rate: '29.97', duration: 1 }));
  test('23.976 fps (24000/1001)', () =>
    assertAgree('rate-24000_1001', { ...small, ...tone, frame_rate: '23.98', duration: 1 }));

  test('a display rotation of 90° gives the shown size: portrait', () =>
    assertAgree('rotated', {
      ...small,
      ...tone,
      width: 240,
      height: 320,
      mode: 'Vertical',
      frame_rate: '25',
      duration: 1,
    }));

  test('a 25 fps video whose timestamps jump once is still 25 fps, not its average', () => {
    // The average over this file is 24.71 (ffmpeg's "fps"), the base rate 24.92 ("tbr").
    const info = parses('joined-gap');
    for (const [tool, i] of Object.entries(info)) assert.equal(i.video?.fps, 25, tool);
    assertAgree('joined-gap', {
      video_codec: 'H264',
      width: 320,
      height: 240,
      mode: 'Horizontal',
      audio_codec: 'AAC',
      audio_channels: 1,
      sample: 22050,
      frame_rate: '25',
      duration: 4,
    });
  });

  test('a still image has no frame rate and no duration', () => {
    for (const [tool, info] of Object.entries(parses('still'))) {
      assert.equal(info.image, true, tool);
      assert.equal(info.video?.fps, undefined, tool);
      assert.equal(info.durationSec, undefined, tool);
    }
    const images = metas('still', 'IMAGE');
    for (const m of images)
      assert.deepEqual(m.meta, { codec: 'PNG', width: 64, height: 48, mode: 'Horizontal' }, m.tool);
  });
});
