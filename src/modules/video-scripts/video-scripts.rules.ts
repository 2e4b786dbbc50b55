// Pure rules for video scripts: the documented limits (SEMANTICS.md §5), which asset each
// reference must be, how an update merges and how a copy is named. No I/O; unit-tested.
import type {
  CreateVideoScriptsReq,
  ShootScriptItem,
  UpdateVideoScriptsReq,
} from '../../contract/generated/types.ts';
import { VideoScriptErrors } from './video-scripts.errors.ts';

export const MAX_SCENES = 50;
/** Spoken characters per scene, and over the whole script. */
export const MAX_SCENE_TEXT = 10_000;
export const MAX_TOTAL_TEXT = 100_000;
/** With SSML markup, a scene's text must stay under 128 Ki characters. */
export const MAX_SSML_SCENE = 128 * 1024;
export const MAX_NAME = 256;
export const MAX_DESCRIPTION = 1024;
export const MAX_PRIV_DATA = 8192;

/**
 * The script document kept in the `body` column: every request field but the list columns
 * and `audio_files` (the server's answer: upload and download URLs, never stored).
 */
export type ScriptBody = Omit<
  CreateVideoScriptsReq,
  'script_name' | 'script_description' | 'view_mode' | 'audio_files'
>;

/** What a stored script is: the column fields plus the body. */
export interface ScriptDoc extends ScriptBody {
  script_name: string;
  script_description: string;
  view_mode: 'LANDSCAPE' | 'VERTICAL';
}

const BODY_KEYS = [
  'model_asset_id',
  'model_asset_type',
  'voice_config',
  'video_config',
  'priv_data',
  'background_music_config',
  'review_config',
  'action_config',
  'shoot_scripts',
] as const satisfies ReadonlyArray<keyof ScriptBody>;

const chars = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

const isSsml = (text: string): boolean => /^\s*<speak[\s>]/i.test(text);

/** The characters that are spoken: SSML tags removed and the five XML entities decoded. */
export function spokenText(text: string): string {
  if (!isSsml(text)) return text;
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) =>
      e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : "'",
    );
}

/** A create request → the document to store (defaults applied, scenes numbered, limits checked). */
export function docFromCreate(req: CreateVideoScriptsReq): ScriptDoc {
  if (req.script_name === undefined) throw VideoScriptErrors.invalid('script_name is required');
  if (req.shoot_scripts === undefined) throw VideoScriptErrors.invalid('shoot_scripts is required');
  const doc: ScriptDoc = {
    script_name: req.script_name,
    script_description: req.script_description ?? '',
    view_mode: req.view_mode ?? 'LANDSCAPE',
  };
  for (const k of BODY_KEYS) if (req[k] !== undefined) Object.assign(doc, { [k]: req[k] });
  return checkDoc(doc);
}

/**
 * UpdateVideoScript replaces the top-level fields it names and keeps the others (ERRATA 33):
 * an SDK user can send only what changed. A field's value is replaced whole (a new
 * `shoot_scripts` replaces every scene).
 */
export function mergeUpdate(stored: ScriptDoc, req: UpdateVideoScriptsReq): ScriptDoc {
  const doc: ScriptDoc = { ...stored };
  if (req.script_name !== undefined) doc.script_name = req.script_name;
  if (req.script_description !== undefined) doc.script_description = req.script_description;
  if (req.view_mode !== undefined) doc.view_mode = req.view_mode;
  for (const k of BODY_KEYS) if (req[k] !== undefined) Object.assign(doc, { [k]: req[k] });
  return checkDoc(doc);
}

/** The limits of SEMANTICS.md §5 beyond what the schema checks; numbers missing sequence_no. */
export function checkDoc(doc: ScriptDoc): ScriptDoc {
  const name = doc.script_name.trim();
  if (name.length === 0 || chars(doc.script_name) > MAX_NAME)
    throw VideoScriptErrors.invalid(`script_name must be 1-${MAX_NAME} characters`);
  if (/\p{Cc}/u.test(doc.script_name))
    throw VideoScriptErrors.invalid('script_name must not contain control characters');
  if (chars(doc.script_description) > MAX_DESCRIPTION)
    throw VideoScriptErrors.invalid(`script_description must be at most ${MAX_DESCRIPTION} characters`);
  if (doc.priv_data !== undefined && chars(doc.priv_data) > MAX_PRIV_DATA)
    throw VideoScriptErrors.invalid(`priv_data must be at most ${MAX_PRIV_DATA} characters`);
  return { ...doc, shoot_scripts: checkScenes(doc.shoot_scripts ?? []) };
}

/**
 * The scene limits shared by scripts and video jobs: 1–50 scenes, unique sequence numbers
 * (missing ones numbered by position), text limits per scene and in total, complete
 * backgrounds. `invalid` makes the module's 400.
 */
export function checkScenes(
  scenes: ShootScriptItem[],
  invalid: (why: string) => Error = VideoScriptErrors.invalid,
): Array<ShootScriptItem & { sequence_no: number }> {
  if (scenes.length === 0) throw invalid('shoot_scripts must hold at least one scene');
  if (scenes.length > MAX_SCENES)
    throw invalid(`shoot_scripts: at most ${MAX_SCENES} scenes, got ${scenes.length}`);
  const numbered = scenes.map((s, i) => ({ ...s, sequence_no: s.sequence_no ?? i }));
  const seen = new Set<number>();
  let total = 0;
  numbered.forEach((s, i) => {
    if (seen.has(s.sequence_no))
      throw invalid(`shoot_scripts[${i}].sequence_no ${s.sequence_no} is repeated`);
    seen.add(s.sequence_no);
    total += checkScene(s, `shoot_scripts[${i}].shoot_script`, invalid);
  });
  if (total > MAX_TOTAL_TEXT)
    throw invalid(`shoot_scripts: text totals ${total} characters; at most ${MAX_TOTAL_TEXT} per script`);
  return numbered;
}

