// The knowledge base answering texts (KnowledgeAnswerer over the matcher), on both database
// legs. Two answerers stand for two processes (an API node and a worker, say): each follows
// every create, update and delete made through the API at once, from the database's change
// feed alone, and neither sees another project's knowledge.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { KnowledgeAnswerer } from '../../src/modules/knowledge/index.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const KB = '/v1/{project_id}/digital-human-chat/knowledge';

await describeEachDb('Knowledge answers follow the knowledge base in every process', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(async () => {
    await p?.close();
  });

  const ok = async (method: string, url: string, opts: Parameters<TestPlatform['call']>[2] = {}) => {
    const r = await p.call(method, url, opts);
    assert.equal(r.status, 200, `${method} ${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  };

  it('answers, then follows an update, a new question, a delete and a skill delete', async () => {
    const db = p.deps.moduleDeps.db;
    const api = new KnowledgeAnswerer(db);
    const worker = new KnowledgeAnswerer(db);
    const pid = p.tenant.projectId;
    const skill = (await ok('POST', `${KB}/skill`, { body: { name: '售后', identify: 'after_sales' } }))
      .skill_id as string;
    const returns = await ok('POST', `${KB}/intent-question`, {
      body: {
        skill_id: skill,
        name: '退货',
        answer: '七天内可以退货。',
        question_list: [
          { question: '怎么退货' },
          { question: '退货流程是什么' },
          { question: 'How do I return an item?' },
        ],
      },
    });
    const shipping = await ok('POST', `${KB}/intent-question`, {
      body: {
        skill_id: skill,
        name: '运费',
        answer: '满99包邮。',
        question_list: [{ question: '运费多少' }, { question: '包邮吗' }],
      },
    });

    for (const a of [api, worker]) {
      const r = await a.ask(pid, '請問怎麼申請退貨？');
      assert.equal(r.best?.intentId, returns.intent_id);
      assert.equal(r.best?.answer, '七天内可以退货。');
      assert.equal(r.best?.intentName, '退货');
      assert.equal((await a.ask(pid, '今天天气怎么样')).best, undefined, 'out of scope: no answer');
    }
    assert.equal(
      (await api.ask(p.other.projectId, '怎么退货')).best,
      undefined,
      'another project knows nothing',
    );

    // An answer changes: the next question gets the new one.
    await ok('PUT', `${KB}/intent/${returns.intent_id}`, { body: { answer: '三十天内可以退货。' } });
    assert.equal((await worker.ask(pid, '怎么退货')).best?.answer, '三十天内可以退货。');

    // A new phrasing answers at once in both.
    assert.notEqual((await api.ask(pid, 'is shipping free')).best?.intentId, shipping.intent_id);
    await ok('POST', `${KB}/question`, {
      body: { intent_id: shipping.intent_id, question: 'Is shipping free?' },
    });
    assert.equal((await api.ask(pid, 'is shipping free')).best?.intentId, shipping.intent_id);
    assert.equal((await worker.ask(pid, 'is shipping free')).best?.intentId, shipping.intent_id);

    // A rewritten question no longer answers by its old text.
    const q = (
      await ok('GET', `${KB}/question`, { query: { intent_id: shipping.intent_id, limit: 10 } })
    ).data.find((x: { question: string }) => x.question === '包邮吗');
    await ok('PUT', `${KB}/question/${q.question_id}`, { body: { question: '邮费谁出' } });
    const afterRewrite = await api.ask(pid, '包邮吗');
    assert.ok(afterRewrite.candidates.every((c) => c.questionId !== q.question_id || c.score < 0.9));
    assert.equal((await api.ask(pid, '邮费谁出')).best?.intentId, shipping.intent_id);

    // Deleting the intent removes its answers; deleting the skill removes the rest.
    await ok('POST', `${KB}/intent/delete`, { body: [returns.intent_id] });
    for (const a of [api, worker]) assert.equal((await a.ask(pid, '怎么退货')).best, undefined);
    await ok('POST', `${KB}/skill/delete`, { body: [skill] });
    for (const a of [api, worker]) {
      const r = await a.ask(pid, '运费多少');
      assert.equal(r.best, undefined);
      assert.equal(r.candidates.length, 0);
    }
  });

  it('the skills filter passes through; the cache holds a bounded number of projects', async () => {
    const db = p.deps.moduleDeps.db;
    const small = new KnowledgeAnswerer(db, {}, 1);
    const pid = p.tenant.projectId;
    const a = (await ok('POST', `${KB}/skill`, { body: { name: 'shop', identify: 'shop_a' } }))
      .skill_id as string;
    const b = (await ok('POST', `${KB}/skill`, { body: { name: 'desk', identify: 'desk_b' } }))
      .skill_id as string;
    await ok('POST', `${KB}/intent-question`, {
      body: {
        skill_id: a,
        name: 'hours-shop',
        answer: 'shop 10-22',
        question_list: [{ question: 'What are your opening hours?' }],
      },
    });
    const desk = await ok('POST', `${KB}/intent-question`, {
      body: {
        skill_id: b,
        name: 'hours-desk',
        answer: 'desk 9-17',
        question_list: [{ question: 'When is the help desk open?' }],
      },
    });
    assert.equal(
      (await small.ask(pid, 'is the help desk open now', { skillIds: [b] })).best?.intentId,
      desk.intent_id,
    );
    await small.ask(p.other.projectId, 'anything');
    // The first project left the cache; asking again rebuilds it from the feed, same answer.
    assert.equal(
      (await small.ask(pid, 'is the help desk open now', { skillIds: [b] })).best?.intentId,
      desk.intent_id,
    );
  });
});
