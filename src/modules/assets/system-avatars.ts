// The 2D avatars that ship with Doppel: HUMAN_MODEL_2D system assets. Each one's MAIN file is
// its avatar package (docs/avatar-package.md) zipped, assets/avatars/<id>.zip, and its COVER
// the package's preview.png; both are made by scripts/make-avatars.ts, which also prints the
// sizes and MD5s below. Seeded at start like the other system assets (system-seed.ts).
// To add one: run the script, add an entry with new fixed ids, restart.
import type { HumanModel2DAssetMeta } from '../../contract/generated/types.ts';
import type { SystemPropertyRow } from '../../core/db/schema.ts';

export interface SystemAvatarFile {
  /** Fixed forever; a dashed UUID like every file id. */
  fileId: string;
  /** Under assets/avatars/. */
  path: string;
  /** The file's name in the store. */
  name: string;
  fileType: string;
  contentType: string;
  size: number;
  /** Base64 MD5; seeding refuses a file that does not match (a half-updated checkout). */
  md5: string;
}

export interface SystemAvatarEntry {
  /** Fixed forever: clients keep it (a video script's avatar). 32 lowercase hex. */
  assetId: string;
  name: string;
  description: string;
  tags: string[];
  systemProperties: SystemPropertyRow[];
  main: SystemAvatarFile;
  cover: SystemAvatarFile;
  meta: HumanModel2DAssetMeta;
}

/** What every shipped avatar is: a sprite package, no action library, not for live rooms. */
const meta = (voiceAssetId: string): HumanModel2DAssetMeta => ({
  is_action_editable: false,
  is_live_copy: false,
  is_real_background: false,
  support_live: false,
  model_resolution: '1080x1080',
  is_with_action_library: false,
  is_flexus: false,
  voice_asset_id: voiceAssetId,
});

const files = (id: string, n: number, zip: [number, string], cover: [number, string]) => ({
  main: {
    fileId: `4c7e2a90-6d1b-4f3e-8a52-9b0d1e2f30${n}1`,
    path: `${id}.zip`,
    name: `${id}.zip`,
    fileType: 'zip',
    contentType: 'application/zip',
    size: zip[0],
    md5: zip[1],
  },
  cover: {
    fileId: `4c7e2a90-6d1b-4f3e-8a52-9b0d1e2f30${n}2`,
    path: `${id}/preview.png`,
    name: `${id}-preview.png`,
    fileType: 'png',
    contentType: 'image/png',
    size: cover[0],
    md5: cover[1],
  },
});

export const SYSTEM_AVATARS: readonly SystemAvatarEntry[] = [
  {
    assetId: '3b9f6d2e8a1c4e07b5d2f0a9c8e71d01',
    name: 'Mei',
    description:
      'News presenter: a woman with a dark bob, navy blazer and white blouse; bust shot, 1080x1080.',
    tags: ['avatar', '2d', 'female', 'news', 'system'],
    systemProperties: [],
    ...files('mei', 1, [364718, '959p6oZubWsOAEuNT4N2Uw=='], [121210, 'gQ0hCbi+7w7ejagJSWb6Tg==']),
    meta: meta('7e1a4c2b9d3f4e58a6b0c1d2e3f40a07'),
  },
  {
    assetId: '3b9f6d2e8a1c4e07b5d2f0a9c8e71d02',
    name: 'Marcus',
    description:
      'Anchor: a man with short hair and glasses, charcoal suit, light blue shirt and burgundy tie; bust shot, 1080x1080.',
    tags: ['avatar', '2d', 'male', 'news', 'system'],
    systemProperties: [],
    ...files('marcus', 2, [345539, 'xhz8gurkRAjvMsbNzt3yfg=='], [120203, 'GHjJbJ+dyhglpVsTXBYRjA==']),
    meta: meta('7e1a4c2b9d3f4e58a6b0c1d2e3f40a06'),
  },
  {
    assetId: '3b9f6d2e8a1c4e07b5d2f0a9c8e71d03',
    name: 'Priya',
    description:
      'Host: a woman with a high ponytail, terracotta sweater and gold earrings; bust shot, 1080x1080.',
    tags: ['avatar', '2d', 'female', 'host', 'system'],
    systemProperties: [],
    ...files('priya', 3, [358184, 'z8Jo5TEmRLNhLisucJhY/Q=='], [121073, 'INdZHR0nSy4fNhXIfq4v5g==']),
    meta: meta('7e1a4c2b9d3f4e58a6b0c1d2e3f40a05'),
  },
];
