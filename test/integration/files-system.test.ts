// System assets: the files in assets/system/ are seeded at start (right after migrations)
// under the reserved system project, every project lists and shows them, the catalog's
// stored meta matches what the media probe says about the shipped files, and seeding is
// idempotent and repairs a damaged object.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { SYSTEM_PROJECT_ID } from '../../src/core/db/schema.ts';
import { SYSTEM_ASSETS, SYSTEM_AVATARS, SYSTEM_VOICES } from '../../src/modules/assets/system-catalog.ts';
import {
  SYSTEM_ASSETS_DIR,
  SYSTEM_AVATARS_DIR,
  seedSystemAssets,
} from '../../src/modules/assets/system-seed.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');

await describeEachDb('System assets (seeded at start)', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(async () => {
    await p?.close();
  });

  it('ships at least two background images, one background music and one sample video', () => {
    const bg = SYSTEM_ASSETS.filter((a) => a.systemProperties.some((s) => s.key === 'BACKGROUND_IMG'));
    assert.ok(bg.length >= 2);
    assert.ok(SYSTEM_ASSETS.some((a) => a.type === 'MUSIC'));
    assert.ok(SYSTEM_ASSETS.some((a) => a.type === 'VIDEO'));
    for (const a of SYSTEM_ASSETS) {
      assert.match(a.assetId, /^[0-9a-f]{32}$/);
      const bytes = fs.readFileSync(path.join(SYSTEM_ASSETS_DIR, a.file.name));
      assert.equal(bytes.length, a.file.size, a.file.name);
      assert.equal(md5(bytes), a.file.md5, a.file.name);
    }
    assert.equal(new Set(SYSTEM_ASSETS.map((a) => a.assetId)).size, SYSTEM_ASSETS.length);
  });

  it('seeds every catalog entry: ACTIVED SYSTEM assets with a CREATED MAIN file whose object is in the store', async () => {
    const rows = await p.deps.database.db
      .selectFrom('assets')
      .selectAll()
      .where('project_id', '=', SYSTEM_PROJECT_ID)
      .where('asset_type', 'not in', ['VOICE_MODEL', 'HUMAN_MODEL_2D'])
      .execute();
    assert.equal(rows.length, SYSTEM_ASSETS.length);
    for (const entry of SYSTEM_ASSETS) {
      const row = rows.find((r) => r.asset_id === entry.assetId);
      assert.ok(row, entry.name);
      assert.equal(row.asset_source, 'SYSTEM');
      assert.equal(row.asset_state, 'ACTIVED');
      assert.equal(row.asset_type, entry.type);
      assert.deepEqual(row.tags, entry.tags);
      assert.deepEqual(row.system_properties, entry.systemProperties);
      assert.deepEqual(row.asset_extra_meta, entry.extraMeta);
      const files = await p.deps.database.db
        .selectFrom('asset_files')
        .selectAll()
        .where('project_id', '=', SYSTEM_PROJECT_ID)
        .where('asset_id', '=', entry.assetId)
        .execute();
      assert.equal(files.length, 1);
      assert.equal(files[0].asset_file_category, 'MAIN');
      assert.equal(files[0].state, 'CREATED');
      const head = await p.deps.objects.head(files[0].object_key);
      assert.equal(head?.md5, entry.file.md5);
      assert.equal(head?.contentType, entry.file.contentType);
    }
  });

  it('seeds the 2D avatars: HUMAN_MODEL_2D with the zipped package as MAIN and its preview as COVER', async () => {
    assert.ok(SYSTEM_AVATARS.length >= 3);
    for (const a of SYSTEM_AVATARS) {
      assert.match(a.assetId, /^[0-9a-f]{32}$/);
      const row = await p.deps.database.db
        .selectFrom('assets')
        .selectAll()
        .where('project_id', '=', SYSTEM_PROJECT_ID)
        .where('asset_id', '=', a.assetId)
        .executeTakeFirstOrThrow();
      assert.equal(row.asset_type, 'HUMAN_MODEL_2D');
      assert.equal(row.asset_state, 'ACTIVED');
      assert.deepEqual(row.asset_extra_meta, { human_model_2d_meta: a.meta });
      const files = await p.deps.database.db
        .selectFrom('asset_files')
        .selectAll()
        .where('project_id', '=', SYSTEM_PROJECT_ID)
        .where('asset_id', '=', a.assetId)
        .orderBy('asset_file_category')
        .execute();
      assert.deepEqual(
        files.map((f) => [f.asset_file_category, f.file_md5]),
        [
          ['COVER', a.cover.md5],
          ['MAIN', a.main.md5],
        ],
      );
      for (const f of [a.main, a.cover]) {
        const bytes = fs.readFileSync(path.join(SYSTEM_AVATARS_DIR, f.path));
        assert.equal(bytes.length, f.size, f.path);
        assert.equal(md5(bytes), f.md5, f.path);
      }
    }
  });

  it("the catalog's stored asset_extra_meta is what the media probe says about the shipped files", async () => {
    for (const entry of SYSTEM_ASSETS) {
      const info = await p.deps.moduleDeps.media.inspect(path.join(SYSTEM_ASSETS_DIR, entry.file.name), {});
      const key = `${entry.type === 'MUSIC' ? 'audio' : entry.type.toLowerCase()}_meta`;
      const stored = (entry.extraMeta as Record<string, Record<string, unknown>>)[key];
      const probed = info.extraMeta[key] as Record<string, unknown>;
      // Bit rates depend on which tool probed (ffprobe or `ffmpeg -i`); these facts do not.
      for (const f of [
        'width',
        'height',
        'duration',
        'sample',
        'audio_channels',
        'codec',
        'video_codec',
        'mode',
      ]) {
        assert.equal(probed[f], stored[f], `${entry.name}: ${f}`);
      }
    }
  });

  it('ListAssets asset_source=SYSTEM shows them to every project', async () => {
    for (const who of [p.tenant, p.other]) {
      const r = await p.call('GET', '/v1/{project_id}/digital-assets', {
        as: who,
        query: { asset_source: 'SYSTEM', limit: 100 },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const ids = (r.body.assets as Array<{ asset_id: string }>).map((a) => a.asset_id);
      for (const entry of SYSTEM_ASSETS) assert.ok(ids.includes(entry.assetId), entry.name);
    }
  });

  it('ShowAsset of a system asset gives a download_url that serves the shipped bytes', async () => {
    const entry = SYSTEM_ASSETS.find((a) => a.type === 'VIDEO')!;
    const r = await p.call('GET', `/v1/{project_id}/digital-assets/${entry.assetId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.asset_id, entry.assetId);
    const main = (r.body.files as Array<{ asset_file_category: string; download_url: string }>).find(
      (f) => f.asset_file_category === 'MAIN',
    );
    assert.ok(main?.download_url, JSON.stringify(r.body));
    const got = await p.fetchUrl('GET', main.download_url);
    assert.equal(got.status, 200);
    assert.equal(md5(got.raw), entry.file.md5);
  });

  it('seeding again writes nothing; a damaged object is put back', async () => {
    const again = await seedSystemAssets(p.deps.moduleDeps);
    assert.deepEqual(again.written, []);
    const entry = SYSTEM_ASSETS[0];
    const file = await p.deps.database.db
      .selectFrom('asset_files')
      .select('object_key')
      .where('project_id', '=', SYSTEM_PROJECT_ID)
      .where('file_id', '=', entry.fileId)
      .executeTakeFirstOrThrow();
    await p.deps.objects.put(file.object_key, Buffer.from('damaged'));
    const repaired = await seedSystemAssets(p.deps.moduleDeps);
    assert.deepEqual(repaired.written, [entry.assetId]);
    assert.equal((await p.deps.objects.head(file.object_key))?.md5, entry.file.md5);
  });

  it('seeding from several processes at once is safe', async () => {
    await Promise.all([1, 2, 3].map(() => seedSystemAssets(p.deps.moduleDeps)));
    const n = await p.deps.database.db
      .selectFrom('assets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', SYSTEM_PROJECT_ID)
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), SYSTEM_ASSETS.length + SYSTEM_VOICES.length + SYSTEM_AVATARS.length);
  });

  it('a file that does not match its catalog entry is not seeded (and says so)', async () => {
    const bogus = {
      ...SYSTEM_ASSETS[0],
      assetId: 'e'.repeat(32),
      fileId: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee',
    };
    const r = await seedSystemAssets(p.deps.moduleDeps, {
      catalog: [{ ...bogus, file: { ...bogus.file, md5: 'AAAAAAAAAAAAAAAAAAAAAA==' } }],
    });
    assert.deepEqual(r.written, []);
    const row = await p.deps.database.db
      .selectFrom('assets')
      .select('asset_id')
      .where('project_id', '=', SYSTEM_PROJECT_ID)
      .where('asset_id', '=', bogus.assetId)
      .executeTakeFirst();
    assert.equal(row, undefined);
  });
});
