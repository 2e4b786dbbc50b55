// The pure rules of the dialog-apps module: the app_type mapping, the LLM URL check, the
// vendor fields a create or an update leaves, and the code lifetimes and states.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  activeCodeExpiry,
  activeCodeState,
  generateActiveCode,
  ONCE_CODE_TTL_MS,
  onceCodeExpiry,
} from '../../src/modules/dialog-apps/codes.rules.ts';
import { checkIdList, effectiveOffset } from '../../src/modules/dialog-apps/dialog-apps.rules.ts';
import {
  backingOf,
  checkLlmUrl,
  MASKED_KEY,
  resolveVendor,
} from '../../src/modules/dialog-apps/robots.rules.ts';

const DAY = 86_400_000;

it('backingOf: 0 and 2 answer from the knowledge base, 6 from an LLM; the rest are refused saying why', () => {
  assert.equal(backingOf(0), 'KNOWLEDGE_BASE');
  assert.equal(backingOf(2), 'KNOWLEDGE_BASE');
  assert.equal(backingOf(6), 'LLM');
  assert.throws(() => backingOf(1), /Huawei Cloud CBS.*cannot reach/);
  assert.throws(() => backingOf(8), /Mobvoi.*cannot reach/);
  assert.throws(() => backingOf(7), /WiseBrain/);
  assert.throws(() => backingOf(5), /driver/);
  assert.throws(() => backingOf(31), /not a known type/);
});

it('checkLlmUrl: public http(s) only, unless private fetches are allowed', () => {
  assert.equal(
    checkLlmUrl('https://api.example.com/v1/chat/completions', false),
    'https://api.example.com/v1/chat/completions',
  );
  for (const bad of [
    'http://127.0.0.1/',
    'http://10.0.0.1/',
    'http://169.254.169.254/',
    'http://[::1]:8080/',
    'http://[::ffff:192.168.0.1]/',
    'http://localhost/',
    'http://api.localhost/',
    'file:///etc/passwd',
    'https://u:p@example.com/',
    'nope',
  ])
    assert.throws(
      () => checkLlmUrl(bad, false),
      (e: { code?: string }) => e.code === 'MSS.47010134',
      bad,
    );
  assert.equal(checkLlmUrl('http://127.0.0.1:11434/v1', true), 'http://127.0.0.1:11434/v1');
  assert.throws(() => checkLlmUrl('ftp://127.0.0.1/', true), /only http and https/);
});

it('resolveVendor: type 6 needs a URL; updates keep unsent fields and keys; a type change starts afresh', () => {
  const opts = { allowPrivate: false };
  assert.throws(
    () => resolveVendor(6, {}, opts),
    (e: { code?: string }) => e.code === 'MSS.47010130',
  );
  assert.throws(
    () => resolveVendor(6, { third_party_model_config: { app_key: 'k' } }, opts),
    (e: { code?: string }) => e.code === 'MSS.47010131',
  );
  const created = resolveVendor(
    6,
    { third_party_model_config: { llm_url: 'https://x.example/', app_key: 'k1' } },
    opts,
  );
  assert.equal(created.fields.chat_rounds, 1);
  assert.equal(created.fields.is_stream, false);
  assert.deepEqual(created.secrets, { app_key: 'k1' });
  const updated = resolveVendor(
    6,
    { third_party_model_config: { chat_rounds: 4, app_key: MASKED_KEY } },
    { ...opts, stored: created },
  );
  assert.equal(updated.fields.llm_url, 'https://x.example/');
  assert.equal(updated.fields.chat_rounds, 4);
  assert.deepEqual(updated.secrets, { app_key: 'k1' });
  const retyped = resolveVendor(0, {}, { ...opts, stored: created });
  assert.equal(retyped.fields.llm_url, null);
  assert.deepEqual(retyped.secrets, {});
  assert.throws(
    () => resolveVendor(0, { iflytek_spark: {} }, opts),
    /iflytek_spark does not belong to app_type 0/,
  );
});

it('once-codes live 5 minutes; activation windows are days, 0 for ever', () => {
  const t = new Date('2026-01-01T00:00:00Z');
  assert.equal(onceCodeExpiry(t).getTime() - t.getTime(), ONCE_CODE_TTL_MS);
  assert.equal(ONCE_CODE_TTL_MS, 300_000);
  assert.equal(activeCodeExpiry(t, 0), undefined);
  assert.equal(activeCodeExpiry(t, 3)?.getTime(), t.getTime() + 3 * DAY);
  assert.match(generateActiveCode(), /^[A-HJKMNP-Z2-9]{12}$/);
});

it('activeCodeState: EXPIRED at the window end, FULL when full of other users, else ACTIVE', () => {
  const validFrom = new Date('2026-01-01T00:00:00Z');
  const base = { validFrom, validPeriodDays: 1, admitted: 0, maxUsers: 1 };
  assert.equal(activeCodeState({ ...base, now: new Date(validFrom.getTime() + DAY - 1) }), 'ACTIVE');
  assert.equal(activeCodeState({ ...base, now: new Date(validFrom.getTime() + DAY) }), 'EXPIRED');
  assert.equal(activeCodeState({ ...base, now: validFrom, admitted: 1 }), 'FULL');
  assert.equal(activeCodeState({ ...base, now: validFrom, admitted: 1, alreadyAdmitted: true }), 'ACTIVE');
  assert.equal(activeCodeState({ ...base, now: validFrom, maxUsers: 0, alreadyAdmitted: true }), 'FULL');
  assert.equal(
    activeCodeState({ ...base, validPeriodDays: 0, now: new Date(validFrom.getTime() + 1000 * DAY) }),
    'ACTIVE',
  );
});

it('the id list and last-page rules', () => {
  assert.deepEqual(checkIdList(['a', 'a', 'b'], 'robot_id'), ['a', 'b']);
  assert.throws(() => checkIdList([], 'robot_id'), /non-empty/);
  assert.throws(() => checkIdList(Array(101).fill('a'), 'robot_id'), /at most 100/);
  assert.equal(effectiveOffset(5, 9, 2), 4);
  assert.equal(effectiveOffset(0, 9, 2), 0);
});
