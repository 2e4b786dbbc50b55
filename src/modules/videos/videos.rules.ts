// Pure rules of 2D video jobs: how a request merges with its script (§4.2: explicit fields win),
// the documented limits (§5: resolutions, 25 fps, codecs, scenes and text), and how the
// contract's video, layer, background and subtitle settings become render settings. No I/O.

import type {
  BackgroundConfigInfo,
  Create2DDigitalHumanVideoReq,
  LayerConfig,
  ShootScriptItem,
  SubtitleConfig,
  VideoConfig,
} from '../../contract/generated/types.ts';
import { type CallbackConfigInput, callbackTargetOf } from '../../core/net/callback.ts';
import type { OutputFormat } from '../../engines/render/compose-args.ts';
import type { SubtitleStyle } from '../../engines/render/subtitles-ass.ts';
import type { Prosody } from '../../engines/speech/types.ts';
import { checkAssetName } from '../assets/index.ts';
import { prosodyOf } from '../tts/index.ts';
import { checkScenes, type ScriptDoc } from '../video-scripts/video-scripts.rules.ts';
import { VideoErrors } from './videos.errors.ts';

/** Output sizes for clip_mode RESIZE (SEMANTICS §5); 4K needs a 4K avatar model. */
export const RESIZE_SIZES: ReadonlyArray<readonly [number, number]> = [
  [1920, 1080],
  [1080, 1920],
  [1280, 720],
  [720, 1280],
];
export const UHD_SIZES: ReadonlyArray<readonly [number, number]> = [
  [3840, 2160],
  [2160, 3840],
];
export const MAX_OUTPUT_NAME = 256;
/** The QTRLE whitelist limits (§5): text under 1500 characters, audio under 5 minutes. */
export const QTRLE_MAX_TEXT = 1500;
export const QTRLE_MAX_AUDIO_SEC = 300;
export const MIN_BITRATE = 40;
export const MAX_BITRATE = 30_000;

/** What a job renders, resolved at create time and stored on the job row. */
export interface VideoJobRequest {
  script_id?: string;
  model_asset_id: string;
  voice_config?: Create2DDigitalHumanVideoReq['voice_config'];
  video_config: VideoConfig;
  shoot_scripts: ShootScriptItem[];
  output_asset_config: { asset_name: string };
  background_music_config?: Create2DDigitalHumanVideoReq['background_music_config'];
  callback_config?: Create2DDigitalHumanVideoReq['callback_config'];
  review_config?: Create2DDigitalHumanVideoReq['review_config'];
  action_config?: Create2DDigitalHumanVideoReq['action_config'];
}

const MERGED_KEYS = [
  'model_asset_id',
  'voice_config',
  'video_config',
  'shoot_scripts',
  'background_music_config',
  'review_config',
  'action_config',
] as const;

/** The request with the script's fields filling in what the request leaves out (§4.2). */
export function mergeWithScript(
  req: Create2DDigitalHumanVideoReq,
  script: ScriptDoc | undefined,
  defaultName: string,
): VideoJobRequest {
  const out: Record<string, unknown> = {};
  for (const k of MERGED_KEYS) {
    const v = req[k] ?? script?.[k];
    if (v !== undefined) out[k] = v;
  }
  if (!out.model_asset_id)
    throw VideoErrors.invalid('model_asset_id is required (in the request or its script)');
  if (!out.video_config) throw VideoErrors.invalid('video_config is required (in the request or its script)');
  if (!out.shoot_scripts)
    throw VideoErrors.invalid('shoot_scripts is required (in the request or its script)');
  const name = req.output_asset_config?.asset_name ?? script?.script_name ?? defaultName;
  return {
    ...(req.script_id ? { script_id: req.script_id } : {}),
    ...(out as Omit<VideoJobRequest, 'output_asset_config'>),
    output_asset_config: { asset_name: name },
    ...(req.callback_config ? { callback_config: req.callback_config } : {}),
  };
}

/** Every limit a job request must meet before it is accepted; returns it with scenes numbered and in order. */
/** A job's callback_config, by the rule every job shares (core/net/callback.ts); 400 when wrong. */
export function checkCallbackConfig(cfg: CallbackConfigInput | null | undefined): void {
  try {
    callbackTargetOf(cfg);
  } catch (e) {
    throw VideoErrors.invalid((e as Error).message);
  }
}

