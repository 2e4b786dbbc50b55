// The voices that ship with Doppel: VOICE_MODEL system assets with no file (ERRATA 28). Each
// one's asset_extra_meta carries the contract's `voice_model_meta` (what a client reads) and
// Doppel's own `doppel_voice` (a speech VoiceSpec: which engine speaks it and how), which the
// TTS module reads to synthesise. `doppel_voice` is stored, never serialised: the contract's
// AssetExtraMeta has no such field, so ShowAsset/ListAssets leave it out.
//
// The built-in eSpeak NG voices differ by base voice (cmn; en-us; en, which is eSpeak's British
// English; en-gb-x-rp), variant (the
// formant set: m3, f2, klatt…), base pitch (espeak 0–99, 50 neutral) and base rate (words per
// minute at speed 100). To add one: a new entry with new fixed ids; restart.
import type { VoiceModelAssetMeta } from '../../contract/generated/types.ts';

export interface SystemVoiceEntry {
  /** Fixed forever: scripts and jobs keep it. 32 lowercase hex. */
  assetId: string;
  name: string;
  description: string;
  tags: string[];
  meta: VoiceModelAssetMeta;
  voice: {
    engine: string;
    language: string;
    params: Record<string, string | number>;
  };
}

const capability: NonNullable<VoiceModelAssetMeta['voice_capability']> = {
  is_support_phoneme: true,
  is_support_phoneme_en: true,
  is_support_break_time: true,
  is_support_speed: true,
  is_support_prosody: true,
  is_support_ssml_say_as: true,
  is_support_ssml_sub: true,
  is_support_word: true,
  is_support_srt: true,
};

const meta = (
  order: number,
  sex: 'MALE' | 'FEMALE',
  language: 'CN' | 'EN',
  style: string,
  age: string,
): VoiceModelAssetMeta => ({
  order,
  model_type: 'COMMON',
  sex,
  language,
  languages: language === 'CN' ? ['CN', 'EN'] : ['EN'],
  is_realtime_voice: true,
  style,
  age,
  voice_capability: capability,
});

const espeak = (language: string, voice: string, variant: string, pitch: number, rate: number) => ({
  engine: 'espeak',
  language,
  params: { voice, variant, pitch, rate },
});

export const SYSTEM_VOICES: readonly SystemVoiceEntry[] = [
  {
    assetId: '7e1a4c2b9d3f4e58a6b0c1d2e3f40a01',
    name: '晓晴 Xiaoqing',
    description: 'Mandarin, female, warm and gentle; for customer service and explainers.',
    tags: ['voice', 'zh', 'mandarin', 'female', 'gentle', 'system'],
    meta: meta(1, 'FEMALE', 'CN', 'gentle', 'young adult'),
    voice: espeak('zh', 'cmn', 'f2', 56, 165),
  },
  {
    assetId: '7e1a4c2b9d3f4e58a6b0c1d2e3f40a02',
    name: '云峰 Yunfeng',
    description: 'Mandarin, male, steady and clear; for news and announcements.',
    tags: ['voice', 'zh', 'mandarin', 'male', 'news', 'system'],
    meta: meta(2, 'MALE', 'CN', 'news', 'adult'),
    voice: espeak('zh', 'cmn', 'm3', 42, 160),
  },
  {
    assetId: '7e1a4c2b9d3f4e58a6b0c1d2e3f40a03',
    name: '小悦 Xiaoyue',
    description: 'Mandarin, female, bright and lively; for e-commerce livestreams.',
    tags: ['voice', 'zh', 'mandarin', 'female', 'lively', 'system'],
    meta: meta(3, 'FEMALE', 'CN', 'lively', 'young'),
    voice: espeak('zh', 'cmn', 'f4', 66, 190),
  },
  {
    assetId: '7e1a4c2b9d3f4e58a6b0c1d2e3f40a04',
    name: '老陈 Laochen',
    description: 'Mandarin, male, low and unhurried; for storytelling and narration.',
    tags: ['voice', 'zh', 'mandarin', 'male', 'narration', 'system'],
    meta: meta(4, 'MALE', 'CN', 'narration', 'senior'),
    voice: espeak('zh', 'cmn', 'klatt3', 30, 145),
  },
  {
    assetId: '7e1a4c2b9d3f4e58a6b0c1d2e3f40a05',
    name: 'Emma',
    description: 'American English, female, friendly and upbeat; for product demos.',
    tags: ['voice', 'en', 'en-us', 'female', 'friendly', 'system'],
    meta: meta(5, 'FEMALE', 'EN', 'friendly', 'young adult'),
    voice: espeak('en', 'en-us', 'f2', 58, 175),
  },
  {
    assetId: '7e1a4c2b9d3f4e58a6b0c1d2e3f40a06',
    name: 'James',
    description: 'British English, male, calm and formal; for training and corporate videos.',
    tags: ['voice', 'en', 'en-gb', 'male', 'formal', 'system'],
    meta: meta(6, 'MALE', 'EN', 'formal', 'adult'),
    voice: espeak('en', 'en', 'm3', 40, 165),
  },
  {
    assetId: '7e1a4c2b9d3f4e58a6b0c1d2e3f40a07',
    name: 'Olivia',
    description: 'British English (received pronunciation), female, crisp and quick; for news reading.',
    tags: ['voice', 'en', 'en-gb', 'female', 'news', 'system'],
    meta: meta(7, 'FEMALE', 'EN', 'news', 'adult'),
    voice: espeak('en', 'en-gb-x-rp', 'f4', 62, 185),
  },
  {
    assetId: '7e1a4c2b9d3f4e58a6b0c1d2e3f40a08',
    name: 'Max',
    description: 'American English, male, deep and slow; for narration and trailers.',
    tags: ['voice', 'en', 'en-us', 'male', 'narration', 'system'],
    meta: meta(8, 'MALE', 'EN', 'narration', 'adult'),
    voice: espeak('en', 'en-us', 'm7', 28, 150),
  },
];
