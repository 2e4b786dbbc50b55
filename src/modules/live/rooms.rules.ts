// Pure rules for smart live rooms: the request → the stored room document, with the live
// limits of SEMANTICS.md §4.3 / §5 checked and the defaults filled, plus the references the
// service must resolve (assets, products, rule libraries, the platform). No I/O; unit-tested.
import type {
  BackgroundConfigInfo,
  CreateSmartLiveRoomReq,
  LayerConfig,
  LiveShootScriptItem,
  LiveVideoScriptInfo,
  PlayPolicy,
  VideoConfig,
} from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { checkInteractionRules, type LiveInteractionRule } from './interaction-rules.rules.ts';
import { LiveErrors } from './live.errors.ts';
import { type AssetRef, chars, checkHttpUrl, checkPlainText, checkRtmpUrl } from './live.text.ts';

export const MAX_SCENES = 100;
export const MAX_PARAGRAPHS = 1000;
/** A paragraph's spoken text must stay under 2000 characters (under 3000 with SSML markup). */
export const MAX_PARAGRAPH_TEXT = 2000;
export const MAX_PARAGRAPH_SSML = 3000;
/** A text scene's paragraphs must total more than 200 characters. */
export const MIN_SCENE_TEXT = 200;
/** The whole room, SSML markup included, stays under 300,000 characters. */
export const MAX_ROOM_TEXT = 300_000;
/** An audio-driven scene must run longer than a minute. */
export const MIN_SCENE_AUDIO_SEC = 60;
export const MAX_BACKUP_MODELS = 5;
export const MAX_VIDEO_OVERLAYS = 3;
export const LIVE_RESOLUTIONS = ['1920x1080', '1080x1920'] as const;
export const MIN_BITRATE = 1000;
export const MAX_BITRATE = 8000;
export const DEFAULT_BITRATE = 4000;
export const LIVE_EVENT_CALLBACK_TYPES = [
  'SHOOT_SCRIPT_SWITCH',
  'RTMP_STREAM_STATE_CHANGE',
  'REPLY_COMMAND_FINISH',
] as const;
export const RTC_CALLBACK_TYPES = ['live_progress_notify', 'reply_command_finish_notify'] as const;

/** A paragraph as stored: numbered. */
export type LiveParagraph = LiveShootScriptItem & { sequence_no: number };
/** A scene as stored: it has an id and numbered paragraphs. */
export type LiveSceneScript = Omit<LiveVideoScriptInfo, 'shoot_scripts'> & {
  script_id: string;
  shoot_scripts: LiveParagraph[];
};

/** play_policy with every default filled (what a job starts from unless it overrides it). */
export interface LivePlayPolicy extends PlayPolicy {
  repeat_count: number;
  auto_play_script: boolean;
  play_mode: 'TEXT' | 'AUDIO' | 'NO_PRESET';
  random_play_mode: 'NONE' | 'SCENE' | 'SCRIPT_ITEM' | 'SCENE_AND_SCRIPT_ITEM';
  is_rewrite_delay: boolean;
  need_independent_capture_client: boolean;
  live_exit_config: {
    max_live_duration: number;
    auto_stop_mode: 'FORCE_EXIT' | 'SEGMENT_END' | 'SCENE_END' | 'SCRIPT_END';
    max_exception_waiting_duration: number;
  };
}

/** The stored body of a room: the request, validated and normalised. */
export interface LiveRoomBody
  extends Omit<
    CreateSmartLiveRoomReq,
    'scene_scripts' | 'interaction_rules' | 'play_policy' | 'video_config' | 'room_type' | 'view_mode'
  > {
  room_type: 'NORMAL' | 'TEMP' | 'TEMPLATE';
  view_mode: 'LANDSCAPE' | 'VERTICAL';
  room_description: string;
  scene_scripts: LiveSceneScript[];
  interaction_rules: LiveInteractionRule[];
  play_policy: LivePlayPolicy;
  video_config: VideoConfig & { codec: 'H264'; frame_rate: '25' };
  output_urls: string[];
  stream_keys: string[];
  backup_model_asset_ids: string[];
}

