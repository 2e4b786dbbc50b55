// Audience events against a room's interaction rules (SEMANTICS §4.3 steps 4–5), pure: the
// live-job worker keeps one RuleState per job, feeds it each reported event, and gets back the
// rule that fires (at most one per event) with the reply to speak. No I/O, no clock of its own
// (event timestamps are the clock). Unit-tested.
//
// How a rule is read (the choices are listed in contract/ERRATA.md):
// - `tag` names a field of the event's content: a dotted path (`gift.giftNum`), or a bare name
//   looked up in the content, then in its `gift`, then in its `user` (`content`, `giftNum`,
//   `name`, `level`, `numberOfViewers`).
// - operation NONE matches this event's field; COUNT / SUM / AVG aggregate the rule's events
//   (events of its event_type) since the rule last fired, limited to the last `time_window`
//   seconds when that is positive; COUNT counts events, SUM / AVG add / average the field.
// - match EQUAL compares strings exactly; REGEX tests a JavaScript regular expression (the
//   field is cut to 1024 characters); MATH_GT / GE / LT / LE / EQ compare numbers.
// - relation AND needs every tag, OR one, and a rule without tags hits every event of its type
//   (ERRATA 62); RESERVED (the fallback) fires on an event of its type that no other rule hit.
// - Of the rules that hit, the lowest priority fires (ties: the first listed).
// - time_window −1: once per live; 0: every hit; n > 0: at most once per n seconds.
// - enabled_scenes: the rule applies only while one of those scenes plays (empty: all).
// - A SYSTEM_REPLY text is picked in ORDER (round robin per rule) or at RANDOM; `{name}`,
//   `{nickname}` and `{user_name}` in it become the event's user name.
import type { LiveRoomInteractionRuleInfo } from '../../contract/generated/types.ts';

export interface LiveEventIn {
  /** Epoch ms. */
  timestamp: number;
  type: number;
  /** The parsed content JSON. */
  content: Record<string, unknown>;
}

export interface RuleHit {
  rule: LiveRoomInteractionRuleInfo;
  ruleIndex: string;
  /** The reply to speak, with the user's name put in (SYSTEM_REPLY modes with texts). */
  replyText?: string;
  event: LiveEventIn;
}

const MAX_FIELD = 1024;

