// The system assets that ship with Doppel (asset_source=SYSTEM): every project lists and uses
// them. Each entry is seeded at start (system-seed.ts) from a file in assets/system/, made by
// scripts/make-system-assets.ts, which also printed the sizes, MD5s and probed meta below.
// To add one: put the file in assets/system/, add an entry with new fixed ids, restart.
// Voices (VOICE_MODEL, no file) have their own catalog: system-voices.ts; so do the 2D avatars
// (HUMAN_MODEL_2D, a zipped package and a cover): system-avatars.ts.
import type { AssetExtraMeta } from '../../contract/generated/types.ts';
import type { SystemPropertyRow } from '../../core/db/schema.ts';

export { SYSTEM_AVATARS, type SystemAvatarEntry } from './system-avatars.ts';
export { SYSTEM_VOICES, type SystemVoiceEntry } from './system-voices.ts';

export interface SystemAssetEntry {
  /** Fixed forever: clients keep it (e.g. as a video's background). 32 lowercase hex. */
  assetId: string;
  /** Fixed forever; a dashed UUID like every file id. */
  fileId: string;
  name: string;
  description: string;
  type: 'IMAGE' | 'VIDEO' | 'MUSIC' | 'AUDIO';
  tags: string[];
  systemProperties: SystemPropertyRow[];
  file: {
    /** Under assets/system/. */
    name: string;
    fileType: string;
    contentType: string;
    size: number;
    /** Base64 MD5; seeding refuses a file that does not match (a half-updated checkout). */
    md5: string;
  };
  /** As probed by the make script; system assets are not probed at start. */
  extraMeta: AssetExtraMeta;
}

export const SYSTEM_ASSETS: readonly SystemAssetEntry[] = [
  {
    assetId: '5d0c1f0a7e3b4c62a1f09d2e8b7c4a01',
    fileId: '0b1d9a52-3c1e-4f6a-9d27-5e8c1a7b2f01',
    name: 'Dusk gradient',
    description: 'Background: deep navy to a warm peach horizon, 1920x1080.',
    type: 'IMAGE',
    tags: ['background', 'gradient', 'system'],
    systemProperties: [{ key: 'BACKGROUND_IMG', value: 'Yes' }],
    file: {
      name: 'background-dusk.png',
      fileType: 'png',
      contentType: 'image/png',
      size: 127594,
      md5: 'oEH3/VdIee2nV5AYA1rY6A==',
    },
    extraMeta: {
      image_meta: { codec: 'PNG', width: 1920, height: 1080, size: 127594, mode: 'Horizontal' },
    },
  },
  {
    assetId: '5d0c1f0a7e3b4c62a1f09d2e8b7c4a02',
    fileId: '0b1d9a52-3c1e-4f6a-9d27-5e8c1a7b2f02',
    name: 'Studio grey',
    description: 'Background: a light blue-grey studio backdrop with a soft vignette, 1920x1080.',
    type: 'IMAGE',
    tags: ['background', 'studio', 'system'],
    systemProperties: [{ key: 'BACKGROUND_IMG', value: 'Yes' }],
    file: {
      name: 'background-studio.png',
      fileType: 'png',
      contentType: 'image/png',
      size: 173884,
      md5: 'Rc2kLbKtcwyU3aXr+VC2tA==',
    },
    extraMeta: {
      image_meta: { codec: 'PNG', width: 1920, height: 1080, size: 173884, mode: 'Horizontal' },
    },
  },
  {
    assetId: '5d0c1f0a7e3b4c62a1f09d2e8b7c4a03',
    fileId: '0b1d9a52-3c1e-4f6a-9d27-5e8c1a7b2f03',
    name: 'Morning chords',
    description: 'Background music: a calm I-vi-IV-V pad with a bell arpeggio, 12 s, loops.',
    type: 'MUSIC',
    tags: ['music', 'calm', 'system'],
    systemProperties: [],
    file: {
      name: 'music-morning-chords.wav',
      fileType: 'wav',
      contentType: 'audio/wav',
      size: 529244,
      md5: 'LDoDkM92b9jSUB7ALYWsnw==',
    },
    extraMeta: {
      audio_meta: {
        duration: 12,
        audio_codec: 'PCM_S16LE',
        audio_bit_rate: 353,
        audio_channels: 1,
        sample: 22050,
      },
    },
  },
  {
    assetId: '5d0c1f0a7e3b4c62a1f09d2e8b7c4a04',
    fileId: '0b1d9a52-3c1e-4f6a-9d27-5e8c1a7b2f04',
    name: 'Sample gradient video',
    description: 'Material video: drifting colour gradients with music, 1280x720, 4 s.',
    type: 'VIDEO',
    tags: ['video', 'sample', 'system'],
    systemProperties: [{ key: 'MATERIAL_VIDEO', value: 'Yes' }],
    file: {
      name: 'sample-gradient.mp4',
      fileType: 'mp4',
      contentType: 'video/mp4',
      size: 79533,
      md5: 'Vzqyn7v0mK9l7b6gznBlGQ==',
    },
    extraMeta: {
      video_meta: {
        video_codec: 'H264',
        width: 1280,
        height: 720,
        frame_rate: '25',
        video_bit_rate: 89,
        duration: 4,
        audio_codec: 'AAC',
        audio_bit_rate: 62,
        audio_channels: 1,
        sample: 22050,
        mode: 'Horizontal',
        video_transcoding_status: 'SUCCEEDED',
      },
    },
  },
];
