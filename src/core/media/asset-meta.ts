// MediaInfo → the contract's asset meta shapes (AssetExtraMeta.video_meta / image_meta /
// audio_meta). Units follow the vendor SDK's field docs: duration in whole seconds, bit rates
// in kbps, `sample` in Hz. A value outside the contract's range is left out rather than
// clamped, so a response never states something false; so is anything we cannot know.
import type {
  AssetExtraMeta,
  AudioAssetMeta,
  CreateDigitalAssetRequestBody,
  ImageAssetMeta,
  VideoAssetMeta,
} from '../../contract/generated/types.ts';
import type { MediaInfo } from './media-info.ts';

export type AssetType = CreateDigitalAssetRequestBody['asset_type'];
export type MediaAssetMeta = Pick<AssetExtraMeta, 'video_meta' | 'image_meta' | 'audio_meta'>;
export type MediaKind = 'image' | 'video' | 'audio';

/** What the file is, whatever the asset claims to be. */
export function mediaKind(info: MediaInfo): MediaKind | undefined {
  if (info.image) return 'image';
  if (info.video) return 'video';
  return info.audio ? 'audio' : undefined;
}

/**
 * Fills the meta object that belongs to `assetType` (VIDEO → video_meta, IMAGE → image_meta,
 * AUDIO and MUSIC → audio_meta); other asset types carry no media meta, so `{}`. Whether the
 * file suits the asset type is the caller's decision (see mediaKind).
 */
export function toAssetMeta(info: MediaInfo, assetType: AssetType): MediaAssetMeta {
  switch (assetType) {
    case 'VIDEO':
      return { video_meta: videoMeta(info) };
    case 'IMAGE':
      return { image_meta: imageMeta(info) };
    case 'AUDIO':
    case 'MUSIC':
      return { audio_meta: audioMeta(info) };
    default:
      return {};
  }
}

/** Keeps integers inside [0, max]; anything else becomes undefined (and is then dropped). */
const within = (n: number | undefined, max: number): number | undefined =>
  n !== undefined && Number.isFinite(n) && n >= 0 && n <= max ? Math.round(n) : undefined;

/** Whole seconds; a clip shorter than half a second still lasts 1, not 0. */
const seconds = (d: number | undefined): number | undefined =>
  d === undefined || d <= 0 ? undefined : within(Math.max(1, Math.round(d)), 86400);

const kbps = (bps: number | undefined, max: number): number | undefined =>
  bps === undefined ? undefined : within(bps / 1000, max);

// ffmpeg's codec names, upper-cased, read like the contract's own codec enum (VideoConfig.codec
// is H264 | VP8 | VP9 | QTRLE). Two are renamed: HEVC is H265 there, and a JPEG picture is
// "mjpeg" to ffmpeg only because its decoder is shared with Motion JPEG video.
const codecName = (codec: string, image = false): string | undefined => {
  const name = image && codec === 'mjpeg' ? 'JPEG' : codec === 'hevc' ? 'H265' : codec.toUpperCase();
  return name.length <= 32 && name !== 'UNKNOWN' ? name : undefined;
};

/** `25` or `29.97`: the contract's frame_rate is a string. */
const frameRate = (fps: number | undefined): string | undefined =>
  fps === undefined ? undefined : String(Math.round(fps * 100) / 100);

const mode = (w: number, h: number): 'Horizontal' | 'Vertical' | undefined =>
  w > h ? 'Horizontal' : h > w ? 'Vertical' : undefined;

/**
 * Width and height as the video is shown: a phone clip stored 1920×1080 with a 90° display
 * rotation is a 1080×1920 portrait video to its viewers (and to the avatar-video rules).
 */
function shown(v: NonNullable<MediaInfo['video']>): { width: number; height: number } {
  const quarter = v.rotation === 90 || v.rotation === 270;
  return quarter ? { width: v.height, height: v.width } : { width: v.width, height: v.height };
}

function videoMeta(info: MediaInfo): VideoAssetMeta {
  const v = info.video && { ...info.video, ...shown(info.video) };
  const a = info.audio;
  return compact({
    video_codec: v && codecName(v.codec),
    width: v && within(v.width, 8196),
    height: v && within(v.height, 8196),
    frame_rate: frameRate(v?.fps),
    // Without a per-stream rate, the container's overall rate is the video's when it is alone.
    video_bit_rate: kbps(v?.bitRate ?? (a ? undefined : info.bitRate), 104857600),
    duration: seconds(info.durationSec),
    audio_codec: a && codecName(a.codec),
    audio_bit_rate: kbps(a?.bitRate, 16384),
    audio_channels: within(a?.channels, 100),
    sample: within(a?.sampleRate, 100000),
    mode: v && mode(v.width, v.height),
  });
}

function imageMeta(info: MediaInfo): ImageAssetMeta {
  const v = info.video;
  return compact({
    codec: v && codecName(v.codec, true),
    width: v && within(v.width, 8196),
    height: v && within(v.height, 8196),
    size: info.sizeBytes,
    mode: v && mode(v.width, v.height),
  });
}

function audioMeta(info: MediaInfo): AudioAssetMeta {
  const a = info.audio;
  return compact({
    duration: seconds(info.durationSec),
    audio_codec: a && codecName(a.codec),
    audio_bit_rate: kbps(a?.bitRate ?? (info.video ? undefined : info.bitRate), 16384),
    audio_channels: within(a?.channels, 100),
    sample: within(a?.sampleRate, 100000),
  });
}

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