/** What the service must look up before the body can be stored. */
export interface RoomRefs {
  assets: AssetRef[];
  /** Audio assets by scene index, for the per-scene duration rule. */
  sceneAudioAssets: Array<{ scene: number; assetIds: string[]; allAssets: boolean }>;
  /** Image and video assets, for the ≤ 1080p / ≤ 30 fps media rule. */
  mediaAssets: AssetRef[];
  products: Array<{ field: string; productId: string; at: [number, number] }>;
  ruleGroups: Array<{ field: string; groupId: string; rule: number }>;
  platformId?: string;
}

const bad = (why: string) => LiveErrors.invalid(why);
const isSsml = (text: string): boolean => /^\s*<speak[\s>]/i.test(text);
const spoken = (text: string): string => (isSsml(text) ? text.replace(/<[^>]*>/g, '') : text);

/** Which drive a paragraph plays with: audio when the mode is AUDIO or it has no text. */
export function paragraphDrive(
  p: LiveShootScriptItem,
  playMode: LivePlayPolicy['play_mode'],
): 'TEXT' | 'AUDIO' {
  const hasAudio = Boolean(p.audio_config?.asset_id || p.audio_config?.audio_url);
  if (playMode === 'AUDIO') return 'AUDIO';
  return p.text_config?.text !== undefined && p.text_config.text.trim() !== ''
    ? 'TEXT'
    : hasAudio
      ? 'AUDIO'
      : 'TEXT';
}

export function playPolicyOf(p: PlayPolicy | undefined): LivePlayPolicy {
  const exit = p?.live_exit_config;
  return {
    ...p,
    repeat_count: p?.repeat_count ?? -1,
    auto_play_script: p?.auto_play_script ?? true,
    play_mode: p?.play_mode ?? 'TEXT',
    random_play_mode: p?.random_play_mode ?? 'NONE',
    is_rewrite_delay: p?.is_rewrite_delay ?? false,
    need_independent_capture_client: p?.need_independent_capture_client ?? false,
    live_exit_config: {
      max_live_duration: exit?.max_live_duration ?? 0,
      auto_stop_mode: exit?.auto_stop_mode ?? 'FORCE_EXIT',
      max_exception_waiting_duration: exit?.max_exception_waiting_duration ?? 3,
    },
  };
}

/** Live output: 1920×1080 or 1080×1920, H.264 at 25 fps, 1000–8000 kbps, no subtitles. */
export function videoConfigOf(
  v: VideoConfig | undefined,
  viewMode: 'LANDSCAPE' | 'VERTICAL' | undefined,
  field = 'video_config',
): { video: LiveRoomBody['video_config']; viewMode: 'LANDSCAPE' | 'VERTICAL' } {
  if (!v) {
    const vertical = viewMode === 'VERTICAL';
    return {
      video: {
        codec: 'H264',
        frame_rate: '25',
        bitrate: DEFAULT_BITRATE,
        width: vertical ? 1080 : 1920,
        height: vertical ? 1920 : 1080,
      },
      viewMode: viewMode ?? 'LANDSCAPE',
    };
  }
  const size = `${v.width}x${v.height}`;
  if (!(LIVE_RESOLUTIONS as readonly string[]).includes(size))
    throw bad(`${field}: a live stream is 1920x1080 or 1080x1920, not ${size}`);
  if (v.bitrate < MIN_BITRATE || v.bitrate > MAX_BITRATE)
    throw bad(`${field}.bitrate ${v.bitrate}: live bitrate is ${MIN_BITRATE}-${MAX_BITRATE} kbps`);
  if (v.codec !== undefined && v.codec !== 'H264')
    throw bad(`${field}.codec ${v.codec}: a live stream is H264`);
  if (v.frame_rate !== undefined && v.frame_rate !== '25')
    throw bad(`${field}.frame_rate ${v.frame_rate}: a live stream is 25 fps`);
  if (v.is_subtitle_enable || v.subtitle_config) throw bad(`${field}: live streams carry no subtitles`);
  if (v.output_external_url !== undefined)
    throw bad(`${field}.output_external_url is for video production, not live`);
  const orientation = v.width > v.height ? 'LANDSCAPE' : 'VERTICAL';
  if (viewMode !== undefined && viewMode !== orientation)
    throw bad(`view_mode ${viewMode} does not match ${field} ${size}`);
  return { video: { ...v, codec: 'H264', frame_rate: '25' }, viewMode: orientation };
}

