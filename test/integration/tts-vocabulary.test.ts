// Vocabulary configs (custom pronunciations): CreateTtscVocabularyConfigs,
// ListTtscVocabularyConfigs (paging, filters), SaveTtscVocabularyConfigs,
// DeleteTtscVocabularyConfigs — per project — and an ALIAS applied to a synthesis only when
// is_vocabulary_config_enable is set.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { download, EN_VOICE, waitForAsyncJob } from '../helpers/tts.ts';

const BASE = '/v1/{project_id}/ttsc/vocabulary-configs';

await describeEachDb('TTS vocabulary configs (Create/List/Save/DeleteTtscVocabularyConfigs)', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(async () => {
    await p?.close();
  });

  const create = (body: Record<string, unknown>, as = p.tenant) => p.call('POST', BASE, { body, as });

  it('CreateTtscVocabularyConfigs validates each type; ListTtscVocabularyConfigs pages with count', async () => {
    const good = [
      { type: 'ALIAS', key: 'ACME', value: 'A C M E corporation', group_id: 'g1' },
      { type: 'SAY_AS', key: '12345', value: 'digits' },
      { type: 'PHONETIC_SYMBOL', key: 'Doppel', value: 'ˈdɒpəl' },
      { type: 'CHINESE_G2P', key: '重庆', value: 'chong2 qing4', group_id: 'g1' },
      { type: 'CONTINUUM', key: 'New York' },
    ];
    const ids: string[] = [];
    for (const b of good) {
      const r = await create(b);
      assert.equal(r.status, 200, `${b.type}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.id, /^[0-9a-f]{32}$/);
      ids.push(r.body.id);
    }
    for (const b of [
      { type: 'CHINESE_G2P', key: 'abc', value: 'a1' },
      { type: 'CHINESE_G2P', key: '重庆', value: 'chongqing' },
      { type: 'SAY_AS', key: '1', value: 'loudly' },
      { type: 'ALIAS', key: 'x', value: '' },
    ]) {
      const r = await create(b);
      assert.equal(r.status, 400, JSON.stringify(b));
      assert.equal(r.body.error_code, 'MSS.00000003');
    }
    // The same key and type twice is refused.
    assert.equal((await create(good[0] as Record<string, unknown>)).status, 400);

    const page1 = await p.call('GET', BASE, { query: { limit: 2, offset: 0 } });
    assert.equal(page1.status, 200);
    assert.equal(page1.body.count, 5);
    const page2 = await p.call('GET', BASE, { query: { limit: 2, offset: 2 } });
    const page3 = await p.call('GET', BASE, { query: { limit: 2, offset: 4 } });
    assert.equal(page3.body.data.length, 1);
    // Pages are disjoint and together hold every entry (order: create_time, then id).
    const seen = [page1, page2, page3].flatMap((pg) => pg.body.data.map((d: { id: string }) => d.id));
    assert.deepEqual([...seen].sort(), [...ids].sort());
    assert.match(page3.body.data[0].create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const g1 = await p.call('GET', BASE, { query: { group_id: 'g1' } });
    assert.equal(g1.body.count, 2);
    const alias = await p.call('GET', BASE, { query: { type: 'ALIAS' } });
    assert.equal(alias.body.count, 1);
    assert.equal(alias.body.data[0].value, 'A C M E corporation');
    const search = await p.call('GET', BASE, { query: { search_key: 'york' } });
    assert.equal(search.body.count, 1);

    // Another project sees none of them and cannot change them.
    const theirs = await p.call('GET', BASE, { as: p.other });
    assert.equal(theirs.body.count, 0);
    const steal = await p.call('PUT', `${BASE}/${ids[0]}`, {
      body: { type: 'ALIAS', key: 'ACME', value: 'stolen' },
      as: p.other,
    });
    assert.equal(steal.status, 400);

    // SaveTtscVocabularyConfigs rewrites one entry; DeleteTtscVocabularyConfigs removes by id.
    const saved = await p.call('PUT', `${BASE}/${ids[0]}`, {
      body: { type: 'ALIAS', key: 'ACME', value: 'Acme Incorporated', group_id: 'g2' },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.id, ids[0]);
    const after1 = await p.call('GET', BASE, { query: { type: 'ALIAS' } });
    assert.equal(after1.body.data[0].value, 'Acme Incorporated');
    assert.equal(after1.body.data[0].group_id, 'g2');

    const del = await p.call('DELETE', BASE, { body: { id: ids.slice(1) } });
    assert.equal(del.status, 200);
    const left = await p.call('GET', BASE);
    assert.equal(left.body.count, 1);
    assert.equal((await p.call('DELETE', BASE, { body: { id: [] } })).status, 400);
    // Clean up for the next test.
    await p.call('DELETE', BASE, { body: { id: [ids[0]] } });
  });

  it('an ALIAS changes what CreateAsyncTtsJob says only with is_vocabulary_config_enable', async () => {
    const r = await create({
      type: 'ALIAS',
      key: 'WHO',
      value: 'the World Health Organization of the United Nations',
    });
    assert.equal(r.status, 200);
    const run = async (enable: boolean) => {
      const c = await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
        body: { text: 'WHO said so.', voice_asset_id: EN_VOICE, is_vocabulary_config_enable: enable },
      });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      const job = await waitForAsyncJob(p, c.body.job_id);
      assert.equal(job.state, 'SUCCEED', JSON.stringify(job));
      return JSON.parse((await download(p, job.audio_info_file_url)).toString('utf8'));
    };
    const plain = await run(false);
    const aliased = await run(true);
    assert.ok(
      aliased.duration_ms > plain.duration_ms + 1000,
      `alias spoken: ${aliased.duration_ms} ms vs ${plain.duration_ms} ms`,
    );
    // Word timings still point at what the caller wrote.
    const who = aliased.words.filter((w: { text: string }) => w.text === 'WHO');
    assert.ok(who.length >= 1, JSON.stringify(aliased.words));
  });
});
