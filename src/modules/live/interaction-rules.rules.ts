// Pure validation of interaction rules (SEMANTICS.md §4.3 step 5): what a room, a rule library
// or a REWRITE_INTERACTION_RULES command may hold. Each rule comes back normalised — defaults
// filled, a rule_index given — so the live engine reads one complete shape. No I/O; the asset
// ids a rule names are returned for the caller to check. Unit-tested.
import type {
  HitConditionTag,
  LiveRoomInteractionRuleInfo,
  SmartLayerConfig,
  TriggerProcess,
} from '../../contract/generated/types.ts';
import { LiveErrors } from './live.errors.ts';
import { type AssetRef, chars, checkHttpUrl, checkPlainText } from './live.text.ts';

/** Event types a rule may match: 1 comment, 2 user entered, 3 like, 4 gift, 10 preset script. */
export const RULE_EVENT_TYPES = [1, 2, 3, 4, 10] as const;
export const MAX_RULES = 100;
export const MAX_TAGS = 20;
export const MAX_REPLY_TEXTS = 5;
export const MAX_REPLY_TEXT = 1024;
export const MAX_REPLY_AUDIOS = 5;
export const MAX_ENABLED_SCENES = 100;
export const DEFAULT_PRIORITY = 500;

export type HitRelation = 'AND' | 'OR' | 'RESERVED';
export type TagMatch = NonNullable<HitConditionTag['match']>;
export type TagOperation = NonNullable<HitConditionTag['operation']>;

/** A tag as the engine reads it: every field present. */
export interface LiveHitTag {
  tag: string;
  operation: TagOperation;
  match: TagMatch;
  value: string;
}

/** A rule after validation: the wire shape with every default filled. */
export interface LiveInteractionRule extends LiveRoomInteractionRuleInfo {
  rule_index: string;
  enabled: boolean;
  event_type: number;
  hit_condition: { relation: HitRelation; priority: number; tags: LiveHitTag[] };
  trigger: TriggerProcess & {
    time_window: number;
    reply_mode: NonNullable<TriggerProcess['reply_mode']>;
    reply_order: 'RANDOM' | 'ORDER';
    reply_role: 'STREAMER' | 'CO_STREAMER';
  };
}

export interface RuleContext {
  /** Names the field in errors, e.g. "interaction_rules". */
  at: string;
  /** Scene names a rule's enabled_scenes may list; absent for rule libraries (no scenes). */
  sceneNames?: ReadonlySet<string>;
  /** Whether the room has a co-streamer (reply_role CO_STREAMER needs one). */
  hasCoStreamer?: boolean;
}

const MATH: ReadonlySet<string> = new Set(['MATH_GT', 'MATH_GE', 'MATH_LT', 'MATH_LE', 'MATH_EQ']);
const REPLY_MODES_SPEAKING: ReadonlySet<string> = new Set(['SYSTEM_REPLY', 'SYSTEM_REPLY_AND_CALLBACK']);

/**
 * Validates and normalises rules; throws a 400 catalog error naming the first bad field.
 * Returns the rules and the asset ids their layers name (for the caller's visibility check).
 */
export function checkInteractionRules(
  rules: readonly LiveRoomInteractionRuleInfo[],
  ctx: RuleContext,
): { rules: LiveInteractionRule[]; assetRefs: AssetRef[] } {
  const bad = (why: string) => LiveErrors.invalid(why);
  if (rules.length > MAX_RULES) throw bad(`${ctx.at}: at most ${MAX_RULES} rules, got ${rules.length}`);
  const refs: AssetRef[] = [];
  const given = new Set<string>();
  for (const [i, r] of rules.entries()) {
    if (r.rule_index === undefined || r.rule_index === '') continue;
    checkPlainText(r.rule_index, `${ctx.at}[${i}].rule_index`);
    if (given.has(r.rule_index)) throw bad(`${ctx.at}[${i}].rule_index ${r.rule_index} is repeated`);
    given.add(r.rule_index);
  }
  // Rules without an index get the first free "rule-N": stable, readable, unique in the set.
  let next = 1;
  const freeIndex = (): string => {
    while (given.has(`rule-${next}`)) next++;
    given.add(`rule-${next}`);
    return `rule-${next}`;
  };
  const out = rules.map((r, i) => {
    const at = `${ctx.at}[${i}]`;
    return checkRule(r, at, ctx, refs, r.rule_index ? r.rule_index : freeIndex());
  });
  return { rules: out, assetRefs: refs };
}

