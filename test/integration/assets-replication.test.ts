// ShowAssetReplicationInfo → CreateAssetByReplicationInfo: another tenant gets a real copy
// (bytes copied by a job); tampered, foreign or expired infos are refused. And the
// recycle-bin purge: DELETING assets older than 7 days become DELETED, objects gone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { assetTasks, purgeRecycleBin } from '../../src/modules/assets/assets.jobs.ts';
import { signReplicationInfo } from '../../src/modules/assets/assets.replication.ts';
import { AssetsService } from '../../src/modules/assets/assets.service.ts';
import { insertFileRow, waitFor } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ASSETS = '/v1/{project_id}/digital-assets';
const COPY = '/v1/{project_id}/digital-assets-by-replication-info';
const DAY = 24 * 3600 * 1000;

await describeEachDb('asset replication and recycle-bin purge', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(() => p.close());

  const create = async (name: string, state: string, as = p.tenant) => {
    const r = await p.call('POST', ASSETS, {
      body: {
        asset_name: name,
        asset_type: 'IMAGE',
        tags: ['t1'],
        system_properties: [{ key: 'BACKGROUND_IMG', value: 'Yes' }],
      },
      as,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await sql`UPDATE assets SET asset_state = ${state}, asset_extra_meta = '{"image_meta":{"width":2,"height":1}}'
      WHERE asset_id = ${r.body.asset_id}`.execute(p.deps.database.db);
    return r.body.asset_id as string;
  };

  describe('replication', () => {
    it('ShowAssetReplicationInfo → CreateAssetByReplicationInfo copies the asset and its bytes into another tenant', async () => {
      const src = await create('to-copy', 'UNACTIVED');
      const main = await insertFileRow(p, p.tenant.projectId, src, {
        name: 'main.png',
        bytes: Buffer.from('MAIN BYTES'),
      });
      await insertFileRow(p, p.tenant.projectId, src, {
        name: 'c.jpg',
        bytes: Buffer.from('COVER'),
        category: 'COVER',
      });

      const info = await p.call('GET', `${ASSETS}/${src}/replication-info`);
      assert.equal(info.status, 200, JSON.stringify(info.body));
      assert.equal(info.body.asset_id, src);
      assert.equal(typeof info.body.asset_info, 'string');
      assert.equal(info.body.encryption_info.algorithm, 'HMAC-SHA256');
      assert.ok(Math.abs(info.body.expire_time - (Date.now() + DAY)) < 60_000);

      const r = await p.call('POST', COPY, {
        body: info.body,
        as: p.other,
        headers: { 'X-App-UserId': 'copier' },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const list = await p.call('GET', ASSETS, {
        as: p.other,
        query: { name: 'to-copy', asset_state: 'CREATING,UNACTIVED' },
      });
      assert.equal(list.body.count, 1);
      const copyId = list.body.assets[0].asset_id as string;
      assert.notEqual(copyId, src);

      const shown = await waitFor('the copy job', 15_000, async () => {
        const s = await p.call('GET', `${ASSETS}/${copyId}`, { as: p.other });
        return s.body.asset_state === 'UNACTIVED' ? s.body : undefined;
      });
      assert.equal(shown.project_id, p.other.projectId);
      assert.equal(shown.app_user_id, 'copier');
      assert.deepEqual(shown.tags, ['t1']);
      assert.deepEqual(shown.system_properties, [{ key: 'BACKGROUND_IMG', value: 'Yes' }]);
      assert.deepEqual(shown.asset_extra_meta, { image_meta: { width: 2, height: 1 } });
      assert.equal(shown.files.length, 2);
      const copiedMain = shown.files.find(
        (f: { asset_file_category: string }) => f.asset_file_category === 'MAIN',
      );
      assert.equal(copiedMain.state, 'CREATED');
      assert.equal(copiedMain.file_name, 'main.png');
      assert.equal((await p.fetchUrl('GET', copiedMain.download_url)).raw.toString(), 'MAIN BYTES');
      // A re-run of the copy job (as after a crash before it finished) adds nothing twice.
      await sql`UPDATE assets SET asset_state = 'CREATING' WHERE asset_id = ${copyId}`.execute(
        p.deps.database.db,
      );
      const replicate = assetTasks(p.deps.moduleDeps, new AssetsService(p.deps.moduleDeps)).find(
        (t) => t.name === 'assets.replicate',
      )!;
      const job = {
        projectId: p.other.projectId,
        assetId: copyId,
        sourceProjectId: p.tenant.projectId,
        sourceAssetId: src,
      };
      const helpers = {
        signal: new AbortController().signal,
        job: { attempts: 1, max_attempts: 3 },
        logger: p.deps.logger,
      };
      await replicate.handler(job as never, helpers as never);
      const again = (await p.call('GET', `${ASSETS}/${copyId}`, { as: p.other })).body;
      assert.equal(again.asset_state, 'UNACTIVED');
      assert.deepEqual(
        again.files.map((f: { file_id: string }) => f.file_id).sort(),
        shown.files.map((f: { file_id: string }) => f.file_id).sort(),
      );
      // The copy is independent: deleting the source's bytes leaves it whole.
      await p.call('DELETE', `${ASSETS}/${src}`, { query: { mode: 'force' } });
      assert.equal(await p.deps.objects.head(main.objectKey), null);
      assert.equal((await p.fetchUrl('GET', copiedMain.download_url)).raw.toString(), 'MAIN BYTES');
    });

    it('CreateAssetByReplicationInfo refuses tampered, foreign-key, expired and missing asset_info with 400', async () => {
      const src = await create('guarded', 'ACTIVED');
      const info = (await p.call('GET', `${ASSETS}/${src}/replication-info`)).body;
      const [body, sig] = info.asset_info.split('.');
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
      const forged = Buffer.from(JSON.stringify({ ...payload, a: '0'.repeat(32) })).toString('base64url');
      const now = new Date();
      const cases = [
        { asset_info: `${forged}.${sig}` },
        { asset_info: `${body}.${sig.slice(0, -2)}AA` },
        { asset_info: 'garbage' },
        signReplicationInfo(Buffer.alloc(32, 7), { projectId: p.tenant.projectId, assetId: src }, now),
        signReplicationInfo(
          p.deps.moduleDeps.keys.replication,
          { projectId: p.tenant.projectId, assetId: src },
          new Date(now.getTime() - 2 * DAY),
        ),
        {},
        { ...info, asset_id: '1'.repeat(32) },
      ];
      for (const c of cases) {
        const r = await p.call('POST', COPY, { body: c, as: p.other });
        assert.equal(r.status, 400, JSON.stringify(c).slice(0, 80));
        assert.equal(r.body.error_code, 'MSS.00000003');
      }
      const expired = await p.call('POST', COPY, { body: cases[4], as: p.other });
      assert.match(expired.body.error_msg, /expired/);
    });

    it('ShowAssetReplicationInfo only for the owner of an ACTIVED/UNACTIVED asset', async () => {
      const creating = await create('not-ready', 'CREATING');
      assert.equal((await p.call('GET', `${ASSETS}/${creating}/replication-info`)).status, 400);
      const foreign = await p.call('GET', `${ASSETS}/${creating}/replication-info`, { as: p.other });
      assert.equal(foreign.body.error_code, 'MSS.10001001');
      // An info issued before the source went to the recycle bin no longer copies.
      const src = await create('binned-src', 'ACTIVED');
      const info = (await p.call('GET', `${ASSETS}/${src}/replication-info`)).body;
      await p.call('DELETE', `${ASSETS}/${src}`);
      const r = await p.call('POST', COPY, { body: info, as: p.other });
      assert.equal(r.body.error_code, 'MSS.10001001');
    });
  });

  describe('recycle-bin purge', () => {
    it('purge finalises DELETING assets older than 7 days (DeleteAsset then purge): DELETED, objects gone', async () => {
      const old = await create('old-bin', 'ACTIVED');
      const fresh = await create('fresh-bin', 'ACTIVED');
      const f = await insertFileRow(p, p.tenant.projectId, old, { name: 'o.png', bytes: Buffer.from('old') });
      const g = await insertFileRow(p, p.tenant.projectId, fresh, {
        name: 'f.png',
        bytes: Buffer.from('new'),
      });
      await p.call('DELETE', `${ASSETS}/${old}`);
      await p.call('DELETE', `${ASSETS}/${fresh}`);
      await sql`UPDATE assets SET deleted_at = now() - interval '8 days' WHERE asset_id = ${old}`.execute(
        p.deps.database.db,
      );
      const svc = new AssetsService(p.deps.moduleDeps);
      const purged = await purgeRecycleBin(svc, p.deps.database.db, new Date());
      assert.equal(purged, 1);
      assert.equal(await p.deps.objects.head(f.objectKey), null);
      assert.ok(await p.deps.objects.head(g.objectKey));
      assert.equal((await p.call('GET', `${ASSETS}/${old}`)).body.error_code, 'MSS.10001001');
      assert.equal((await p.call('GET', `${ASSETS}/${fresh}`)).body.asset_state, 'DELETING');
      // The summary still says what became of it.
      const s = await p.call('POST', `${ASSETS}/summarys`, { body: { asset_ids: [old] } });
      assert.equal(s.body.asset_list[0].asset_state, 'DELETED');
      // Eight days later the fresh one goes too (with what earlier tests binned); a second
      // run finds nothing more.
      assert.ok((await purgeRecycleBin(svc, p.deps.database.db, new Date(Date.now() + 8 * DAY))) >= 1);
      assert.equal(await p.deps.objects.head(g.objectKey), null);
      assert.equal(await purgeRecycleBin(svc, p.deps.database.db, new Date(Date.now() + 8 * DAY)), 0);
    });

    it('the purge task is scheduled hourly and its delete-objects job is queued with the deletion', async () => {
      const jobs = await p.deps.database.db
        .selectFrom('jobs')
        .select(['task', 'job_key', 'run_at'])
        .where('task', 'in', ['assets.purge-recycle-bin', 'assets.delete-objects'])
        .execute();
      const purge = jobs.find((j) => j.task === 'assets.purge-recycle-bin');
      assert.ok(purge, 'a purge run is booked');
      assert.equal(purge.run_at.getTime() % 3_600_000, 0);
      assert.ok(jobs.some((j) => j.task === 'assets.delete-objects'));
    });
  });
});
