// Pure rules of smart chat jobs: what a job runs with (taken from its room at start), the
// extend_param it accepts, when a running row counts as abandoned, the media token, and the
// wire shapes of StartSmartChatJob and ShowSmartChatJob (SEMANTICS.md §3.5, §4.4).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import type {
  ShowSmartChatJobResponse,
  ShowSmartChatRoomResponse,
  SmartChatVoiceConfig,
  StartSmartChatJobResponse,
} from '../../contract/generated/types.ts';
import type { DialogChatJobsTable } from '../../core/db/schema.ts';
import { wireTime } from '../../core/util/time.ts';
import { ChatJobErrors } from './dialog-jobs.errors.ts';

export type ChatJobRow = Omit<Selectable<DialogChatJobsTable>, 'config'> & { config: ChatJobConfig };

/** SEMANTICS.md §3.5 chat_state: 3 (asleep) and 4 (going to sleep) are not used by Doppel. */
export const CHAT_STATE = { waitingForLink: 0, closingLink: 1, linked: 2 } as const;

export const ACTIVE_STATES = ['WAITING', 'PROCESSING'] as const;

/** A running job's owner refreshes its heartbeat this often… */
export const HEARTBEAT_MS = 2_000;
/** …and a row not refreshed for this long belongs to a process that is gone. */
export const ABANDONED_AFTER_MS = 20_000;

export const isAbandoned = (row: Pick<ChatJobRow, 'state' | 'heartbeat_time'>, now: Date): boolean =>
  (row.state === 'WAITING' || row.state === 'PROCESSING') &&
  now.getTime() - row.heartbeat_time.getTime() > ABANDONED_AFTER_MS;

export interface ChatJobConfig {
  model_asset_id: string;
  voice_config_list: SmartChatVoiceConfig[];
  video: { width: number; height: number };
  background: { color: string } | { asset_id: string };
  chat_subtitle_config?: { dx?: number; dy?: number; width?: number; height?: number };
  chat_video_type?: 'COMPUTER' | 'MOBILE' | 'HUB';
  default_language: NonNullable<StartSmartChatJobResponse['default_language']>;
  /** Silence (no question, nothing said) that ends the job MUTE_TIMEOUT. */
  mute_ms: number;
  /** The RTC-style user the media token was made for. */
  user_id: string;
  ctime: number;
}

/** Dialog video: the room's size when it gives one (even, 16…1920), else 720p landscape. */
export function dialogSize(room: ShowSmartChatRoomResponse): { width: number; height: number } {
  const v = room.video_config;
  if (!v?.width || !v.height) return { width: 1280, height: 720 };
  const even = (n: number) => Math.max(16, Math.min(1920, Math.round(n / 2) * 2));
  return { width: even(v.width), height: even(v.height) };
}

/**
 * The job's configuration from its room. The room must name its avatar; the voices are the
 * room's list, or its single voice_config, or none (eSpeak English then). exit_mute_threshold
 * counts seconds; 0 or absent: the server's default (ERRATA 103).
 */
export function configFromRoom(
  roomId: string,
  room: ShowSmartChatRoomResponse,
  opts: { defaultMuteMs: number; userId: string; ctime: number },
): ChatJobConfig {
  if (!room.model_asset_id) throw ChatJobErrors.roomUnusable(roomId, 'the room names no model_asset_id');
  const voices: SmartChatVoiceConfig[] = room.voice_config_list?.length
    ? room.voice_config_list.map((v) => ({ ...v, language: v.language ?? 'CN' }) as SmartChatVoiceConfig)
    : room.voice_config?.voice_asset_id
      ? [
          {
            voice_asset_id: room.voice_config.voice_asset_id,
            ...(room.voice_config.speed !== undefined ? { speed: room.voice_config.speed } : {}),
            ...(room.voice_config.pitch !== undefined ? { pitch: room.voice_config.pitch } : {}),
            ...(room.voice_config.volume !== undefined ? { volume: room.voice_config.volume } : {}),
            language: room.default_language ?? 'CN',
          },
        ]
      : [];
  const bg = room.background_config;
  const background =
    bg?.background_type === 'COLOR' && bg.background_color_config
      ? { color: bg.background_color_config }
      : (bg?.background_type === 'IMAGE' || bg?.background_type === 'IMAGE_2D') && bg.background_asset_id
        ? { asset_id: bg.background_asset_id }
        : { color: '#203040' };
  return {
    model_asset_id: room.model_asset_id,
    voice_config_list: voices,
    video: dialogSize(room),
    background,
    ...(room.chat_subtitle_config ? { chat_subtitle_config: room.chat_subtitle_config } : {}),
    ...(room.chat_video_type ? { chat_video_type: room.chat_video_type } : {}),
    default_language: room.default_language ?? 'CN',
    mute_ms: room.exit_mute_threshold ? room.exit_mute_threshold * 1000 : opts.defaultMuteMs,
    user_id: opts.userId,
    ctime: opts.ctime,
  };
}

