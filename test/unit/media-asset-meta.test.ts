// MediaInfo → AssetExtraMeta, checked field by field and against the vendored contract's
// schemas (names, enums, integer ranges, string lengths), so a drift in either shows up here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { type MediaInfo, mediaKind, toAssetMeta } from '../../src/core/media/index.ts';

type Prop = { type?: string; enum?: string[]; minimum?: number; maximum?: number; maxLength?: number };
const contract = JSON.parse(
  fs.readFileSync(new URL('../../contract/metastudio.openapi.json', import.meta.url), 'utf8'),
) as { components: { schemas: Record<string, { properties: Record<string, Prop> }> } };

/** Every field exists in the schema and satisfies its type, enum and bounds. */
function conforms(schemaName: string, value: object): void {
  const props = contract.components.schemas[schemaName].properties;
  for (const [key, v] of Object.entries(value)) {
    const p = props[key];
    assert.ok(p, `${schemaName} has no field ${key}`);
    if (p.enum) assert.ok(p.enum.includes(v), `${schemaName}.${key}=${v} not in ${p.enum}`);
    if (p.type === 'integer') {
      assert.ok(Number.isInteger(v), `${schemaName}.${key}=${v} is not an integer`);
      assert.ok(
        v >= (p.minimum ?? -Infinity) && v <= (p.maximum ?? Infinity),
        `${schemaName}.${key}=${v} out of range`,
      );
    }
    if (p.type === 'string') {
      assert.equal(typeof v, 'string', `${schemaName}.${key}`);
      assert.ok(v.length <= (p.maxLength ?? Infinity), `${schemaName}.${key} too long`);
    }
  }
}

const MP4: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  formatNames: ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2'],
  durationSec: 2.04,
  bitRate: 114_084,
  streams: [
    { index: 0, kind: 'video', codec: 'h264' },
    { index: 1, kind: 'audio', codec: 'aac' },
  ],
  video: { codec: 'h264', width: 160, height: 120, fps: 29.97, pixFmt: 'yuv420p', bitRate: 37_248 },
  audio: { codec: 'aac', sampleRate: 44_100, channels: 1, channelLayout: 'mono', bitRate: 65_044 },
  image: false,
  sizeBytes: 28_521,
  sniffed: 'mp4',
  probedWith: 'ffprobe',
};
const PNG: MediaInfo = {
  formatName: 'png_pipe',
  formatNames: ['png_pipe'],
  streams: [{ index: 0, kind: 'video', codec: 'png' }],
  video: { codec: 'png', width: 300, height: 400, pixFmt: 'rgb24' },
  image: true,
  sizeBytes: 639,
  probedWith: 'ffmpeg',
};
const WAV: MediaInfo = {
  formatName: 'wav',
  formatNames: ['wav'],
  durationSec: 0.3,
  bitRate: 256_000,
  streams: [{ index: 0, kind: 'audio', codec: 'pcm_s16le' }],
  audio: { codec: 'pcm_s16le', sampleRate: 16_000, channels: 1 },
  image: false,
  probedWith: 'ffmpeg',
};

test('video_meta', () => {
  const meta = toAssetMeta(MP4, 'VIDEO');
  assert.deepEqual(meta, {
    video_meta: {
      video_codec: 'H264',
      width: 160,
      height: 120,
      frame_rate: '29.97',
      video_bit_rate: 37,
      duration: 2,
      audio_codec: 'AAC',
      audio_bit_rate: 65,
      audio_channels: 1,
      sample: 44_100,
      mode: 'Horizontal',
    },
  });
  conforms('VideoAssetMeta', meta.video_meta!);
});

test('image_meta: JPEG for mjpeg, size in bytes, Vertical when taller', () => {
  const meta = toAssetMeta(PNG, 'IMAGE');
  assert.deepEqual(meta, {
    image_meta: { codec: 'PNG', width: 300, height: 400, size: 639, mode: 'Vertical' },
  });
  conforms('ImageAssetMeta', meta.image_meta!);
  const jpeg = { ...PNG, video: { codec: 'mjpeg', width: 50, height: 50 } };
  assert.deepEqual(toAssetMeta(jpeg, 'IMAGE').image_meta, {
    codec: 'JPEG',
    width: 50,
    height: 50,
    size: 639,
  });
});

test('audio_meta for AUDIO and MUSIC; a short clip lasts 1 s, not 0', () => {
  const meta = toAssetMeta(WAV, 'AUDIO');
  assert.deepEqual(meta, {
    audio_meta: {
      duration: 1,
      audio_codec: 'PCM_S16LE',
      audio_bit_rate: 256,
      audio_channels: 1,
      sample: 16_000,
    },
  });
  conforms('AudioAssetMeta', meta.audio_meta!);
  assert.deepEqual(toAssetMeta(WAV, 'MUSIC'), meta);
});

test('other asset types carry no media meta', () => {
  assert.deepEqual(toAssetMeta(MP4, 'HUMAN_MODEL_2D'), {});
  assert.deepEqual(toAssetMeta(PNG, 'PPT'), {});
});

test('out-of-range values are left out, not clamped', () => {
  const huge: MediaInfo = {
    ...MP4,
    durationSec: 100_000,
    video: { codec: 'hevc', width: 10_000, height: 5_000, bitRate: 200_000_000_000 },
    audio: { codec: 'flac', sampleRate: 192_000, channels: 2, bitRate: 20_000_000 },
  };
  const meta = toAssetMeta(huge, 'VIDEO').video_meta!;
  assert.deepEqual(meta, {
    video_codec: 'H265',
    height: 5_000,
    audio_codec: 'FLAC',
    audio_channels: 2,
    mode: 'Horizontal',
  });
  conforms('VideoAssetMeta', meta);
});

test('an audio-only file uploaded as VIDEO: only what is known, overall rate not misattributed', () => {
  const meta = toAssetMeta(WAV, 'VIDEO').video_meta!;
  assert.deepEqual(meta, { duration: 1, audio_codec: 'PCM_S16LE', audio_channels: 1, sample: 16_000 });
  conforms('VideoAssetMeta', meta);
});

test('mediaKind', () => {
  assert.deepEqual([MP4, PNG, WAV].map(mediaKind), ['video', 'image', 'audio']);
});