/**
 * A create or update request → the body to store, and what must be looked up. `keep` carries
 * the ids of scenes a previous version had (by name), so an update keeps them stable.
 */
export function roomBodyFromRequest(
  req: CreateSmartLiveRoomReq,
  keep: { sceneIds?: ReadonlyMap<string, string> } = {},
): { body: LiveRoomBody; refs: RoomRefs } {
  checkPlainText(req.room_name, 'room_name');
  if (req.room_description !== undefined)
    checkPlainText(req.room_description, 'room_description', { allowEmpty: true, multiline: true });
  if (req.priv_data !== undefined)
    checkPlainText(req.priv_data, 'priv_data', { allowEmpty: true, multiline: true });
  const refs: RoomRefs = { assets: [], sceneAudioAssets: [], mediaAssets: [], products: [], ruleGroups: [] };
  const policy = playPolicyOf(req.play_policy);
  const { video, viewMode } = videoConfigOf(req.video_config, req.view_mode);
  const scenes = checkScenes(req.scene_scripts ?? [], policy, refs, keep.sceneIds);
  const { rules, assetRefs } = checkInteractionRules(req.interaction_rules ?? [], {
    at: 'interaction_rules',
    sceneNames: new Set(scenes.map((s) => s.script_name)),
    hasCoStreamer: req.co_streamer_config !== undefined,
  });
  refs.assets.push(...assetRefs);
  for (const [i, r] of rules.entries()) {
    if (r.group_id)
      refs.ruleGroups.push({ field: `interaction_rules[${i}].group_id`, groupId: r.group_id, rule: i });
    else if (r.group_name !== undefined) throw bad(`interaction_rules[${i}].group_name needs group_id`);
  }
  const outputs = checkOutputs(req.output_urls ?? [], req.stream_keys ?? [], 'output_urls', 'stream_keys');
  const backups = req.backup_model_asset_ids ?? [];
  if (backups.length > MAX_BACKUP_MODELS)
    throw bad(`backup_model_asset_ids: at most ${MAX_BACKUP_MODELS} hosts, got ${backups.length}`);
  if (new Set(backups).size !== backups.length) throw bad('backup_model_asset_ids: an id is repeated');
  for (const [i, id] of backups.entries())
    refs.assets.push({ field: `backup_model_asset_ids[${i}]`, assetId: id, types: ['HUMAN_MODEL_2D'] });
  if (req.live_event_callback_config) checkEventCallbackConfig(req.live_event_callback_config);
  for (const [i, t] of (req.rtc_callback_config?.rtc_callback_event_type ?? []).entries())
    if (!(RTC_CALLBACK_TYPES as readonly string[]).includes(t))
      throw bad(
        `rtc_callback_config.rtc_callback_event_type[${i}] ${t}: one of ${RTC_CALLBACK_TYPES.join(', ')}`,
      );
  const coVoice = req.co_streamer_config?.voice_config?.voice_asset_id;
  if (coVoice)
    refs.assets.push({
      field: 'co_streamer_config.voice_config.voice_asset_id',
      assetId: coVoice,
      types: ['VOICE_MODEL'],
    });
  if (req.relation_live_platform_info) {
    const { platform_id, live_id } = req.relation_live_platform_info;
    if (!platform_id) throw bad('relation_live_platform_info.platform_id is required');
    if (!live_id) throw bad('relation_live_platform_info.live_id is required');
    refs.platformId = platform_id;
  }
  if (req.live_event_callback_config?.is_inheritance_platform_callback && !refs.platformId)
    throw bad(
      'live_event_callback_config.is_inheritance_platform_callback needs relation_live_platform_info',
    );
  const body: LiveRoomBody = {
    ...req,
    room_type: req.room_type ?? 'NORMAL',
    view_mode: viewMode,
    room_description: req.room_description ?? '',
    scene_scripts: scenes,
    interaction_rules: rules,
    play_policy: policy,
    video_config: video,
    output_urls: outputs.urls,
    stream_keys: outputs.keys,
    backup_model_asset_ids: backups,
  };
  return { body, refs };
}