/** The value a tag names in an event's content. */
export function fieldOf(content: Record<string, unknown>, tag: string): unknown {
  const walk = (obj: unknown, path: string[]): unknown =>
    path.reduce<unknown>(
      (o, k) =>
        o && typeof o === 'object' && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined,
      obj,
    );
  if (tag.includes('.')) return walk(content, tag.split('.'));
  for (const scope of [content, content.gift, content.user]) {
    const v = walk(scope, [tag]);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function matches(match: string, actual: unknown, expected: string): boolean {
  if (actual === undefined || actual === null) return false;
  const s = String(actual).slice(0, MAX_FIELD);
  switch (match) {
    case 'EQUAL':
      return s === expected;
    case 'REGEX':
      try {
        return new RegExp(expected, 'u').test(s);
      } catch {
        return false;
      }
    default: {
      const a = Number(actual);
      const b = Number(expected);
      if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
      if (match === 'MATH_GT') return a > b;
      if (match === 'MATH_GE') return a >= b;
      if (match === 'MATH_LT') return a < b;
      if (match === 'MATH_LE') return a <= b;
      return a === b;
    }
  }
}

interface PerRule {
  /** Events of the rule's type since it last fired: [timestamp, content]. */
  events: LiveEventIn[];
  lastFired?: number;
  fired: number;
  nextReply: number;
}

export class RuleState {
  private readonly per = new Map<string, PerRule>();

  constructor(
    private rules: readonly LiveRoomInteractionRuleInfo[],
    private readonly random: () => number = Math.random,
  ) {}

  /** REWRITE_INTERACTION_RULES: new rules, fresh windows. */
  replace(rules: readonly LiveRoomInteractionRuleInfo[]): void {
    this.rules = rules;
    this.per.clear();
  }

  private stateOf(index: string): PerRule {
    let s = this.per.get(index);
    if (!s) {
      s = { events: [], fired: 0, nextReply: 0 };
      this.per.set(index, s);
    }
    return s;
  }

  /** Feeds one event; returns the rule that fires for it, if any. */
  evaluate(event: LiveEventIn, scene?: string): RuleHit | undefined {
    const live = this.rules
      .map((rule, i) => ({ rule, index: rule.rule_index ?? String(i) }))
      .filter(
        ({ rule }) =>
          rule.enabled !== false &&
          rule.event_type === event.type &&
          (!rule.enabled_scenes?.length || (scene !== undefined && rule.enabled_scenes.includes(scene))),
      );
    const hits: Array<{ rule: LiveRoomInteractionRuleInfo; index: string; order: number }> = [];
    const fallbacks: typeof hits = [];
    live.forEach(({ rule, index }, order) => {
      const st = this.stateOf(index);
      const window = rule.trigger?.time_window ?? 0;
      st.events.push(event);
      if (window > 0) st.events = st.events.filter((e) => e.timestamp > event.timestamp - window * 1000);
      if (!this.mayFire(st, window, event.timestamp)) return;
      const relation = rule.hit_condition?.relation ?? 'AND';
      if (relation === 'RESERVED') {
        fallbacks.push({ rule, index, order });
        return;
      }
      const tags = rule.hit_condition?.tags ?? [];
      // No tags: every event of the rule's type hits (ERRATA 62).
      const results = tags.map((t) => matches(t.match ?? 'EQUAL', this.measure(st, event, t), t.value ?? ''));
      if (relation === 'OR' ? results.some(Boolean) : results.every(Boolean))
        hits.push({ rule, index, order });
    });
    const pool = hits.length ? hits : fallbacks;
    if (!pool.length) return undefined;
    const priority = (r: LiveRoomInteractionRuleInfo) => r.hit_condition?.priority ?? 500;
    const win = pool.reduce((a, b) => (priority(b.rule) < priority(a.rule) ? b : a));
    const st = this.stateOf(win.index);
    st.lastFired = event.timestamp;
    st.fired++;
    st.events = [];
    const replyText = this.pickReply(win.rule, st, event);
    return { rule: win.rule, ruleIndex: win.index, event, ...(replyText !== undefined ? { replyText } : {}) };
  }

  private mayFire(st: PerRule, window: number, now: number): boolean {
    if (window < 0) return st.fired === 0;
    if (window > 0 && st.lastFired !== undefined) return now - st.lastFired >= window * 1000;
    return true;
  }

  private measure(st: PerRule, event: LiveEventIn, t: { tag?: string; operation?: string }): unknown {
    const op = t.operation ?? 'NONE';
    if (op === 'NONE') return fieldOf(event.content, t.tag ?? '');
    if (op === 'COUNT') return st.events.length;
    const nums = st.events.map((e) => Number(fieldOf(e.content, t.tag ?? ''))).filter(Number.isFinite);
    const sum = nums.reduce((a, b) => a + b, 0);
    return op === 'SUM' ? sum : nums.length ? sum / nums.length : undefined;
  }

  private pickReply(rule: LiveRoomInteractionRuleInfo, st: PerRule, event: LiveEventIn): string | undefined {
    const texts = rule.trigger?.reply_texts ?? [];
    const mode = rule.trigger?.reply_mode ?? 'SYSTEM_REPLY';
    if (!texts.length || (mode !== 'SYSTEM_REPLY' && mode !== 'SYSTEM_REPLY_AND_CALLBACK')) return undefined;
    const k =
      rule.trigger?.reply_order === 'RANDOM'
        ? Math.floor(this.random() * texts.length)
        : st.nextReply++ % texts.length;
    return withName(texts[k], event);
  }
}

/** `{name}` / `{nickname}` / `{user_name}` → the event's user name (empty when there is none). */
export function withName(text: string, event: LiveEventIn): string {
  const user = event.content.user as Record<string, unknown> | undefined;
  const name = typeof user?.name === 'string' ? user.name : '';
  return text.replace(/\{(?:name|nickname|user_name)\}/g, name);
}