function checkRule(
  r: LiveRoomInteractionRuleInfo,
  at: string,
  ctx: RuleContext,
  refs: AssetRef[],
  ruleIndex: string,
): LiveInteractionRule {
  const bad = (why: string) => LiveErrors.invalid(`${at}.${why}`);
  if (r.rule_name !== undefined) checkPlainText(r.rule_name, `${at}.rule_name`);
  if (r.event_type === undefined) throw bad('event_type is required');
  if (!(RULE_EVENT_TYPES as readonly number[]).includes(r.event_type))
    throw bad(`event_type ${r.event_type}: must be one of ${RULE_EVENT_TYPES.join(', ')}`);
  if (!r.trigger) throw bad('trigger is required');
  const trigger = checkTrigger(r.trigger, `${at}.trigger`, ctx, refs);
  const hit = checkHit(r.hit_condition, `${at}.hit_condition`, trigger.time_window);
  const rule: LiveInteractionRule = {
    ...r,
    rule_index: ruleIndex,
    enabled: r.enabled ?? true,
    event_type: r.event_type,
    hit_condition: hit,
    trigger,
  };
  if (r.enabled_scenes !== undefined) {
    if (ctx.sceneNames === undefined) throw bad('enabled_scenes: only a room rule has scenes');
    if (r.enabled_scenes.length > MAX_ENABLED_SCENES)
      throw bad(`enabled_scenes: at most ${MAX_ENABLED_SCENES}, got ${r.enabled_scenes.length}`);
    const seen = new Set<string>();
    for (const [j, name] of r.enabled_scenes.entries()) {
      if (!ctx.sceneNames.has(name))
        throw bad(`enabled_scenes[${j}] "${name}" is not the script_name of a scene in this room`);
      if (seen.has(name)) throw bad(`enabled_scenes[${j}] "${name}" is repeated`);
      seen.add(name);
    }
  }
  return rule;
}

function checkHit(
  h: LiveRoomInteractionRuleInfo['hit_condition'],
  at: string,
  timeWindow: number,
): LiveInteractionRule['hit_condition'] {
  const bad = (why: string) => LiveErrors.invalid(`${at}${why}`);
  const relation = h?.relation ?? 'AND';
  const priority = h?.priority ?? DEFAULT_PRIORITY;
  if (!Number.isInteger(priority) || priority < 0 || priority > 999) throw bad('.priority must be 0-999');
  const tags = h?.tags ?? [];
  if (tags.length > MAX_TAGS) throw bad(`.tags: at most ${MAX_TAGS}, got ${tags.length}`);
  // RESERVED is the fallback rule: it hits when no other rule of its event type did, so it has
  // no condition of its own.
  if (relation === 'RESERVED' && tags.length > 0)
    throw bad('.tags: a RESERVED (fallback) rule takes no tags');
  return {
    relation,
    priority,
    tags: tags.map((t, i) => checkTag(t, `${at}.tags[${i}]`, timeWindow)),
  };
}