/** One RTMP target at most: rtmp:// or rtmps://, and a stream key only with a URL. */
export function checkOutputs(
  urls: readonly string[],
  keys: readonly string[],
  urlField: string,
  keyField: string,
): { urls: string[]; keys: string[] } {
  if (urls.length > 1) throw bad(`${urlField}: a live stream has one RTMP target, got ${urls.length}`);
  if (keys.length > 1) throw bad(`${keyField}: one stream key at most, got ${keys.length}`);
  if (keys.length > urls.length) throw bad(`${keyField} needs ${urlField}`);
  for (const [i, u] of urls.entries()) checkRtmpUrl(u, `${urlField}[${i}]`);
  for (const [i, k] of keys.entries()) {
    checkPlainText(k, `${keyField}[${i}]`);
    if (chars(k) > 1024) throw bad(`${keyField}[${i}] is longer than 1024 characters`);
  }
  return { urls: [...urls], keys: [...keys] };
}

/** A room's (or a job's) live_event_callback_config; the job's has no inheritance flag. */
export function checkEventCallbackConfig(
  c: NonNullable<CreateSmartLiveRoomReq['live_event_callback_config']>,
  at = 'live_event_callback_config',
): void {
  if (c.live_event_type_callback_url)
    checkHttpUrl(c.live_event_type_callback_url, `${at}.live_event_type_callback_url`);
  if (c.auth_type === 'MEITUAN_DEFAULT')
    throw bad(
      `${at}.auth_type MEITUAN_DEFAULT is for the Meituan platform, which Doppel does not connect to`,
    );
  if ((c.auth_type === 'MSS_A' || c.auth_type === 'MSS_A_HEAD') && !c.key)
    throw bad(`${at}.auth_type ${c.auth_type} needs key`);
  if (c.key) checkPlainText(c.key, `${at}.key`);
  const types = c.callback_event_type ?? [];
  for (const [i, t] of types.entries())
    if (!(LIVE_EVENT_CALLBACK_TYPES as readonly string[]).includes(t))
      throw bad(`${at}.callback_event_type[${i}] ${t}: one of ${LIVE_EVENT_CALLBACK_TYPES.join(', ')}`);
  if (new Set(types).size !== types.length) throw bad(`${at}.callback_event_type: a type is repeated`);
  if (types.length > 0 && !c.live_event_type_callback_url && !c.is_inheritance_platform_callback)
    throw bad(`${at}.callback_event_type needs live_event_type_callback_url`);
}

/**
 * Scene scripts: unique names, a model per scene, numbered paragraphs with the text and audio
 * limits; also used for REWRITE_PLAY_SCRIPT. `refs` collects what must be looked up.
 */
