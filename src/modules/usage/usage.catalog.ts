// What Doppel meters and what a tenant can order. A metric is measured in a base unit (what
// the work knows exactly: seconds, characters, bytes); the wire reports it in MetaStudio's
// package units (MIN, TEN_THOUSAND_WORDS, GB, …). The `hws.*` codes are MetaStudio's own
// resource type codes; MetaStudio publishes none for the rest, so those are Doppel's
// (`doppel.*`, ERRATA 81).

export const USAGE_METRICS = [
  /** Seconds of rendered video; dimension = the output resolution, e.g. '1280x720'. */
  'video_seconds',
  /** Characters synthesised by async TTS jobs. */
  'tts_characters',
  /** Seconds of audio produced by async TTS jobs. */
  'tts_audio_seconds',
  /** Bytes stored in asset files; dimension = the asset type. Deletions record negatives. */
  'storage_bytes',
  /** Minutes a live stream ran. */
  'live_minutes',
  /** Minutes an intelligent-interaction (dialog) session lasted. */
  'dialog_minutes',
  /** Avatar (2D model) training jobs that succeeded. */
  'avatar_modeling_jobs',
  /** Voice training jobs that succeeded. */
  'voice_modeling_jobs',
] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

export const BUSINESS_TYPES = [
  'VOICE_CLONE',
  'SYNTHETICS_SOUND',
  'ASSET_MANAGER',
  'MODELING_2D',
  'LIVE_2D',
  'VIDEO_2D',
  'CHAT_2D',
  'BUSINESS_CARD_2D',
  'PICTURE_2D',
  'MODELING_3D',
  'VDS_3D',
  'TTSA_3D',
  'FLEXUS_2D',
] as const;
export type BusinessType = (typeof BUSINESS_TYPES)[number];

export type WireUnit =
  | 'NUM'
  | 'MIN'
  | 'HOUR'
  | 'CHANNEL'
  | 'GB'
  | 'MILLION_WORDS'
  | 'TEN_THOUSAND_WORDS'
  | 'TIME';

interface MetricInfo {
  business: BusinessType;
  unit: WireUnit;
  /** Base quantity in one wire unit. */
  basePerUnit: number;
  /** The pay-per-use resource type that usage beyond every package is reported under. */
  onDemandCode: string;
}

export const METRICS: Record<UsageMetric, MetricInfo> = {
  video_seconds: {
    business: 'VIDEO_2D',
    unit: 'MIN',
    basePerUnit: 60,
    onDemandCode: 'hws.resource.type.metastudio.modeling.avatarvideo.duration',
  },
  tts_characters: {
    business: 'SYNTHETICS_SOUND',
    unit: 'TEN_THOUSAND_WORDS',
    basePerUnit: 10_000,
    onDemandCode: 'doppel.resource.type.tts.characters',
  },
  tts_audio_seconds: {
    business: 'SYNTHETICS_SOUND',
    unit: 'MIN',
    basePerUnit: 60,
    onDemandCode: 'doppel.resource.type.tts.audio.duration',
  },
  storage_bytes: {
    business: 'ASSET_MANAGER',
    unit: 'GB',
    basePerUnit: 1024 ** 3,
    onDemandCode: 'doppel.resource.type.asset.storage',
  },
  live_minutes: {
    business: 'LIVE_2D',
    unit: 'HOUR',
    basePerUnit: 60,
    onDemandCode: 'doppel.resource.type.live.duration',
  },
  dialog_minutes: {
    business: 'CHAT_2D',
    unit: 'MIN',
    basePerUnit: 1,
    onDemandCode: 'doppel.resource.type.chat.duration',
  },
  avatar_modeling_jobs: {
    business: 'MODELING_2D',
    unit: 'NUM',
    basePerUnit: 1,
    onDemandCode: 'doppel.resource.type.avatarmodeling.ondemand',
  },
  voice_modeling_jobs: {
    business: 'VOICE_CLONE',
    unit: 'NUM',
    basePerUnit: 1,
    onDemandCode: 'doppel.resource.type.voicemodeling.ondemand',
  },
};

/** A resource type a tenant can order: one subscription gives `units` of the metric's unit. */
export interface PackageSpec {
  metric: UsageMetric;
  units: number;
}

export const PACKAGE_SPECS: Record<string, PackageSpec> = {
  // MetaStudio's codes (API reference, "Resource Types").
  'hws.resource.type.metastudio.avatarmodeling.videopacket': { metric: 'video_seconds', units: 60 },
  'hws.resource.type.metastudio.modeling.avatarvideo.smb.duration60': { metric: 'video_seconds', units: 60 },
  'hws.resource.type.metastudio.avatarmodeling.number': { metric: 'avatar_modeling_jobs', units: 1 },
  'hws.resource.type.metastudio.modeling.voice.onebasic': { metric: 'voice_modeling_jobs', units: 1 },
  'hws.resource.type.metastudio.modeling.voice.onemiddle': { metric: 'voice_modeling_jobs', units: 1 },
  'hws.resource.type.metastudio.modeling.voice.advance': { metric: 'voice_modeling_jobs', units: 1 },
  // Doppel's codes for what MetaStudio sells without a published code.
  'doppel.resource.type.tts.tenthousandwords': { metric: 'tts_characters', units: 1 },
  'doppel.resource.type.asset.storage.gb': { metric: 'storage_bytes', units: 1 },
  'doppel.resource.type.live.hour': { metric: 'live_minutes', units: 1 },
  'doppel.resource.type.chat.minute': { metric: 'dialog_minutes', units: 1 },
};