export function checkVideoRequest(req: VideoJobRequest): VideoJobRequest {
  const at = (f: string) => `video_config.${f}`;
  const vc = req.video_config;
  const mode = vc.clip_mode ?? 'RESIZE';
  if (mode === 'RESIZE') {
    const fits = RESIZE_SIZES.some(([w, h]) => w === vc.width && h === vc.height);
    if (!fits) {
      if (UHD_SIZES.some(([w, h]) => w === vc.width && h === vc.height))
        throw VideoErrors.invalid(
          `${at('width')}×height ${vc.width}×${vc.height} needs a 4K avatar model; the avatar is not 4K`,
        );
      throw VideoErrors.invalid(
        `${at('width')}×height must be one of ${RESIZE_SIZES.map(([w, h]) => `${w}×${h}`).join(', ')} (got ${vc.width}×${vc.height})`,
      );
    }
  } else if (
    vc.width < 2 ||
    vc.height < 2 ||
    vc.width > 3840 ||
    vc.height > 3840 ||
    vc.width % 2 ||
    vc.height % 2
  ) {
    throw VideoErrors.invalid(`${at('width')} and height must be even numbers of pixels, 2–3840, for CROP`);
  }
  if (vc.frame_rate !== undefined && vc.frame_rate !== '25')
    throw VideoErrors.invalid(
      `${at('frame_rate')}: 2D avatar video is fixed at 25 fps (got ${vc.frame_rate})`,
    );
  if (vc.codec === 'VP9')
    throw VideoErrors.invalid(`${at('codec')}: VP9 is not supported; use H264, VP8 or QTRLE`);
  if (!Number.isInteger(vc.bitrate) || vc.bitrate < MIN_BITRATE || vc.bitrate > MAX_BITRATE)
    throw VideoErrors.invalid(`${at('bitrate')} must be ${MIN_BITRATE}–${MAX_BITRATE} kbps`);
  if (vc.output_external_url) throw VideoErrors.invalid(`${at('output_external_url')} is not supported`);
  const name = req.output_asset_config.asset_name;
  if (name.trim() === '' || [...name].length > MAX_OUTPUT_NAME)
    throw VideoErrors.invalid(`output_asset_config.asset_name must be 1-${MAX_OUTPUT_NAME} characters`);
  // The rules of CreateDigitalAsset, which owns asset names: refused now, not after the render.
  checkAssetName('output_asset_config.asset_name', name);
  checkCallbackConfig(req.callback_config);

  const scenes = checkScenes(req.shoot_scripts, VideoErrors.invalid);
  const hasText = scenes.some((s) => (s.shoot_script?.script_type ?? 'TEXT') === 'TEXT');
  if (hasText && !req.voice_config?.voice_asset_id)
    throw VideoErrors.invalid('voice_config.voice_asset_id is required when a scene is driven by text');
  for (const [i, s] of scenes.entries()) checkSceneForVideo(s, `shoot_scripts[${i}].shoot_script`, vc.codec);
  const music = req.background_music_config;
  if (music?.volume !== undefined && (music.volume < 0 || music.volume > 100))
    throw VideoErrors.invalid('background_music_config.volume must be 0–100 (%)');
  return { ...req, shoot_scripts: [...scenes].sort((a, b) => (a.sequence_no ?? 0) - (b.sequence_no ?? 0)) };
}

function checkSceneForVideo(item: ShootScriptItem, at: string, codec: VideoConfig['codec']): void {
  const scene = item.shoot_script ?? {};
  const bgs = scene.background_config ?? [];
  for (const [j, bg] of bgs.entries()) {
    const f = `${at}.background_config[${j}]`;
    if (bg.background_type === 'AUDIO')
      throw VideoErrors.invalid(
        `${f}: an AUDIO background is not supported in video; use background_music_config`,
      );
    if (bg.background_type !== 'COLOR' && !bg.background_asset_id)
      throw VideoErrors.invalid(
        `${f}: a ${bg.background_type} background needs background_asset_id (external URLs are for live rooms only)`,
      );
    if (bg.background_type === 'COLOR')
      colorOf(bg.background_color_config ?? '', `${f}.background_color_config`);
  }
  for (const [j, layer] of (scene.layer_config ?? []).entries()) {
    const f = `${at}.layer_config[${j}]`;
    if ((layer.layer_type === 'IMAGE' || layer.layer_type === 'VIDEO') && !layer.asset_id)
      throw VideoErrors.invalid(
        `${f}: an ${layer.layer_type} layer needs asset_id (an ${layer.layer_type} asset)`,
      );
    if (layer.layer_type === 'TEXT' && !layer.text_config?.text_context?.trim())
      throw VideoErrors.invalid(`${f}: a TEXT layer needs text_config.text_context`);
    if (
      layer.layer_type !== 'HUMAN' &&
      layer.layer_type !== 'TEXT' &&
      !layer.size?.width &&
      !layer.size?.height
    )
      throw VideoErrors.invalid(`${f}: size.width or size.height is required`);
  }
  if (codec === 'QTRLE' && [...(scene.text_config?.text ?? '')].length >= QTRLE_MAX_TEXT)
    throw VideoErrors.invalid(
      `${at}.text_config.text: QTRLE output takes under ${QTRLE_MAX_TEXT} characters per scene`,
    );
  if ((scene.script_type ?? 'TEXT') === 'AUDIO' && scene.audio_drive_file_external_url)
    throw VideoErrors.invalid(
      `${at}.audio_drive_file_external_url is not supported; upload the audio to the script`,
    );
}