function checkTag(t: HitConditionTag, at: string, timeWindow: number): LiveHitTag {
  const bad = (why: string) => LiveErrors.invalid(`${at}.${why}`);
  if (t.tag === undefined || t.tag.trim() === '') throw bad('tag is required (the event content field)');
  checkPlainText(t.tag, `${at}.tag`);
  if (t.match === undefined) throw bad('match is required');
  if (t.value === undefined) throw bad('value is required');
  checkPlainText(t.value, `${at}.value`, { allowEmpty: true });
  const operation = t.operation ?? 'NONE';
  if (operation !== 'NONE' && !MATH.has(t.match))
    throw bad(`match ${t.match}: an aggregate (${operation}) compares numbers, so match must be MATH_*`);
  // SUM / AVG / COUNT run over the trigger's time window (n seconds, or the whole live for -1);
  // with 0 every event stands alone, and there is nothing to aggregate.
  if (operation !== 'NONE' && timeWindow === 0)
    throw bad(`operation ${operation} needs trigger.time_window -1 or > 0 (0 judges each event alone)`);
  if (MATH.has(t.match)) {
    const n = Number(t.value);
    if (t.value.trim() === '' || !Number.isFinite(n))
      throw bad(`value "${t.value}" must be a number for ${t.match}`);
  }
  if (t.match === 'REGEX') {
    try {
      new RegExp(t.value, 'u');
    } catch (e) {
      throw bad(`value is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  return { tag: t.tag, operation, match: t.match, value: t.value };
}

function checkTrigger(
  t: TriggerProcess,
  at: string,
  ctx: RuleContext,
  refs: AssetRef[],
): LiveInteractionRule['trigger'] {
  const bad = (why: string) => LiveErrors.invalid(`${at}.${why}`);
  const mode = t.reply_mode ?? 'SYSTEM_REPLY';
  if (mode === 'INTELLIGENT_REPLY') {
    if (!t.robot_id) throw LiveErrors.intelligentReplyRobot(`${at}.robot_id`, 'robot_id is required');
  } else if (t.robot_id !== undefined && t.robot_id !== '')
    throw bad('robot_id is only for reply_mode INTELLIGENT_REPLY');
  const timeWindow = t.time_window ?? 0;
  if (!Number.isInteger(timeWindow) || timeWindow < -1 || timeWindow > 7200)
    throw bad('time_window must be -1 (once per live), 0 (every time) or 1-7200 seconds');
  const texts = t.reply_texts ?? [];
  if (texts.length > MAX_REPLY_TEXTS)
    throw bad(`reply_texts: at most ${MAX_REPLY_TEXTS}, got ${texts.length}`);
  for (const [i, text] of texts.entries()) {
    checkPlainText(text, `${at}.reply_texts[${i}]`, { multiline: true });
    if (chars(text) > MAX_REPLY_TEXT)
      throw bad(`reply_texts[${i}] has ${chars(text)} characters; at most ${MAX_REPLY_TEXT}`);
  }
  const audios = t.reply_audios ?? [];
  if (audios.length > MAX_REPLY_AUDIOS)
    throw bad(`reply_audios: at most ${MAX_REPLY_AUDIOS}, got ${audios.length}`);
  for (const [i, a] of audios.entries()) {
    if (!a.audio_url) throw bad(`reply_audios[${i}].audio_url is required`);
    checkHttpUrl(a.audio_url, `${at}.reply_audios[${i}].audio_url`);
    if (a.audio_name !== undefined)
      checkPlainText(a.audio_name, `${at}.reply_audios[${i}].audio_name`, { allowEmpty: true });
  }
  if (REPLY_MODES_SPEAKING.has(mode) && texts.length === 0 && audios.length === 0)
    throw bad(`reply_mode ${mode} needs reply_texts or reply_audios`);
  if (mode === 'SHOW_LAYER' && !t.layer_config)
    throw bad('layer_config is required for reply_mode SHOW_LAYER');
  if (t.layer_config) checkSmartLayer(t.layer_config, `${at}.layer_config`, refs);
  // A live stream draws IMAGE layers only (ERRATA 88): a TEXT or VIDEO reply is refused, not dropped.
  if (mode === 'SHOW_LAYER' && t.layer_config && t.layer_config.layer_type !== 'IMAGE')
    throw bad(
      `layer_config.layer_type ${t.layer_config.layer_type}: SHOW_LAYER shows IMAGE layers only (TEXT and VIDEO are not supported yet)`,
    );
  if (t.extra_layer_config) checkSmartLayer(t.extra_layer_config, `${at}.extra_layer_config`, refs);
  const role = t.reply_role ?? 'STREAMER';
  if (role === 'CO_STREAMER' && ctx.hasCoStreamer === false)
    throw bad('reply_role CO_STREAMER needs the room to have co_streamer_config');
  return {
    ...t,
    time_window: timeWindow,
    reply_mode: mode,
    reply_order: t.reply_order ?? 'ORDER',
    reply_role: role,
  };
}

/** A layer a rule shows (SHOW_LAYER) or that a room draws: it must have something to draw. */
export function checkSmartLayer(l: SmartLayerConfig, at: string, refs: AssetRef[]): void {
  const bad = (why: string) => LiveErrors.invalid(`${at}${why}`);
  const durations = [
    l.image_config?.display_duration,
    l.video_config?.display_duration,
    l.text_config?.display_duration,
  ];
  for (const d of durations)
    if (d !== undefined && (!Number.isFinite(d) || d < 0))
      throw bad(': display_duration must be ≥ 0 seconds');
  if (l.layer_type === 'IMAGE') {
    if (!l.asset_id && !l.image_config?.image_url)
      throw bad(': an IMAGE layer needs asset_id or image_config.image_url');
    if (l.image_config?.image_url) checkHttpUrl(l.image_config.image_url, `${at}.image_config.image_url`);
    if (l.asset_id) refs.push({ field: `${at}.asset_id`, assetId: l.asset_id, types: ['IMAGE'] });
  } else if (l.layer_type === 'VIDEO') {
    if (!l.asset_id && !l.video_config?.video_url)
      throw bad(': a VIDEO layer needs asset_id or video_config.video_url');
    if (l.video_config?.video_url) checkHttpUrl(l.video_config.video_url, `${at}.video_config.video_url`);
    if (l.video_config?.video_cover_url)
      checkHttpUrl(l.video_config.video_cover_url, `${at}.video_config.video_cover_url`);
    if (l.asset_id) refs.push({ field: `${at}.asset_id`, assetId: l.asset_id, types: ['VIDEO'] });
  } else {
    const text = l.text_config?.text_context;
    if (text === undefined || text.trim() === '') throw bad(': a TEXT layer needs text_config.text_context');
    checkPlainText(text, `${at}.text_config.text_context`, { multiline: true });
  }
}

/** How a reply of this rule enters the speech queue: its own play_type, else the room's, else APPEND. */
export function replyPlayType(
  rule: LiveInteractionRule,
  roomDefault: 'APPEND' | 'INSERT' | 'PLAY_NOW' | undefined,
): 'APPEND' | 'INSERT' | 'PLAY_NOW' {
  return rule.trigger.play_type ?? roomDefault ?? 'APPEND';
}
