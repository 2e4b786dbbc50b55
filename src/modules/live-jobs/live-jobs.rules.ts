// Pure decisions of the live jobs: the start warnings a room earns, the order the script plays
// in (rounds, repeat_count, random_play_mode from the second round), when live_exit_config
// ends a job, and the job's wire shape.
import type { LiveWarningItem, SmartLiveJob } from '../../contract/generated/types.ts';
import { wireTime } from '../../core/util/time.ts';
import type { LiveParagraph, LivePlayPolicy, LiveRoomBody, LiveSceneScript } from '../live/index.ts';
import type { LiveJobRow } from './live-jobs.repo.ts';

/** Thresholds of the start warnings (MetaStudio names the warnings, not the numbers; ERRATA 86). */
export const WARN_MIN_PARAGRAPHS = 5;
export const WARN_MIN_SCRIPT_MINUTES = 10;
export const WARN_MIN_COMMENT_RULES = 3;
/** About 250 characters a minute at speed 100 (SEMANTICS §5, voice params). */
const CHARS_PER_MINUTE = 250;

export function startWarnings(
  room: Pick<LiveRoomBody, 'scene_scripts' | 'interaction_rules' | 'play_policy' | 'backup_model_asset_ids'>,
): LiveWarningItem[] {
  const paragraphs = room.scene_scripts.flatMap((s) => s.shoot_scripts);
  const chars = paragraphs.reduce((n, p) => n + [...(p.text_config?.text ?? '')].length, 0);
  // A recorded paragraph is at least a minute long (a live scene's audio is > 1 min).
  const audioMinutes = paragraphs.filter((p) => !p.text_config?.text && p.audio_config).length;
  const minutes = chars / CHARS_PER_MINUTE + audioMinutes;
  const comments = room.interaction_rules.filter((r) => r.event_type === 1).length;
  const out: LiveWarningItem[] = [];
  if (paragraphs.length < WARN_MIN_PARAGRAPHS) out.push({ warning_type: 'TOO_LESSS_SCRIPT_ITEMS' });
  if (minutes < WARN_MIN_SCRIPT_MINUTES) out.push({ warning_type: 'TOO_SHORT_SCRIPT_TIME' });
  if (comments < WARN_MIN_COMMENT_RULES) out.push({ warning_type: 'TOO_LESS_DANMAKU_RULES' });
  if (room.play_policy.random_play_mode === 'NONE') out.push({ warning_type: 'RANDOM_PLAY_CLOSED' });
  if (room.backup_model_asset_ids.length === 0) out.push({ warning_type: 'ROTATION_MODEL_CLOSED' });
  return out;
}

/** Where the script play is: the round (0-based) and the next step of that round's order. */
export interface ScriptPosition {
  round: number;
  step: number;
}

export interface ScriptStep {
  scene: number;
  paragraph: number;
  /** The last step of its scene in this round's order / the last of the round. */
  sceneEnd: boolean;
  roundEnd: boolean;
}

/** A small seeded generator (mulberry32), so a round's shuffle is the same after a resume. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(xs: T[], next: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** The paragraphs of one round in play order (random_play_mode applies from round 1 on). */
export function roundOrder(
  scenes: readonly LiveSceneScript[],
  mode: LivePlayPolicy['random_play_mode'],
  round: number,
  seed: number,
): ScriptStep[] {
  const next = rng(seed * 7919 + round);
  const random = round > 0;
  let sceneIdx = scenes.map((_, i) => i).filter((i) => scenes[i].shoot_scripts.length > 0);
  if (random && (mode === 'SCENE' || mode === 'SCENE_AND_SCRIPT_ITEM')) sceneIdx = shuffled(sceneIdx, next);
  const steps: ScriptStep[] = [];
  for (const s of sceneIdx) {
    let ps = scenes[s].shoot_scripts.map((_, i) => i);
    if (random && (mode === 'SCRIPT_ITEM' || mode === 'SCENE_AND_SCRIPT_ITEM')) ps = shuffled(ps, next);
    for (const [k, p] of ps.entries())
      steps.push({ scene: s, paragraph: p, sceneEnd: k === ps.length - 1, roundEnd: false });
  }
  if (steps.length > 0) steps[steps.length - 1].roundEnd = true;
  return steps;
}

/** repeat_count: -1 forever, 0 once, n → n + 1 rounds. */
export const roundsOf = (repeatCount: number): number => (repeatCount < 0 ? Infinity : repeatCount + 1);

/** The step at `pos` and the position after it; undefined when every round has played. */
export function stepAt(
  scenes: readonly LiveSceneScript[],
  policy: Pick<LivePlayPolicy, 'repeat_count' | 'random_play_mode'>,
  pos: ScriptPosition,
  seed: number,
): { step: ScriptStep; paragraph: LiveParagraph; next: ScriptPosition } | undefined {
  let { round, step } = pos;
  for (let guard = 0; guard < 2; guard++) {
    if (round >= roundsOf(policy.repeat_count)) return undefined;
    const order = roundOrder(scenes, policy.random_play_mode, round, seed);
    if (order.length === 0) return undefined;
    if (step < order.length) {
      const s = order[step];
      return {
        step: s,
        paragraph: scenes[s.scene].shoot_scripts[s.paragraph],
        next: step + 1 < order.length ? { round, step: step + 1 } : { round: round + 1, step: 0 },
      };
    }
    round++;
    step = 0;
  }
  return undefined;
}

/** live_exit_config.max_live_duration (hours, 0 = none) → the moment the job must end. */
export function exitDeadline(start: Date, maxHours: number): Date | undefined {
  return maxHours > 0 ? new Date(start.getTime() + maxHours * 3_600_000) : undefined;
}

/**
 * Past the deadline, whether the job ends now: FORCE_EXIT at once; the other modes at the
 * boundary they name, seen when the step that just ended is one (SEGMENT_END: any paragraph).
 */
export function exitsAt(
  mode: LivePlayPolicy['live_exit_config']['auto_stop_mode'],
  ended: ScriptStep | undefined,
): boolean {
  if (mode === 'FORCE_EXIT') return true;
  if (!ended) return false;
  if (mode === 'SEGMENT_END') return true;
  if (mode === 'SCENE_END') return ended.sceneEnd;
  return ended.roundEnd;
}

export const ENDED = new Set<LiveJobRow['state']>(['SUCCEED', 'FAILED', 'BLOCKED']);

/** The job as ShowSmartLive / the lists answer it. */
export function jobWire(row: LiveJobRow, now: Date): SmartLiveJob {
  const end = row.end_time ?? (ENDED.has(row.state) ? row.update_time : undefined);
  const duration = row.start_time
    ? Math.max(0, Math.floor(((end ?? now).getTime() - row.start_time.getTime()) / 1000))
    : 0;
  return {
    job_id: row.job_id,
    room_id: row.room_id,
    room_name: row.room_name,
    state: row.state,
    duration,
    stream_duration: Math.floor(Number(row.stream_ms) / 1000),
    ...(row.start_time ? { start_time: wireTime(row.start_time) } : {}),
    ...(row.end_time ? { end_time: wireTime(row.end_time) } : {}),
    ...(row.error_code ? { error_info: { error_code: row.error_code, error_msg: row.error_msg ?? '' } } : {}),
    ...(row.block_reason ? { block_reason: row.block_reason } : {}),
    create_time: wireTime(row.create_time),
    lastupdate_time: wireTime(row.update_time),
    used_resource_type: 'UNKNOW',
  };
}