/** extend_param is a JSON string (SEMANTICS.md §4.4 step 4); its client_id names the end user. */
export function parseExtendParam(raw: string | undefined): { clientId?: string } {
  if (raw === undefined || raw === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw ChatJobErrors.invalid(
      'extend_param must be a JSON object in a string, e.g. "{\\"client_id\\":\\"u1\\"}"',
    );
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw ChatJobErrors.invalid('extend_param must be a JSON object in a string');
  const id = (v as { client_id?: unknown }).client_id;
  if (id === undefined) return {};
  if (typeof id !== 'string' || id.length > 64)
    throw ChatJobErrors.invalid('extend_param.client_id must be a string of at most 64 characters');
  return { clientId: id };
}

/** The voice that speaks `language` (CN, EN, …): its own, else the first, else none. */
export function voiceFor(config: ChatJobConfig, language: string): SmartChatVoiceConfig | undefined {
  return config.voice_config_list.find((v) => v.language === language) ?? config.voice_config_list[0];
}

/** The media token of a job's end user: an HMAC over project, job, user and time (64 hex). */
export function mediaSignature(key: Buffer, projectId: string, jobId: string, userId: string, ctime: number) {
  return createHmac('sha256', key)
    .update(`chat-media\n${projectId}\n${jobId}\n${userId}\n${ctime}`)
    .digest('hex');
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** host[:port] of the public URL: where the chat-command socket and media are reached. */
export function accessAddress(publicUrl: string): string {
  return new URL(publicUrl).host;
}

function rtcRoomInfo(
  row: ChatJobRow,
  signature: string,
): NonNullable<StartSmartChatJobResponse['rtc_room_info']> {
  return {
    app_id: 'doppel',
    room_id: row.job_id,
    users: [{ user_type: 'END_USER', user_id: row.config.user_id, signature, ctime: row.config.ctime }],
  };
}

export function startWire(row: ChatJobRow, signature: string, address: string): StartSmartChatJobResponse {
  const c = row.config;
  return {
    job_id: row.job_id,
    language: c.default_language,
    rtc_room_info: rtcRoomInfo(row, signature),
    ...(c.chat_subtitle_config ? { chat_subtitle_config: c.chat_subtitle_config } : {}),
    video_config: c.video,
    voice_config_list: c.voice_config_list,
    ...(c.chat_video_type ? { chat_video_type: c.chat_video_type } : {}),
    region: 'local',
    chat_access_address: address,
    chat_access_rest_address: address,
    is_transparent: false,
    default_language: c.default_language,
  };
}

/** duration counts seconds from start to end (or to now while the job runs). */
export function showWire(
  row: ChatJobRow,
  signature: string,
  address: string,
  now: Date,
): ShowSmartChatJobResponse {
  const c = row.config;
  const started = row.start_time?.getTime();
  const until = row.end_time?.getTime() ?? now.getTime();
  const out: ShowSmartChatJobResponse = {
    job_id: row.job_id,
    state: row.state,
    duration: started === undefined ? 0 : Math.max(0, Math.round((until - started) / 100) / 10),
    create_time: wireTime(row.create_time),
    lastupdate_time: wireTime(row.update_time),
    video_config: c.video,
    voice_config_list: c.voice_config_list,
    ...(c.chat_subtitle_config ? { chat_subtitle_config: c.chat_subtitle_config } : {}),
    ...(c.chat_video_type ? { chat_video_type: c.chat_video_type } : {}),
    is_transparent: false,
    default_language: c.default_language,
    is_pool_mode: false,
    rtc_room_info: rtcRoomInfo(row, signature),
    chat_state: row.chat_state,
    language: c.default_language,
    chat_access_address: address,
    chat_access_rest_address: address,
  };
  if (row.start_time) out.start_time = wireTime(row.start_time);
  if (row.end_time) out.end_time = wireTime(row.end_time);
  if (row.client_id) out.client_id = row.client_id;
  if (row.job_finish_reason) out.job_finish_reason = row.job_finish_reason;
  if (row.error_code) out.error_info = { error_code: row.error_code, error_msg: row.error_msg ?? '' };
  return out;
}