/** Checks one scene; returns its spoken character count. */
function checkScene(item: ShootScriptItem, at: string, invalid: (why: string) => Error): number {
  const scene = item.shoot_script;
  if (!scene) throw invalid(`${at} is required`);
  const type = scene.script_type ?? 'TEXT';
  const text = scene.text_config?.text;
  if (type === 'TEXT' && (text === undefined || text.trim() === ''))
    throw invalid(`${at}.text_config.text is required for a TEXT scene`);
  for (const [j, bg] of (scene.background_config ?? []).entries()) {
    const f = `${at}.background_config[${j}]`;
    if (bg.background_type === 'COLOR' && !bg.background_color_config)
      throw invalid(`${f}.background_color_config is required for a COLOR background`);
    if (bg.background_type !== 'COLOR' && !bg.background_asset_id && !bg.background_config)
      throw invalid(
        `${f}: a ${bg.background_type} background needs background_asset_id or background_config`,
      );
  }
  if (text === undefined) return 0;
  const spoken = chars(spokenText(text));
  if (isSsml(text) && chars(text) >= MAX_SSML_SCENE)
    throw invalid(`${at}.text_config.text: SSML must be under ${MAX_SSML_SCENE} characters`);
  if (spoken > MAX_SCENE_TEXT)
    throw invalid(`${at}.text_config.text has ${spoken} characters; at most ${MAX_SCENE_TEXT} per scene`);
  return spoken;
}

/** An asset a script names, where, and which asset types fit there. */
export interface AssetRef {
  field: string;
  assetId: string;
  types: readonly string[];
}

const BACKGROUND_TYPES: Record<string, readonly string[]> = {
  IMAGE: ['IMAGE'],
  IMAGE_2D: ['IMAGE'],
  VIDEO: ['VIDEO'],
  AUDIO: ['AUDIO', 'MUSIC'],
};
const LAYER_TYPES: Record<string, readonly string[]> = {
  HUMAN: ['HUMAN_MODEL_2D'],
  IMAGE: ['IMAGE'],
  VIDEO: ['VIDEO'],
};

/** Every asset id the document references (empty strings mean "none"). */
export function assetRefs(doc: ScriptBody): AssetRef[] {
  const refs: AssetRef[] = [];
  const add = (field: string, assetId: string | undefined, types: readonly string[] | undefined) => {
    if (assetId && types) refs.push({ field, assetId, types });
  };
  add('model_asset_id', doc.model_asset_id, ['HUMAN_MODEL_2D']);
  add('voice_config.voice_asset_id', doc.voice_config?.voice_asset_id, ['VOICE_MODEL']);
  add('background_music_config.music_asset_id', doc.background_music_config?.music_asset_id, [
    'MUSIC',
    'AUDIO',
  ]);
  for (const [i, item] of (doc.shoot_scripts ?? []).entries()) {
    const at = `shoot_scripts[${i}].shoot_script`;
    for (const [j, bg] of (item.shoot_script?.background_config ?? []).entries())
      add(
        `${at}.background_config[${j}].background_asset_id`,
        bg.background_asset_id,
        BACKGROUND_TYPES[bg.background_type],
      );
    for (const [j, layer] of (item.shoot_script?.layer_config ?? []).entries())
      add(`${at}.layer_config[${j}].asset_id`, layer.asset_id, LAYER_TYPES[layer.layer_type]);
  }
  return refs;
}

/**
 * Which asset refs fail, given what the project can see (id → asset_type of a live asset):
 * the first unknown one, or the first of the wrong type.
 */
export function checkAssetRefs(refs: readonly AssetRef[], typeOf: ReadonlyMap<string, string>): void {
  for (const r of refs) {
    const type = typeOf.get(r.assetId);
    if (type === undefined) throw VideoScriptErrors.assetNotFound(r.field, r.assetId);
    if (!r.types.includes(type))
      throw VideoScriptErrors.invalid(
        `${r.field}: asset ${r.assetId} is ${type}; expected ${r.types.join(' or ')}`,
      );
  }
}

/** Sequence numbers of AUDIO scenes whose audio the client uploads (no external URL given). */
export function audioUploadScenes(doc: ScriptBody): number[] {
  return (doc.shoot_scripts ?? []).flatMap((s, i) =>
    s.shoot_script?.script_type === 'AUDIO' && !s.shoot_script.audio_drive_file_external_url
      ? [s.sequence_no ?? i]
      : [],
  );
}

/** The name of a copy: the original's with a suffix, cut to the name limit. */
export function copyName(name: string): string {
  const suffix = '_copy';
  const cps = [...name];
  return cps.length + suffix.length <= MAX_NAME
    ? name + suffix
    : cps.slice(0, MAX_NAME - suffix.length).join('') + suffix;
}

/** The list's first-scene summary: the drive type and the text of the first scene. */
export function firstScene(doc: ScriptBody): { script_type?: string; text?: string } {
  const first = [...(doc.shoot_scripts ?? [])].sort((a, b) => (a.sequence_no ?? 0) - (b.sequence_no ?? 0))[0];
  if (!first?.shoot_script) return {};
  const text = first.shoot_script.text_config?.text;
  return { script_type: first.shoot_script.script_type ?? 'TEXT', ...(text ? { text } : {}) };
}

/** `name` fuzzy match as a LIKE pattern, wildcards in the input escaped (the assets list's). */
