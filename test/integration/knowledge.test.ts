// The knowledge base over HTTP on both database legs: skills (CreateKnowledgeSkill,
// ListKnowledgeSkill, ShowKnowledgeSkill, UpdateKnowledgeSkill, DeleteKnowledgeSkill,
// ExportKnowledgeSkill), intents (CreateKnowledgeIntent, CreateIntentAndQuestion,
// ListKnowledgeIntent, ShowKnowledgeIntent, UpdateKnowledgeIntent, DeleteKnowledgeIntent) and
// questions (CreateKnowledgeQuestion, CreateBatchKnowledgeQuestion, ListKnowledgeQuestion,
// ShowKnowledgeQuestion, UpdateKnowledgeQuestion, UpdateBatchKnowledgeQuestion,
// DeleteKnowledgeQuestion): limits and catalog errors, cascades, all-or-nothing batches, the
// last-page rule, tenant isolation and the change feed. The skill file and the import limits
// are in knowledge-transfer.test.ts.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { KnowledgeStore } from '../../src/modules/knowledge/index.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const KB = '/v1/{project_id}/digital-human-chat/knowledge';

await describeEachDb('Knowledge base (skills, intents, questions, change feed)', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(async () => {
    await p?.close();
  });

  let n = 0;
  const uniq = () => `k${(++n).toString(36)}${newId().slice(0, 6)}`;
  const ok = async (method: string, url: string, opts: Parameters<TestPlatform['call']>[2] = {}) => {
    const r = await p.call(method, url, opts);
    assert.equal(r.status, 200, `${method} ${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const fails = async (
    code: string,
    method: string,
    url: string,
    opts: Parameters<TestPlatform['call']>[2] = {},
    msg?: RegExp,
  ) => {
    const r = await p.call(method, url, opts);
    assert.equal(r.status, 400, `${method} ${url}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error_code, code, JSON.stringify(r.body));
    if (msg) assert.match(r.body.error_msg, msg);
    return r.body;
  };
  const skill = async (name = uniq()) =>
    (await ok('POST', `${KB}/skill`, { body: { name, identify: name } })).skill_id as string;
  const intent = async (skillId: string, name = uniq(), answer = `answer of ${name}`) =>
    (await ok('POST', `${KB}/intent`, { body: { skill_id: skillId, name, answer } })).intent_id as string;

  it('skills: create, show, list, partial update, uniqueness, bad input, other tenants', async () => {
    const created = await ok('POST', `${KB}/skill`, { body: { name: '售后服务', identify: 'after_sales' } });
    assert.equal(created.identify, 'after_sales');
    const id = created.skill_id as string;
    const s = await ok('GET', `${KB}/skill/${id}`);
    assert.equal(s.name, '售后服务');
    assert.match(s.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await fails('MSS.47010020', 'POST', `${KB}/skill`, { body: { name: '售后服务', identify: 'other1' } });
    await fails('MSS.47010021', 'POST', `${KB}/skill`, { body: { name: 'x2', identify: 'after_sales' } });
    await fails('MSS.00000003', 'POST', `${KB}/skill`, { body: { name: 'x3', identify: '9starts_digit' } });
    const long = await p.call('POST', `${KB}/skill`, { body: { name: 'n'.repeat(33), identify: 'abc' } });
    assert.equal(long.status, 400);
    const longId = await p.call('POST', `${KB}/skill`, { body: { name: 'y', identify: 'a'.repeat(16) } });
    assert.equal(longId.status, 400);

    await ok('PUT', `${KB}/skill/${id}`, { body: { name: '售后' } });
    const u = await ok('GET', `${KB}/skill/${id}`);
    assert.equal(u.name, '售后');
    assert.equal(u.identify, 'after_sales', 'identify untouched when not given');
    const other = await skill();
    await fails('MSS.47010020', 'PUT', `${KB}/skill/${other}`, { body: { name: '售后' } });
    await ok('PUT', `${KB}/skill/${id}`, { body: { name: '售后', identify: 'after_sales' } }); // itself: fine

    const list = await ok('GET', `${KB}/skill`, { query: { limit: 100 } });
    assert.ok(list.data.some((x: { skill_id: string }) => x.skill_id === id));
    assert.equal(list.count, list.data.length);

    // p.other sees and changes nothing of p's.
    await fails('MSS.47010022', 'GET', `${KB}/skill/${id}`, { as: p.other });
    await fails('MSS.47010022', 'PUT', `${KB}/skill/${id}`, { as: p.other, body: { name: 'z' } });
    await fails('MSS.47010022', 'POST', `${KB}/skill/delete`, { as: p.other, body: [id] });
    await fails('MSS.47010022', 'GET', `${KB}/intent`, { as: p.other, query: { skill_id: id } });
    const theirs = await ok('GET', `${KB}/skill`, { as: p.other });
    assert.ok(!theirs.data.some((x: { skill_id: string }) => x.skill_id === id));
    // The same name is free in another tenant.
    await ok('POST', `${KB}/skill`, { as: p.other, body: { name: '售后', identify: 'after_sales' } });
    await fails('MSS.00000003', 'POST', `${KB}/skill/delete`, { body: [] });
  });

  it('intents: generated identify, names unique per skill, partial update, last-page paging, isolation', async () => {
    const s1 = await skill();
    const s2 = await skill();
    const c = await ok('POST', `${KB}/intent`, {
      body: { skill_id: s1, name: '退货', answer: '七天无理由' },
    });
    assert.match(c.identify, /^[A-Za-z][A-Za-z0-9_]{0,31}$/);
    await fails('MSS.47010024', 'POST', `${KB}/intent`, {
      body: { skill_id: s1, name: '退货', answer: 'a' },
    });
    await intent(s2, '退货'); // another skill: fine
    await fails('MSS.47010022', 'POST', `${KB}/intent`, {
      body: { skill_id: newId(), name: 'q', answer: 'a' },
    });
    const big = await p.call('POST', `${KB}/intent`, {
      body: { skill_id: s1, name: 'big', answer: 'x'.repeat(2001) },
    });
    assert.equal(big.status, 400);

    await ok('PUT', `${KB}/intent/${c.intent_id}`, { body: { answer: '十五天无理由' } });
    const shown = await ok('GET', `${KB}/intent/${c.intent_id}`);
    assert.equal(shown.name, '退货');
    assert.equal(shown.answer, '十五天无理由');
    assert.equal(shown.identify, c.identify);
    const second = await intent(s1, '换货');
    await fails('MSS.47010024', 'PUT', `${KB}/intent/${second}`, { body: { name: '退货' } });

    for (let i = 0; i < 3; i++) await intent(s1, `topic ${i}`);
    const page = await ok('GET', `${KB}/intent`, { query: { skill_id: s1, offset: 2, limit: 2 } });
    assert.equal(page.count, 5);
    assert.deepEqual(
      page.data.map((x: { name: string }) => x.name),
      ['topic 0', 'topic 1'],
    );
    // Past the end: the last page (offset 4 of 5 with limit 2).
    const past = await ok('GET', `${KB}/intent`, { query: { skill_id: s1, offset: 50, limit: 2 } });
    assert.equal(past.offset, 4);
    assert.deepEqual(
      past.data.map((x: { name: string }) => x.name),
      ['topic 2'],
    );

    await fails('MSS.47010027', 'GET', `${KB}/intent/${c.intent_id}`, { as: p.other });
    await fails('MSS.47010027', 'PUT', `${KB}/intent/${c.intent_id}`, { as: p.other, body: { name: 'x' } });
    await fails('MSS.47010027', 'POST', `${KB}/intent/delete`, { as: p.other, body: [c.intent_id] });
    await fails('MSS.47010027', 'POST', `${KB}/intent/delete`, { body: [second, newId()] });
    await ok('GET', `${KB}/intent/${second}`); // the failed delete removed nothing
  });

  it('questions: unique per skill, batches all or nothing naming the item, limits, swaps, isolation', async () => {
    const s = await skill();
    const i1 = await intent(s);
    const i2 = await intent(s);
    const both = await ok('POST', `${KB}/intent-question`, {
      body: {
        skill_id: s,
        name: uniq(),
        answer: 'a',
        question_list: [{ question: '几点开门' }, { question: '营业时间' }],
      },
    });
    assert.equal(both.question_list.length, 2);
    assert.equal(both.question_list[0].intent_id, both.intent_id);
    const q = (await ok('POST', `${KB}/question`, { body: { intent_id: i1, question: '怎么退货' } }))
      .question_id as string;
    assert.equal((await ok('GET', `${KB}/question/${q}`)).question, '怎么退货');
    await fails('MSS.47010029', 'POST', `${KB}/question`, { body: { intent_id: i2, question: '营业时间' } });
    await fails('MSS.47010027', 'POST', `${KB}/question`, { body: { intent_id: newId(), question: 'x' } });
    assert.equal(
      (await p.call('POST', `${KB}/question`, { body: { intent_id: i1, question: 'q'.repeat(65) } })).status,
      400,
    );

    // CreateIntentAndQuestion with a taken question writes no intent either.
    const name = uniq();
    await fails(
      'MSS.47010029',
      'POST',
      `${KB}/intent-question`,
      {
        body: {
          skill_id: s,
          name,
          answer: 'a',
          question_list: [{ question: 'new one' }, { question: '怎么退货' }],
        },
      },
      /question_list\[1\] "怎么退货"/,
    );
    const names = (await ok('GET', `${KB}/intent`, { query: { skill_id: s, limit: 100 } })).data.map(
      (x: { name: string }) => x.name,
    );
    assert.ok(!names.includes(name));

    await fails('MSS.47010032', 'POST', `${KB}/question-batch`, {
      body: { intent_id: i2, question_list: [] },
    });
    await fails(
      'MSS.47010029',
      'POST',
      `${KB}/question-batch`,
      {
        body: {
          intent_id: i2,
          question_list: [{ question: 'b1' }, { question: 'b2' }, { question: '几点开门' }],
        },
      },
      /question_list\[2\] "几点开门"/,
    );
    await fails(
      'MSS.00000003',
      'POST',
      `${KB}/question-batch`,
      { body: { intent_id: i2, question_list: [{ question: 'b1' }, { question: 'b1' }] } },
      /question_list\[1\]/,
    );
    assert.equal(
      (await ok('GET', `${KB}/question`, { query: { intent_id: i2 } })).count,
      0,
      'nothing written',
    );
    const batch = await ok('POST', `${KB}/question-batch`, {
      body: { intent_id: i2, question_list: Array.from({ length: 200 }, (_, k) => ({ question: `b${k}` })) },
    });
    assert.equal(batch.question_list.length, 200);
    await fails('MSS.47019002', 'POST', `${KB}/question`, {
      body: { intent_id: i2, question: 'one too many' },
    });

    // Last page of questions: 200 with limit 30 → offset 180.
    const last = await ok('GET', `${KB}/question`, { query: { intent_id: i2, offset: 999, limit: 30 } });
    assert.equal(last.offset, 180);
    assert.equal(last.data.length, 20);
    assert.equal(last.data.at(-1).question, 'b199');

    // Batch modify: a swap is fine; a clash names the item and changes nothing.
    const [a, b] = batch.question_list as Array<{ question_id: string }>;
    await ok('PUT', `${KB}/question-batch`, {
      body: {
        question_list: [
          { question_id: a!.question_id, question: 'b1' },
          { question_id: b!.question_id, question: 'b0' },
        ],
      },
    });
    assert.equal((await ok('GET', `${KB}/question/${a!.question_id}`)).question, 'b1');
    await fails(
      'MSS.47010029',
      'PUT',
      `${KB}/question-batch`,
      {
        body: {
          question_list: [
            { question_id: a!.question_id, question: 'fresh' },
            { question_id: b!.question_id, question: '怎么退货' },
          ],
        },
      },
      /question_list\[1\] "怎么退货"/,
    );
    await fails(
      'MSS.47010030',
      'PUT',
      `${KB}/question-batch`,
      {
        body: {
          question_list: [
            { question_id: a!.question_id, question: 'fresh' },
            { question_id: newId(), question: 'x' },
          ],
        },
      },
      /question_list\[1\]/,
    );
    assert.equal((await ok('GET', `${KB}/question/${a!.question_id}`)).question, 'b1', 'unchanged');
    await fails('MSS.47010032', 'PUT', `${KB}/question-batch`, { body: { question_list: [] } });

    await ok('PUT', `${KB}/question/${q}`, { body: { question: '如何退货' } });
    assert.equal((await ok('GET', `${KB}/question/${q}`)).question, '如何退货');
    await fails('MSS.47010030', 'GET', `${KB}/question/${q}`, { as: p.other });
    await fails('MSS.47010030', 'PUT', `${KB}/question/${q}`, { as: p.other, body: { question: 'x' } });
    await fails('MSS.47010030', 'POST', `${KB}/question/delete`, { as: p.other, body: [q] });
    await fails('MSS.47010027', 'GET', `${KB}/question`, { as: p.other, query: { intent_id: i1 } });
    await ok('POST', `${KB}/question/delete`, { body: [q] });
    await fails('MSS.47010030', 'GET', `${KB}/question/${q}`);
  });

  it('deleting a skill removes its intents and questions; the change feed reports all of it', async () => {
    const store = new KnowledgeStore(p.deps.database.db);
    const pid = p.tenant.projectId;
    const start = await store.currentRev(pid);
    const s = await skill();
    const i1 = await intent(s);
    const qs = await ok('POST', `${KB}/question-batch`, {
      body: { intent_id: i1, question_list: [{ question: 'feed one' }, { question: 'feed two' }] },
    });
    const [q1, q2] = qs.question_list.map((x: { question_id: string }) => x.question_id);
    const c1 = await store.changesSince(pid, start);
    assert.ok(c1.rev > start);
    assert.deepEqual(
      c1.upserts.filter((u) => u.intentId === i1).map((u) => [u.id, u.skillId, u.text]),
      [
        [q1, s, 'feed one'],
        [q2, s, 'feed two'],
      ],
    );
    const fresh = await store.changesSince(pid, 0);
    assert.ok(fresh.upserts.some((u) => u.id === q1));
    assert.deepEqual(fresh.removed, []);
    assert.deepEqual(await store.answerOf(pid, i1), {
      answer: (await ok('GET', `${KB}/intent/${i1}`)).answer,
      intentName: (await ok('GET', `${KB}/intent/${i1}`)).name,
      skillId: s,
    });
    assert.equal(await store.answerOf(p.other.projectId, i1), undefined);

    await ok('PUT', `${KB}/question/${q1}`, { body: { question: 'feed uno' } });
    const c2 = await store.changesSince(pid, c1.rev);
    assert.deepEqual(
      c2.upserts.map((u) => [u.id, u.text]),
      [[q1, 'feed uno']],
    );
    assert.deepEqual(await store.changesSince(pid, c2.rev), { rev: c2.rev, upserts: [], removed: [] });
    const ahead = await store.changesSince(pid, c2.rev + 1000);
    assert.equal(ahead.reset, true, 'a reader ahead of the database is told to start over');
    assert.equal(ahead.rev, c2.rev);
    assert.ok(ahead.upserts.some((u) => u.id === q1));

    await ok('POST', `${KB}/question/delete`, { body: [q2] });
    const c3 = await store.changesSince(pid, c2.rev);
    assert.deepEqual(c3.removed, [q2]);

    const i2 = await intent(s);
    const q3 = (await ok('POST', `${KB}/question`, { body: { intent_id: i2, question: 'feed three' } }))
      .question_id as string;
    const mark = await store.currentRev(pid);
    await ok('POST', `${KB}/skill/delete`, { body: [s] });
    await fails('MSS.47010022', 'GET', `${KB}/skill/${s}`);
    await fails('MSS.47010027', 'GET', `${KB}/intent/${i1}`);
    await fails('MSS.47010030', 'GET', `${KB}/question/${q3}`);
    const c4 = await store.changesSince(pid, mark);
    assert.deepEqual(c4.removed.sort(), [q1, q3].sort());
    assert.deepEqual(c4.upserts, []);
    assert.equal(c4.rev, mark + 1, 'one delete, one revision');
    assert.equal(await store.answerOf(pid, i1), undefined);
    // Deleting an intent tombstones its questions too.
    const s2 = await skill();
    const i3 = await intent(s2);
    const q4 = (await ok('POST', `${KB}/question`, { body: { intent_id: i3, question: 'feed four' } }))
      .question_id as string;
    const mark2 = await store.currentRev(pid);
    await ok('POST', `${KB}/intent/delete`, { body: [i3] });
    assert.deepEqual((await store.changesSince(pid, mark2)).removed, [q4]);
    await fails('MSS.47010030', 'GET', `${KB}/question/${q4}`);
  });
});
