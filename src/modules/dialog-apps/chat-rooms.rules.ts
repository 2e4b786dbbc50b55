// Pure rules of smart chat rooms: the checks the contract's schema cannot express, the
// defaults a stored room answers with, and the assets a room refers to.
import type { CreateSmartChatRoomReq } from '../../contract/generated/types.ts';
import { checkUrlShape } from '../../core/net/ssrf.ts';
import { DialogAppsErrors } from './dialog-apps.errors.ts';
import { checkId } from './dialog-apps.rules.ts';

export type ChatRoomBody = CreateSmartChatRoomReq;

export interface RoomAssetRef {
  field: string;
  assetId: string;
  types: readonly string[];
}

const BACKGROUND_ASSET_TYPES: Record<string, readonly string[]> = {
  IMAGE: ['IMAGE'],
  IMAGE_2D: ['IMAGE'],
  VIDEO: ['VIDEO'],
  AUDIO: ['AUDIO', 'MUSIC'],
};
const LAYER_ASSET_TYPES: Record<string, readonly string[]> = {
  HUMAN: ['HUMAN_MODEL_2D'],
  IMAGE: ['IMAGE'],
  VIDEO: ['VIDEO'],
};

function checkFetchUrl(url: string, field: string): void {
  try {
    checkUrlShape(url);
  } catch (e) {
    throw DialogAppsErrors.invalid(`${field}: ${(e as { reason?: string }).reason ?? (e as Error).message}`);
  }
}

/**
 * Checks a create or update body and gives it back with the defaults MetaStudio documents
 * (billing CONCURRENCY, language CN, no concurrency), plus the assets it names.
 */
export function checkChatRoom(req: ChatRoomBody): { body: ChatRoomBody; refs: RoomAssetRef[] } {
  if (req.room_name.trim().length === 0) throw DialogAppsErrors.invalid('room_name must not be blank');
  if (req.robot_id !== undefined) checkId(req.robot_id, 'robot_id');
  const refs: RoomAssetRef[] = [];
  const ref = (field: string, assetId: string | undefined, types: readonly string[]) => {
    if (assetId === undefined || assetId === '') return;
    checkId(assetId, field);
    refs.push({ field, assetId, types });
  };
  ref('model_asset_id', req.model_asset_id, ['HUMAN_MODEL_2D']);
  ref('voice_config.voice_asset_id', req.voice_config?.voice_asset_id, ['VOICE_MODEL']);
  const languages = new Set<string>();
  for (const [i, v] of (req.voice_config_list ?? []).entries()) {
    if (!v.voice_asset_id)
      throw DialogAppsErrors.invalid(`voice_config_list[${i}].voice_asset_id is required`);
    ref(`voice_config_list[${i}].voice_asset_id`, v.voice_asset_id, ['VOICE_MODEL']);
    const lang = v.language ?? 'CN';
    if (languages.has(lang))
      throw DialogAppsErrors.invalid(
        `voice_config_list has two voices for language ${lang}; give one per language`,
      );
    languages.add(lang);
  }
  const bg = req.background_config;
  if (bg) {
    if (bg.background_type === 'COLOR') {
      if (!bg.background_color_config)
        throw DialogAppsErrors.invalid('background_config.background_color_config is required for COLOR');
    } else {
      const types = BACKGROUND_ASSET_TYPES[bg.background_type] ?? [];
      if (!bg.background_asset_id && !bg.background_config)
        throw DialogAppsErrors.invalid(
          `background_config: background_asset_id or background_config is required for ${bg.background_type}`,
        );
      ref('background_config.background_asset_id', bg.background_asset_id, types);
      if (bg.background_config) checkFetchUrl(bg.background_config, 'background_config.background_config');
    }
  }
  const indexes = new Set<number>();
  let humans = 0;
  for (const [i, l] of (req.layer_config ?? []).entries()) {
    const at = `layer_config[${i}]`;
    if (l.layer_type === 'HUMAN') humans++;
    if (l.position) {
      if (indexes.has(l.position.layer_index))
        throw DialogAppsErrors.invalid(`${at}.position.layer_index ${l.position.layer_index} is used twice`);
      indexes.add(l.position.layer_index);
    }
    ref(`${at}.asset_id`, l.asset_id, LAYER_ASSET_TYPES[l.layer_type] ?? []);
    if (l.layer_type === 'TEXT' && !l.text_config?.text_context)
      throw DialogAppsErrors.invalid(`${at}: a TEXT layer needs text_config.text_context`);
    if (l.image_config?.image_url) checkFetchUrl(l.image_config.image_url, `${at}.image_config.image_url`);
    if (l.video_config?.video_url) checkFetchUrl(l.video_config.video_url, `${at}.video_config.video_url`);
    if (l.layer_type === 'TEXT' && l.asset_id)
      throw DialogAppsErrors.invalid(`${at}: a TEXT layer takes no asset_id`);
  }
  if (humans > 1) throw DialogAppsErrors.invalid('layer_config may hold one HUMAN layer at most');
  for (const [i, c] of (req.chat_resource_config ?? []).entries()) {
    if (!c.resource_id) throw DialogAppsErrors.invalid(`chat_resource_config[${i}].resource_id is required`);
  }
  const body: ChatRoomBody = {
    ...req,
    room_name: req.room_name.trim(),
    billing_mode: req.billing_mode ?? 'CONCURRENCY',
    default_language: req.default_language ?? 'CN',
    concurrency: req.concurrency ?? 0,
    client_nums: req.client_nums ?? 0,
    reuse_resource: req.reuse_resource ?? false,
  };
  return { body, refs };
}

/** SEMANTICS.md §4.4: with no concurrency configured, no dialog can start. */
export const canStartDialogs = (concurrency: number): boolean => concurrency > 0;
