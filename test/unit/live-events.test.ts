// Interaction rules against audience events, and the report URL's credential (pure).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveRoomInteractionRuleInfo } from '../../src/contract/generated/types.ts';
import { checkReportAuth, reportAuthKey, reportUrl } from '../../src/modules/live-jobs/live-events.auth.ts';
import {
  fieldOf,
  type LiveEventIn,
  matches,
  RuleState,
  withName,
} from '../../src/modules/live-jobs/live-events.rules.ts';

const comment = (t: number, text: string, name = 'Alice'): LiveEventIn => ({
  timestamp: t,
  type: 1,
  content: { user: { userId: 'u1', name }, content: text },
});
const gift = (t: number, num: number): LiveEventIn => ({
  timestamp: t,
  type: 4,
  content: { user: { name: 'Bob' }, gift: { giftName: 'rose', giftNum: num, totalValue: num * 2 } },
});
const rule = (
  r: Partial<LiveRoomInteractionRuleInfo> & {
    tags?: unknown[];
    relation?: string;
    priority?: number;
    window?: number;
    texts?: string[];
  },
): LiveRoomInteractionRuleInfo => ({
  rule_index: r.rule_index,
  event_type: r.event_type ?? 1,
  enabled_scenes: r.enabled_scenes,
  hit_condition: {
    relation: (r.relation ?? 'AND') as 'AND',
    priority: r.priority ?? 500,
    tags: (r.tags ?? []) as [],
  },
  trigger: {
    time_window: r.window ?? 0,
    reply_mode: 'SYSTEM_REPLY',
    reply_texts: r.texts ?? ['ok'],
    reply_order: 'ORDER',
    play_type: 'INSERT',
  },
});

test('fields and matches', () => {
  const e = gift(0, 3);
  assert.equal(fieldOf(e.content, 'giftNum'), 3);
  assert.equal(fieldOf(e.content, 'gift.giftName'), 'rose');
  assert.equal(fieldOf(e.content, 'name'), 'Bob');
  assert.equal(fieldOf(e.content, '__proto__'), undefined);
  assert.equal(matches('REGEX', 'how much is it', 'how much|price'), true);
  assert.equal(matches('REGEX', 'x', '('), false, 'a broken pattern never matches');
  assert.equal(matches('MATH_GE', '10', '10'), true);
  assert.equal(matches('MATH_GT', 'ten', '1'), false);
  assert.equal(withName('Thanks {name}!', comment(0, '')), 'Thanks Alice!');
});

test('priority, OR/AND, RESERVED fallback, ORDER replies with the name', () => {
  const s = new RuleState([
    rule({
      rule_index: 'price',
      priority: 100,
      tags: [{ tag: 'content', operation: 'NONE', match: 'REGEX', value: 'price|cost' }],
      texts: ['{name}, it is 9.90', 'Only 9.90, {name}'],
    }),
    rule({
      rule_index: 'both',
      priority: 50,
      relation: 'AND',
      tags: [
        { tag: 'content', match: 'REGEX', value: 'price' },
        { tag: 'name', match: 'EQUAL', value: 'VIP' },
      ],
    }),
    rule({ rule_index: 'else', relation: 'RESERVED', texts: ['Welcome {name}'] }),
  ]);
  assert.equal(s.evaluate(comment(1, 'what is the price'))?.replyText, 'Alice, it is 9.90');
  assert.equal(s.evaluate(comment(2, 'cost?'))?.replyText, 'Only 9.90, Alice');
  assert.equal(s.evaluate(comment(3, 'price', 'VIP'))?.ruleIndex, 'both', 'lower priority wins');
  const f = s.evaluate(comment(4, 'hello', 'Carl'));
  assert.equal(f?.ruleIndex, 'else');
  assert.equal(f?.replyText, 'Welcome Carl');
  assert.equal(s.evaluate(gift(5, 1)), undefined, 'no rule for gifts');
  const any = new RuleState([rule({ rule_index: 'any', event_type: 3 })]);
  assert.equal(any.evaluate({ timestamp: 1, type: 3, content: {} })?.ruleIndex, 'any', 'no tags: every like');
});

test('aggregates over the time window; -1 fires once; n limits the rate; scenes', () => {
  const s = new RuleState([
    rule({
      rule_index: 'sum',
      event_type: 4,
      window: 10,
      tags: [{ tag: 'giftNum', operation: 'SUM', match: 'MATH_GE', value: '10' }],
    }),
    rule({
      rule_index: 'count',
      event_type: 1,
      window: -1,
      tags: [{ tag: 'content', operation: 'COUNT', match: 'MATH_GE', value: '3' }],
    }),
    rule({
      rule_index: 'scene',
      event_type: 2,
      enabled_scenes: ['B'],
      tags: [{ tag: 'name', match: 'REGEX', value: '.' }],
    }),
  ]);
  assert.equal(s.evaluate(gift(0, 4)), undefined);
  assert.equal(s.evaluate(gift(11_000, 4)), undefined, 'the first gift left the 10 s window');
  assert.equal(s.evaluate(gift(12_000, 6))?.ruleIndex, 'sum');
  assert.equal(s.evaluate(gift(13_000, 20)), undefined, 'once per 10 s');
  assert.equal(s.evaluate(gift(22_000, 1))?.ruleIndex, 'sum', 'the window reopened (20 + 1 since it fired)');
  assert.equal(s.evaluate(comment(1, 'a')), undefined);
  assert.equal(s.evaluate(comment(2, 'b')), undefined);
  assert.equal(s.evaluate(comment(3, 'c'))?.ruleIndex, 'count');
  for (let i = 0; i < 5; i++) assert.equal(s.evaluate(comment(4 + i, 'd')), undefined, 'once per live');
  const enter = { timestamp: 1, type: 2, content: { user: { name: 'Dee' } } };
  assert.equal(s.evaluate(enter, 'A'), undefined);
  assert.equal(s.evaluate(enter, 'B')?.ruleIndex, 'scene');
});

test('report credential: HMAC over project, job and expiry; expired, forged, missing', () => {
  const t = { projectId: 'p1', roomId: 'r1', jobId: 'j1' };
  const url = new URL(reportUrl('http://127.0.0.1:8080/', 'sec', t, 1_000));
  assert.equal(url.pathname, '/v1/p1/smart-live-rooms/r1/smart-live-jobs/j1/live-event-report');
  const authKey = url.searchParams.get('auth_key') ?? '';
  const expiresTime = url.searchParams.get('expires_time') ?? '';
  assert.equal(authKey, reportAuthKey('sec', 'p1', 'j1', Number(expiresTime)));
  assert.equal(checkReportAuth('sec', t, { authKey, expiresTime }, 2_000), 'ok');
  assert.equal(checkReportAuth('sec', t, { authKey, expiresTime }, Number(expiresTime) + 1), 'expired');
  assert.equal(checkReportAuth('sec', { ...t, jobId: 'j2' }, { authKey, expiresTime }, 2_000), 'invalid');
  assert.equal(checkReportAuth('other', t, { authKey, expiresTime }, 2_000), 'invalid');
  assert.equal(checkReportAuth('sec', t, { authKey: authKey.slice(2), expiresTime }, 2_000), 'invalid');
  assert.equal(checkReportAuth('sec', t, { expiresTime }, 2_000), 'missing');
});