export function checkScenes(
  scenes: readonly LiveVideoScriptInfo[],
  policy: LivePlayPolicy,
  refs: RoomRefs,
  keepIds?: ReadonlyMap<string, string>,
  at = 'scene_scripts',
): LiveSceneScript[] {
  if (scenes.length > MAX_SCENES) throw bad(`${at}: at most ${MAX_SCENES} scenes, got ${scenes.length}`);
  if (scenes.length === 0 && policy.play_mode !== 'NO_PRESET')
    throw bad(`${at}: a room needs at least one scene (or play_policy.play_mode NO_PRESET)`);
  const names = new Set<string>();
  const ids = new Set<string>();
  let roomText = 0;
  const out = scenes.map((s, i) => {
    const f = `${at}[${i}]`;
    checkPlainText(s.script_name, `${f}.script_name`);
    if (names.has(s.script_name)) throw bad(`${f}.script_name "${s.script_name}" is repeated`);
    names.add(s.script_name);
    if (s.script_description !== undefined)
      checkPlainText(s.script_description, `${f}.script_description`, { allowEmpty: true, multiline: true });
    const scriptId = s.script_id ?? keepIds?.get(s.script_name) ?? newId();
    checkPlainText(scriptId, `${f}.script_id`);
    if (ids.has(scriptId)) throw bad(`${f}.script_id ${scriptId} is repeated`);
    ids.add(scriptId);
    if (!s.model_asset_id) throw bad(`${f}.model_asset_id is required (the avatar that hosts the scene)`);
    refs.assets.push({ field: `${f}.model_asset_id`, assetId: s.model_asset_id, types: ['HUMAN_MODEL_2D'] });
    if (s.voice_config?.voice_asset_id)
      refs.assets.push({
        field: `${f}.voice_config.voice_asset_id`,
        assetId: s.voice_config.voice_asset_id,
        types: ['VOICE_MODEL'],
      });
    for (const [j, bg] of (s.background_config ?? []).entries())
      checkBackground(bg, `${f}.background_config[${j}]`, refs);
    checkLayers(s.layer_config ?? [], `${f}.layer_config`, refs);
    const { paragraphs, text } = checkParagraphs(s.shoot_scripts, `${f}.shoot_scripts`, policy, refs, i);
    roomText += text;
    return { ...s, script_id: scriptId, shoot_scripts: paragraphs };
  });
  if (roomText >= MAX_ROOM_TEXT)
    throw bad(`${at}: the room's text totals ${roomText} characters; it must stay under ${MAX_ROOM_TEXT}`);
  return out;
}

