// Pure rules for a live job's outbound event callbacks (SEMANTICS §4.3 step 7): which receiver
// a job reports to (the job's live_event_callback_config, else the room's, else the platform's
// LIVE_EVENT_CALLBACK url when the room inherits it), which types it wants, and the body each
// stream event becomes: `{event_type, message}` with `message` a JSON string (ERRATA 97, 98).
// No I/O; unit-tested.
import type { MssAuthType } from '../../core/net/mss-auth.ts';
import type { StreamEvent } from '../../engines/stream/index.ts';
import { LIVE_EVENT_CALLBACK_TYPES, type LiveSceneScript } from '../live/index.ts';
import type { Said } from './live-jobs.run.ts';

export type LiveEventCallbackType = (typeof LIVE_EVENT_CALLBACK_TYPES)[number];
/** The body type of a CALLBACK rule's hit, sent to the job's interaction_callback_url (ERRATA 100). */
export const INTERACTION_CALLBACK_TYPE = 'INTERACTION_RULE_HIT';
export type LiveCallbackType = LiveEventCallbackType | typeof INTERACTION_CALLBACK_TYPE;

/** Where a job's events go, as stored in the job's config snapshot. */
export interface LiveEventTarget {
  url: string;
  auth_type: MssAuthType;
  key?: string;
  /** The types asked for; an empty list asks for every type (ERRATA 97). */
  types: LiveEventCallbackType[];
}

/** The wire config (room or job); already checked by checkEventCallbackConfig. */
export interface LiveEventCallbackConfigIn {
  live_event_type_callback_url?: string;
  auth_type?: string;
  key?: string;
  callback_event_type?: string[];
  is_inheritance_platform_callback?: boolean;
}

/**
 * The receiver of a job: the job's own config replaces the room's whole; the URL is the
 * config's, else (the room inheriting) the platform's, signed as every call to that platform
 * is (MSS_A_HEAD with its auth_config.key). Undefined: no callbacks.
 */
export function eventTargetOf(
  room: LiveEventCallbackConfigIn | undefined,
  job: LiveEventCallbackConfigIn | undefined,
  platform: { url: string; key: string } | undefined,
): LiveEventTarget | undefined {
  const cfg = job ?? room;
  if (!cfg) return undefined;
  const types = (cfg.callback_event_type ?? []).filter((t): t is LiveEventCallbackType =>
    (LIVE_EVENT_CALLBACK_TYPES as readonly string[]).includes(t),
  );
  const url = cfg.live_event_type_callback_url;
  if (!url) {
    if (!room?.is_inheritance_platform_callback || !platform) return undefined;
    return { url: platform.url, auth_type: 'MSS_A_HEAD', key: platform.key, types };
  }
  const key = cfg.key ? cfg.key : undefined;
  const authType = (cfg.auth_type ?? (key ? 'MSS_A' : 'NONE')) as MssAuthType;
  return { url, auth_type: authType, ...(key && authType !== 'NONE' ? { key } : {}), types };
}

export const wants = (target: LiveEventTarget, type: LiveCallbackType): boolean =>
  target.types.length === 0 || (target.types as readonly string[]).includes(type);

/**
 * The receiver of a job's CALLBACK rule hits: its interaction_callback_url, signed as the
 * job's event callbacks are (their auth_type and key; none without an event config).
 */
export function interactionTargetOf(url: string | undefined, events: LiveEventTarget | undefined) {
  if (!url) return undefined;
  const target: LiveEventTarget = {
    url,
    auth_type: events?.auth_type ?? 'NONE',
    ...(events?.key ? { key: events.key } : {}),
    types: [],
  };
  return target;
}

export interface LiveCallbackBody {
  event_type: LiveCallbackType;
  /** JSON text of the event's fields. */
  message: string;
}

export interface CallbackContext {
  roomId: string;
  jobId: string;
  scenes: readonly LiveSceneScript[];
  now: Date;
}

/**
 * The callback a stream event raises, if any: RTMP state changes, a script paragraph starting
 * (SHOOT_SCRIPT_SWITCH) and a reply that has played to its end (REPLY_COMMAND_FINISH; one
 * removed by PLAY_NOW or CLEAN_UP_INSERT_COMMAND, or whose speech failed, did not finish).
 */
export function liveCallbackOf(e: StreamEvent<Said>, ctx: CallbackContext): LiveCallbackBody | undefined {
  const base = { room_id: ctx.roomId, job_id: ctx.jobId, timestamp: ctx.now.getTime() };
  if (e.type === 'rtmp')
    return body('RTMP_STREAM_STATE_CHANGE', {
      ...base,
      state: e.state,
      ...(e.detail ? { reason: e.detail.slice(0, 256) } : {}),
    });
  if (e.type === 'start' && e.item.kind === 'script') {
    const step = e.item.payload.step;
    const scene = ctx.scenes[e.item.payload.scene];
    const para = step ? scene?.shoot_scripts[step.paragraph] : undefined;
    return body('SHOOT_SCRIPT_SWITCH', {
      ...base,
      scene_script_name: scene?.script_name ?? '',
      shoot_script_sequence_no: para?.sequence_no,
      shoot_script_title: para?.title ?? '',
      ...(e.item.payload.position ? { round: e.item.payload.position.round } : {}),
    });
  }
  if (e.type === 'end' && e.item.kind === 'reply' && e.reason === 'played') {
    const source = e.item.payload.source ?? '';
    return body('REPLY_COMMAND_FINISH', {
      ...base,
      reply_id: e.item.id,
      ...(source.startsWith('rule:') ? { rule_index: source.slice(5) } : {}),
      ...(source && !source.startsWith('rule:') ? { command_id: source } : {}),
    });
  }
  return undefined;
}

/** A SHOW_LAYER hit's picture was taken down: its REPLY_COMMAND_FINISH (it says nothing). */
export function layerFinishedOf(
  ctx: Omit<CallbackContext, 'scenes'>,
  replyId: string,
  ruleIndex: string,
): LiveCallbackBody {
  return body('REPLY_COMMAND_FINISH', {
    room_id: ctx.roomId,
    job_id: ctx.jobId,
    timestamp: ctx.now.getTime(),
    reply_id: replyId,
    rule_index: ruleIndex,
  });
}

/** What a rule hit sends to the interaction receiver (ERRATA 100). */
export function interactionCallbackOf(
  hit: {
    ruleIndex: string;
    rule: { rule_name?: string; event_type: number; trigger: { reply_mode: string } };
    event: { timestamp: number; type: number; content: Record<string, unknown> };
    replyId?: string;
  },
  ctx: Omit<CallbackContext, 'scenes'> & { sceneName?: string },
): LiveCallbackBody {
  return body(INTERACTION_CALLBACK_TYPE, {
    room_id: ctx.roomId,
    job_id: ctx.jobId,
    timestamp: ctx.now.getTime(),
    rule_index: hit.ruleIndex,
    ...(hit.rule.rule_name !== undefined ? { rule_name: hit.rule.rule_name } : {}),
    reply_mode: hit.rule.trigger.reply_mode,
    ...(ctx.sceneName !== undefined ? { scene_script_name: ctx.sceneName } : {}),
    ...(hit.replyId ? { reply_id: hit.replyId } : {}),
    event: { type: hit.event.type, timestamp: hit.event.timestamp, content: hit.event.content },
  });
}

function body(type: LiveCallbackType, message: Record<string, unknown>): LiveCallbackBody {
  return { event_type: type, message: JSON.stringify(message) };
}
