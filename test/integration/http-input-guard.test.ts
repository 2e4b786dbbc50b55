// Values no field can hold are refused for every operation at validation, with 400
// MSS.00000003 naming the field, before any module or the database sees them: NUL
// characters, unpaired surrogates, non-finite and unsafe numbers, invalid UTF-8 in a JSON
// body, prototype keys. Runs on both database legs, since the database is what failed.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ASSETS = '/v1/{project_id}/digital-assets';

await describeEachDb('Input guard (NUL, surrogates, numbers, UTF-8, prototype keys)', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg, { runJobs: false });
  });
  after(async () => {
    await p?.close();
  });

  const refused = (
    r: { status: number; body: { error_code?: string; error_msg?: string } },
    field: string,
  ) => {
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error_code, 'MSS.00000003');
    assert.ok(r.body.error_msg?.includes(field), `${r.body.error_msg} should name ${field}`);
  };

  it('NUL in a path id, a query string and a body field', async () => {
    refused(await p.call('GET', `${ASSETS}/%00`), 'path.asset_id');
    refused(await p.call('GET', ASSETS, { query: { name: 'a\u0000b' } }), 'query.name');
    refused(
      await p.call('POST', ASSETS, {
        body: { asset_name: 'n', asset_type: 'IMAGE', asset_description: 'a\u0000b' },
      }),
      'body.asset_description',
    );
  });

  it('unpaired surrogates in a body, nested or in a key', async () => {
    refused(
      await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
        body: { text: '\ud800', voice_asset_id: 'x', output_format: 'wav' },
      }),
      'body.text',
    );
    refused(
      await p.call('POST', ASSETS, {
        body: { asset_name: 'n', asset_type: 'IMAGE', asset_extra_meta: { deep: ['ok', 'x\udc00'] } },
      }),
      'body.asset_extra_meta.deep[1]',
    );
    refused(
      await p.call('POST', ASSETS, { body: { asset_name: 'n', asset_type: 'IMAGE', tags: { '\ud83d': 1 } } }),
      'body.tags',
    );
  });

  it('Infinity, 1e309 and integers beyond the safe range, in queries and bodies', async () => {
    refused(await p.call('GET', ASSETS, { query: { limit: 'Infinity' } }), 'query.limit');
    refused(await p.call('GET', ASSETS, { query: { offset: '1e309' } }), 'query.offset');
    refused(await p.call('GET', ASSETS, { query: { offset: '100000000000000000000' } }), 'query.offset');
    refused(
      await p.call('GET', '/v1/{project_id}/digital-human-video-scripts', { query: { limit: '-Infinity' } }),
      'query.limit',
    );
    const huge = Buffer.from('{"asset_name":"n","asset_type":"IMAGE","asset_order":1e309}');
    refused(await p.call('POST', ASSETS, { body: huge }), 'body.asset_order');
  });

  it('invalid UTF-8 in a JSON body is refused, not stored with replacement characters', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"asset_name":"ab'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","asset_type":"IMAGE"}'),
    ]);
    refused(await p.call('POST', ASSETS, { body: bytes }), 'body.asset_name');
    const list = await p.call('GET', ASSETS);
    assert.equal(list.status, 200);
    assert.equal(list.body.count, 0, 'nothing was created');
  });

  it('__proto__ and constructor.prototype keys', async () => {
    const proto = Buffer.from('{"asset_name":"n","asset_type":"IMAGE","__proto__":{"admin":true}}');
    refused(await p.call('POST', ASSETS, { body: proto }), 'body.__proto__');
    refused(
      await p.call('POST', ASSETS, {
        body: { asset_name: 'n', asset_type: 'IMAGE', asset_extra_meta: { constructor: { prototype: {} } } },
      }),
      'body.asset_extra_meta.constructor',
    );
  });

  it('ordinary text with emoji, CJK and a replacement character is still accepted', async () => {
    const r = await p.call('POST', ASSETS, {
      body: { asset_name: '数字人 🙂 \uFFFD', asset_type: 'IMAGE', asset_description: 'tab\tok' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
});