function checkParagraphs(
  items: readonly LiveShootScriptItem[],
  at: string,
  policy: LivePlayPolicy,
  refs: RoomRefs,
  scene: number,
): { paragraphs: LiveParagraph[]; text: number } {
  if (items.length > MAX_PARAGRAPHS)
    throw bad(`${at}: at most ${MAX_PARAGRAPHS} paragraphs, got ${items.length}`);
  if (items.length === 0 && policy.play_mode !== 'NO_PRESET')
    throw bad(`${at}: a scene needs at least one paragraph`);
  const seen = new Set<number>();
  let sceneSpoken = 0;
  let raw = 0;
  let textParagraphs = 0;
  const audioAssets: string[] = [];
  let audioParagraphs = 0;
  const paragraphs = items.map((p, j) => {
    const f = `${at}[${j}]`;
    const seq = p.sequence_no ?? j;
    if (seen.has(seq)) throw bad(`${f}.sequence_no ${seq} is repeated`);
    seen.add(seq);
    if (p.title !== undefined) checkPlainText(p.title, `${f}.title`, { allowEmpty: true });
    const text = p.text_config?.text;
    if (text !== undefined) {
      checkPlainText(text, `${f}.text_config.text`, { multiline: true });
      const n = chars(spoken(text));
      if (isSsml(text) && chars(text) >= MAX_PARAGRAPH_SSML)
        throw bad(
          `${f}.text_config.text: with SSML a paragraph must stay under ${MAX_PARAGRAPH_SSML} characters`,
        );
      if (n >= MAX_PARAGRAPH_TEXT)
        throw bad(
          `${f}.text_config.text has ${n} characters; a paragraph must stay under ${MAX_PARAGRAPH_TEXT}`,
        );
      raw += chars(text);
    }
    const audio = p.audio_config;
    if (audio) {
      if (audio.asset_id && audio.audio_url)
        throw bad(`${f}.audio_config: give asset_id or audio_url, not both`);
      if (audio.audio_url) checkHttpUrl(audio.audio_url, `${f}.audio_config.audio_url`);
      if (audio.subtitle_url) checkHttpUrl(audio.subtitle_url, `${f}.audio_config.subtitle_url`);
      if (audio.asset_id)
        refs.assets.push({
          field: `${f}.audio_config.asset_id`,
          assetId: audio.asset_id,
          types: ['AUDIO', 'MUSIC'],
        });
    }
    const hasAudio = Boolean(audio?.asset_id || audio?.audio_url);
    if (policy.play_mode === 'AUDIO' && !hasAudio)
      throw bad(`${f}.audio_config needs asset_id or audio_url: play_policy.play_mode is AUDIO`);
    if (policy.play_mode !== 'AUDIO' && text === undefined && !hasAudio)
      throw bad(`${f} needs text_config.text or audio_config (asset_id or audio_url)`);
    if (paragraphDrive(p, policy.play_mode) === 'TEXT') {
      textParagraphs++;
      sceneSpoken += chars(spoken(text ?? ''));
    } else {
      audioParagraphs++;
      if (audio?.asset_id) audioAssets.push(audio.asset_id);
    }
    if (p.relation_product) {
      if (!p.relation_product.product_id) throw bad(`${f}.relation_product.product_id is required`);
      refs.products.push({
        field: `${f}.relation_product.product_id`,
        productId: p.relation_product.product_id,
        at: [scene, j],
      });
    }
    return { ...p, sequence_no: seq };
  });
  // The length minimum is for scenes that are spoken throughout; audio scenes have their own.
  if (
    policy.play_mode !== 'NO_PRESET' &&
    textParagraphs > 0 &&
    audioParagraphs === 0 &&
    sceneSpoken <= MIN_SCENE_TEXT
  )
    throw bad(
      `${at}: the scene's paragraphs total ${sceneSpoken} characters; a live scene needs more than ${MIN_SCENE_TEXT}`,
    );
  if (audioParagraphs > 0 && textParagraphs === 0)
    refs.sceneAudioAssets.push({
      scene,
      assetIds: audioAssets,
      allAssets: audioAssets.length === audioParagraphs,
    });
  return { paragraphs, text: raw };
}

const BACKGROUND_TYPES: Record<string, readonly string[]> = {
  IMAGE: ['IMAGE'],
  IMAGE_2D: ['IMAGE'],
  VIDEO: ['VIDEO'],
  AUDIO: ['AUDIO', 'MUSIC'],
};

