// The knowledge skill file on both database legs: ExportKnowledgeSkill (octet-stream) and the
// `doppel kb export|import` functions round-trip a skill; an import is all or nothing under the
// API's limits; CreateKnowledgeSkill stops at 100 skills per tenant, and ListKnowledgeSkill
// answers the last page past the end; DeleteKnowledgeSkill takes an id list.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { exportSkillFile, importSkillFile } from '../../src/main/kb-cli.ts';
import { parseSkillFile } from '../../src/modules/knowledge/index.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const KB = '/v1/{project_id}/digital-human-chat/knowledge';

await describeEachDb('Knowledge skill files (export, import) and the skill count limit', (leg) => {
  let p: TestPlatform;
  let tmp: string;
  before(async () => {
    p = await startTestPlatform(leg);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-kb-'));
  });
  after(async () => {
    await p?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
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

  it('ExportKnowledgeSkill → import (the CLI function) gives the same intents and questions', async () => {
    const s = await ok('POST', `${KB}/skill`, { body: { name: '门店问答', identify: 'store_qa' } });
    await ok('POST', `${KB}/intent-question`, {
      body: {
        skill_id: s.skill_id,
        name: '营业',
        answer: '每天\n9:00–21:00',
        question_list: [{ question: '几点关门' }, { question: '周末开吗' }],
      },
    });
    await ok('POST', `${KB}/intent`, {
      body: { skill_id: s.skill_id, name: '无问题', answer: '"quoted" ✓' },
    });
    const r = await p.call('GET', `${KB}/skill/${s.skill_id}/export`, { query: { export_type: 0 } });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /application\/octet-stream/);
    const file = parseSkillFile(r.raw);
    assert.deepEqual(file.skill, { name: '门店问答', identify: 'store_qa' });
    assert.deepEqual(
      file.intents.map((i) => [i.name, i.answer, i.questions]),
      [
        ['营业', '每天\n9:00–21:00', ['几点关门', '周末开吗']],
        ['无问题', '"quoted" ✓', []],
      ],
    );
    await fails('MSS.00000003', 'GET', `${KB}/skill/${s.skill_id}/export`, { query: { export_type: 3 } });
    const bytes = await exportSkillFile(p.deps.database.db, p.tenant.projectId, s.skill_id);
    assert.deepEqual(Buffer.from(bytes), r.raw, 'the CLI writes what the API answers');

    const out = path.join(tmp, 'store.json');
    fs.writeFileSync(out, r.raw);
    // Same tenant: the name is taken, and nothing is written.
    await assert.rejects(importSkillFile(p.deps.database.db, p.tenant.projectId, out), /MSS\.47010020/);
    const imported = await importSkillFile(p.deps.database.db, p.other.projectId, out);
    assert.deepEqual([imported.identify, imported.intents, imported.questions], ['store_qa', 2, 2]);
    const again = await p.call('GET', `${KB}/skill/${imported.skill_id}/export`, {
      as: p.other,
      query: { export_type: 0 },
    });
    assert.deepEqual(again.raw, r.raw, 'round trip: byte-identical file');
    const intents = await ok('GET', `${KB}/intent`, { as: p.other, query: { skill_id: imported.skill_id } });
    assert.deepEqual(
      intents.data.map((i: { name: string }) => i.name),
      ['营业', '无问题'],
    );
  });

  it('import enforces the limits all or nothing; the skill count stops at 100', async () => {
    const tenant = p.other.projectId;
    const over = path.join(tmp, 'over.json');
    const intents = Array.from({ length: 1001 }, (_, k) => ({ name: `i${k}`, answer: 'a', questions: [] }));
    fs.writeFileSync(
      over,
      JSON.stringify({
        format: 'doppel-knowledge-skill',
        version: 1,
        skill: { name: 'huge', identify: 'huge' },
        intents,
      }),
    );
    await assert.rejects(importSkillFile(p.deps.database.db, tenant, over), /MSS\.47010026/);
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(
      bad,
      JSON.stringify({
        format: 'doppel-knowledge-skill',
        version: 1,
        skill: { name: 'bad', identify: 'bad' },
        intents: [{ name: 'x', answer: 'a', questions: ['q'.repeat(65)] }],
      }),
    );
    await assert.rejects(importSkillFile(p.deps.database.db, tenant, bad), /intents\[0\]\.questions\[0\]/);
    const names = (await ok('GET', `${KB}/skill`, { as: p.other, query: { limit: 100 } })).data.map(
      (x: { name: string }) => x.name,
    );
    assert.ok(!names.includes('huge') && !names.includes('bad'));

    const have = (await ok('GET', `${KB}/skill`)).count as number;
    const made: string[] = [];
    for (let k = have; k < 100; k++) made.push(await skill());
    await fails('MSS.47019001', 'POST', `${KB}/skill`, { body: { name: 'hundred1', identify: 'hundred1' } });
    const all = await ok('GET', `${KB}/skill`, { query: { offset: 100, limit: 100 } });
    assert.equal(all.offset, 0, 'past the end: the last (only) page');
    assert.equal(all.data.length, 100);
    await ok('POST', `${KB}/skill/delete`, { body: made });
    await skill();
  });
});