/** '#RRGGBB', 'RRGGBB' or 'R,G,B' → '#RRGGBB'; 400 otherwise. */
export function colorOf(value: string, field: string): string {
  const v = value.trim();
  const hex = /^#?([0-9a-f]{6})$/i.exec(v);
  if (hex) return `#${hex[1].toUpperCase()}`;
  const rgb = /^(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})$/.exec(v);
  if (rgb?.slice(1).every((c) => Number(c) <= 255))
    return `#${rgb
      .slice(1)
      .map((c) => Number(c).toString(16).padStart(2, '0'))
      .join('')
      .toUpperCase()}`;
  throw VideoErrors.invalid(`${field} must be a colour like #1A2B3C or 26,43,60 (got "${value}")`);
}

export function outputFormatOf(codec: VideoConfig['codec']): OutputFormat {
  return codec === 'VP8' ? 'webm' : codec === 'QTRLE' ? 'mov' : 'mp4';
}

export function prosodyOfVoice(v: VideoJobRequest['voice_config']): Prosody {
  return prosodyOf(v ?? {});
}

/** Background music volume 0–100 % → dB under the speech (absent: −18 dB; 0: no music). */
export function musicVolumeDb(volume: number | undefined): number | undefined {
  if (volume === undefined) return -18;
  if (volume <= 0) return undefined;
  return Math.round(20 * Math.log10(volume / 100) * 10) / 10;
}

/** The contract's subtitle settings → the renderer's style (fields left out keep its defaults). */
export function subtitleStyleOf(
  cfg: SubtitleConfig | undefined,
  size: { width: number; height: number },
): Partial<SubtitleStyle> {
  if (!cfg) return {};
  const style: Partial<SubtitleStyle> = {};
  if (cfg.font_size !== undefined && cfg.font_size > 0) style.fontSize = Math.min(120, cfg.font_size);
  if (cfg.font_color) style.color = colorOf(cfg.font_color, 'video_config.subtitle_config.font_color');
  if (cfg.stroke_color)
    style.strokeColor = colorOf(cfg.stroke_color, 'video_config.subtitle_config.stroke_color');
  if (cfg.stroke_thickness !== undefined) style.strokeWidth = Math.min(50, Math.max(0, cfg.stroke_thickness));
  if (cfg.dy !== undefined && cfg.h !== undefined)
    style.bottomPercent = Math.max(0, Math.min(90, ((size.height - cfg.dy - cfg.h) / size.height) * 100));
  if (cfg.w !== undefined && cfg.w > 0) style.boxWidthPercent = Math.min(100, (cfg.w / size.width) * 100);
  return style;
}

/** Where the scene's background comes from: a colour, or an asset to download. */
export type SceneBackground = { color: string } | { assetId: string; kind: 'image' | 'video' };

export function sceneBackground(bgs: BackgroundConfigInfo[] | undefined): SceneBackground {
  const bg = bgs?.[0];
  if (!bg) return { color: '#F0F0F0' };
  if (bg.background_type === 'COLOR')
    return { color: colorOf(bg.background_color_config ?? '', 'background_color_config') };
  return {
    assetId: bg.background_asset_id as string,
    kind: bg.background_type === 'VIDEO' ? 'video' : 'image',
  };
}

/** Avatar placement from the scene's HUMAN layer (position = top-left, size → scale), if any. */
export function humanPlacement(
  layers: LayerConfig[] | undefined,
  canvas: { width: number; height: number },
): { x: number; y: number; scale: number; z: number } | undefined {
  const human = layers?.find((l) => l.layer_type === 'HUMAN');
  if (!human?.position && !human?.size) return undefined;
  const { width, height } = human.size ?? {};
  const scale = height ? height / canvas.height : width ? width / canvas.width : 1;
  return {
    x: human.position?.dx ?? 0,
    y: human.position?.dy ?? 0,
    scale,
    z: human.position?.layer_index ?? 0,
  };
}

/** A layer's box in output pixels; a missing side keeps the source's aspect ratio. */
export function layerBox(
  layer: LayerConfig,
  source: { width: number; height: number },
): { x: number; y: number; width: number; height: number; z: number } {
  let { width, height } = layer.size ?? {};
  if (!width && height) width = Math.round((height * source.width) / source.height);
  if (!height && width) height = Math.round((width * source.height) / source.width);
  return {
    x: layer.position?.dx ?? 0,
    y: layer.position?.dy ?? 0,
    width: width ?? source.width,
    height: height ?? source.height,
    z: layer.position?.layer_index ?? 1,
  };
}