function checkBackground(bg: BackgroundConfigInfo, f: string, refs: RoomRefs): void {
  if (bg.background_type === 'COLOR') {
    if (!bg.background_color_config)
      throw bad(`${f}.background_color_config is required for a COLOR background`);
    if (!/^#[0-9a-fA-F]{6}$/.test(bg.background_color_config))
      throw bad(`${f}.background_color_config must be #RRGGBB`);
    return;
  }
  if (!bg.background_asset_id && !bg.background_config)
    throw bad(
      `${f}: a ${bg.background_type} background needs background_asset_id or background_config (a URL)`,
    );
  if (bg.background_config) checkHttpUrl(bg.background_config, `${f}.background_config`);
  if (bg.background_asset_id) {
    const ref = {
      field: `${f}.background_asset_id`,
      assetId: bg.background_asset_id,
      types: BACKGROUND_TYPES[bg.background_type] ?? [],
    };
    refs.assets.push(ref);
    if (bg.background_type !== 'AUDIO') refs.mediaAssets.push(ref);
  }
}

const LAYER_TYPES: Record<string, readonly string[]> = {
  HUMAN: ['HUMAN_MODEL_2D'],
  IMAGE: ['IMAGE'],
  VIDEO: ['VIDEO'],
};

function checkLayers(layers: readonly LayerConfig[], at: string, refs: RoomRefs): void {
  const videos = layers.filter((l) => l.layer_type === 'VIDEO').length;
  if (videos > MAX_VIDEO_OVERLAYS)
    throw bad(`${at}: at most ${MAX_VIDEO_OVERLAYS} video layers play at once, got ${videos}`);
  for (const [k, l] of layers.entries()) {
    const f = `${at}[${k}]`;
    if (l.layer_type === 'IMAGE' && !l.asset_id && !l.image_config?.image_url)
      throw bad(`${f}: an IMAGE layer needs asset_id or image_config.image_url`);
    if (l.layer_type === 'VIDEO' && !l.asset_id && !l.video_config?.video_url)
      throw bad(`${f}: a VIDEO layer needs asset_id or video_config.video_url`);
    if (l.layer_type === 'HUMAN' && !l.asset_id) throw bad(`${f}: a HUMAN layer needs asset_id`);
    if (l.layer_type === 'TEXT') {
      const t = l.text_config?.text_context;
      if (t === undefined || t.trim() === '') throw bad(`${f}: a TEXT layer needs text_config.text_context`);
      checkPlainText(t, `${f}.text_config.text_context`, { multiline: true });
    }
    if (l.image_config?.image_url) checkHttpUrl(l.image_config.image_url, `${f}.image_config.image_url`);
    if (l.video_config?.video_url) checkHttpUrl(l.video_config.video_url, `${f}.video_config.video_url`);
    if (l.video_config?.video_cover_url)
      checkHttpUrl(l.video_config.video_cover_url, `${f}.video_config.video_cover_url`);
    if (l.asset_id && LAYER_TYPES[l.layer_type]) {
      const ref = { field: `${f}.asset_id`, assetId: l.asset_id, types: LAYER_TYPES[l.layer_type] ?? [] };
      refs.assets.push(ref);
      if (l.layer_type !== 'HUMAN') refs.mediaAssets.push(ref);
    }
  }
}

/**
 * Live media limits on what the probe recorded (SEMANTICS §5): pictures and videos at most
 * 1080p, video at most 30 fps in H264, H265 or AV1. Assets not probed yet pass.
 */
export function checkLiveMedia(field: string, assetId: string, meta: Record<string, unknown>): void {
  const m = (meta.video_meta ?? meta.image_meta) as
    | { width?: number; height?: number; frame_rate?: string; video_codec?: string }
    | undefined;
  if (!m) return;
  if (m.width !== undefined && m.height !== undefined) {
    const long = Math.max(m.width, m.height);
    const short = Math.min(m.width, m.height);
    if (long > 1920 || short > 1080)
      throw bad(`${field}: asset ${assetId} is ${m.width}x${m.height}; live media is at most 1080p`);
  }
  if (meta.video_meta) {
    const fps = Number(m.frame_rate);
    if (m.frame_rate !== undefined && Number.isFinite(fps) && fps > 30)
      throw bad(`${field}: asset ${assetId} runs at ${m.frame_rate} fps; live video is at most 30 fps`);
    if (m.video_codec !== undefined && !['H264', 'H265', 'AV1'].includes(m.video_codec))
      throw bad(`${field}: asset ${assetId} is ${m.video_codec}; live video is H264, H265 or AV1`);
  }
}

/** Seconds of an audio asset, from the probe; undefined when not known. */
export function audioSeconds(meta: Record<string, unknown>): number | undefined {
  const d = (meta.audio_meta as { duration?: number } | undefined)?.duration;
  return typeof d === 'number' ? d : undefined;
}
