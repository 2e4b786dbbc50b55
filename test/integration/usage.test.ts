// Usage metering and the tenant operations over HTTP on both database legs:
// CreateMetaStudioOrders makes resource packages; ListTenantResources, CountTenantResources
// and ShowResourceUsage answer from them and from the usage records that rendered video,
// async TTS and stored files leave. A render run again after it committed counts once; with
// DOPPEL_QUOTAS=enforce a used-up package refuses new work with nothing written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { recordUsage } from '../../src/modules/usage/index.ts';
import { UsageRepo } from '../../src/modules/usage/usage.repo.ts';
import { waitFor } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { pngBytes } from '../helpers/media-fixtures.ts';
import { type CallResult, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE, waitForAsyncJob } from '../helpers/tts.ts';
import { createAsset, upload } from '../helpers/uploads.ts';

const ORDERS = '/v1/{project_id}/mss/public/orders';
const RESOURCES = '/v1/{project_id}/tenants/resources';
const USAGE = '/v1/{project_id}/tenants/resources-usage';
const COUNT = '/v1/{project_id}/tenants/resources-count';
const VIDEOS = '/v1/{project_id}/2d-digital-human-videos';
const TTS = '/v1/{project_id}/ttsc/async-jobs';
const VIDEO_PACK = 'hws.resource.type.metastudio.avatarmodeling.videopacket';
const TTS_PACK = 'doppel.resource.type.tts.tenthousandwords';

const videoJob = (name: string) => ({
  model_asset_id: SYSTEM_AVATARS[0].assetId,
  voice_config: { voice_asset_id: EN_VOICE },
  video_config: { codec: 'H264', width: 1280, height: 720, bitrate: 1000 },
  shoot_scripts: [
    {
      sequence_no: 0,
      shoot_script: {
        script_type: 'TEXT',
        text_config: { text: 'Counting this video once.' },
        background_config: [{ background_type: 'COLOR', background_color_config: '#203040' }],
      },
    },
  ],
  output_asset_config: { asset_name: name },
});

const service = (code: string, over: Record<string, unknown> = {}) => ({
  period_type: 6,
  period_num: 1,
  subscription_num: 1,
  resource_spec_code: code,
  ...over,
});

async function rows(p: TestPlatform, table: 'video_jobs' | 'tts_jobs' | 'jobs'): Promise<number> {
  const r = await p.deps.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function finishedVideo(p: TestPlatform, jobId: string) {
  return waitFor(`video job ${jobId}`, 180_000, async () => {
    const r = await p.call('GET', `${VIDEOS}/${jobId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return ['SUCCEED', 'FAILED'].includes(r.body.state) && r.body.progress === 100 ? r.body : undefined;
  });
}

await describeEachDb(
  'Usage metering (CreateMetaStudioOrders, ListTenantResources, ShowResourceUsage, CountTenantResources)',
  (leg) => {
    describe('metering with quotas off', () => {
      let p: TestPlatform;
      before(async () => {
        p = await startTestPlatform(leg);
      });
      after(async () => p?.close());

      it('CreateMetaStudioOrders refuses what cannot be ordered, naming the field', async () => {
        const cases: Array<[Record<string, unknown>, RegExp]> = [
          [{ cloud_services: [] }, /cloud_services/],
          [{ cloud_services: [service('no.such.code')] }, /cloud_services\[0\]\.resource_spec_code/],
          [
            { cloud_services: [service('hws.resource.type.metastudio.modeling.avatarvideo.duration')] },
            /billed per use/,
          ],
          [{ cloud_services: [service(VIDEO_PACK, { period_type: 4 })] }, /period_type/],
          [{ cloud_services: [service(VIDEO_PACK, { period_num: 5000 })] }, /period_num/],
          [{ cloud_services: [service(VIDEO_PACK, { subscription_num: 99_999 })] }, /subscription_num/],
        ];
        for (const [body, why] of cases) {
          const r = await p.call('POST', ORDERS, { body });
          assert.equal(r.status, 400, JSON.stringify(r.body));
          assert.equal(r.body.error_code, 'MSS.00000003');
          assert.match(r.body.error_msg, why);
        }
        const none = await p.call('GET', RESOURCES, { query: { resource_source: 'PURCHASED' } });
        assert.deepEqual(none.body, { count: 0, resources: [] }, 'a refused order writes nothing');
      });

      let videoPackage = '';
      let orderId = '';
      it('an order makes one package per cloud service; ListTenantResources filters them', async () => {
        const r = await p.call('POST', ORDERS, {
          body: {
            cloud_services: [
              service(VIDEO_PACK, { subscription_num: 2 }),
              service(TTS_PACK, { period_type: 2, period_num: 3, is_auto_renew: 1 }),
            ],
          },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        orderId = r.body.order_id;
        assert.match(orderId, /^[0-9a-f]{32}$/);

        const list = await p.call('GET', RESOURCES, { query: { resource_source: 'PURCHASED' } });
        assert.equal(list.status, 200, JSON.stringify(list.body));
        assert.equal(list.body.count, 2);
        const video = list.body.resources.find(
          (x: { resource_type: string }) => x.resource_type === VIDEO_PACK,
        );
        videoPackage = video.resource_id;
        assert.deepEqual(
          { ...video, resource_id: undefined, resource_expire_time: undefined },
          {
            resource_id: undefined,
            order_id: orderId,
            resource_expire_time: undefined,
            resource_type: VIDEO_PACK,
            business_type: 'VIDEO_2D',
            is_sub_resource: false,
            charging_mode: 'ONE_TIME',
            resource_source: 'PURCHASED',
            amount: 120,
            usage: 0,
            status: 0,
            unit: 'MIN',
          },
        );
        // One-off: valid a year; the monthly TTS package three months.
        const days = (t: string) => (Date.parse(t) - Date.now()) / 86_400_000;
        assert.ok(Math.abs(days(video.resource_expire_time) - 365) < 2, video.resource_expire_time);
        const tts = list.body.resources.find((x: { resource_type: string }) => x.resource_type === TTS_PACK);
        assert.equal(tts.charging_mode, 'PERIODIC');
        assert.equal(tts.unit, 'TEN_THOUSAND_WORDS');
        assert.ok(days(tts.resource_expire_time) > 88 && days(tts.resource_expire_time) < 93);

        const q = async (query: Record<string, string | number>) => {
          const res = await p.call('GET', RESOURCES, { query: { resource_source: 'PURCHASED', ...query } });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          return res.body.resources.map((x: { resource_type: string }) => x.resource_type).sort();
        };
        assert.deepEqual(await q({ business: 'VIDEO_2D' }), [VIDEO_PACK]);
        assert.deepEqual(await q({ business: 'VIDEO_2D,SYNTHETICS_SOUND' }), [TTS_PACK, VIDEO_PACK].sort());
        assert.deepEqual(await q({ resource: TTS_PACK }), [TTS_PACK]);
        assert.deepEqual(await q({ resource_id: videoPackage }), [VIDEO_PACK]);
        assert.deepEqual(await q({ order_id: orderId }), [TTS_PACK, VIDEO_PACK].sort());
        assert.deepEqual(await q({ order_id: 'f'.repeat(32) }), []);
        assert.deepEqual(await q({ charging_mode: 'PERIODIC' }), [TTS_PACK]);
        assert.deepEqual(await q({ status: 1 }), []);
        assert.deepEqual(await q({ status: 0 }), [TTS_PACK, VIDEO_PACK].sort());
        assert.deepEqual(await q({ sub_resource: 'video_time_flexus_2d_model' }), []);
        const in100Days = new Date(Date.now() + 100 * 86_400_000).toISOString().slice(0, 19) + 'Z';
        assert.deepEqual(await q({ resource_expire_end_time: in100Days }), [TTS_PACK]);
        assert.deepEqual(await q({ resource_expire_start_time: in100Days }), [VIDEO_PACK]);
        assert.deepEqual(await q({ limit: 1, offset: 1 }).then((x) => x.length), 1);
        assert.deepEqual(await q({ resource_source: 'SP_ALLOCATED' }), []);

        const bads: Array<Record<string, string>> = [
          { resource_source: 'BOUGHT' },
          { resource_source: 'PURCHASED', business: 'VIDEO_3D' },
          { resource_source: 'PURCHASED', resource_expire_start_time: 'yesterday' },
          { resource_source: 'PURCHASED', charging_mode: 'FREE' },
        ];
        for (const bad of bads) {
          const res = await p.call('GET', RESOURCES, { query: bad });
          assert.equal(res.status, 400, JSON.stringify({ bad, body: res.body }));
          assert.equal(res.body.error_code, 'MSS.00000003');
        }
        const missing = await p.call('GET', RESOURCES);
        assert.equal(missing.status, 400, 'resource_source is required');

        const other = await p.call('GET', RESOURCES, {
          query: { resource_source: 'PURCHASED' },
          as: p.other,
        });
        assert.equal(other.body.count, 0, 'another tenant never sees the packages');
      });

      it('CountTenantResources counts packages per business, charging mode and source, in the expiry window', async () => {
        const all = await p.call('GET', COUNT);
        assert.equal(all.status, 200, JSON.stringify(all.body));
        assert.deepEqual(all.body.resources_count, [
          {
            business_type: 'SYNTHETICS_SOUND',
            charging_mode: 'PERIODIC',
            resource_source: 'PURCHASED',
            count: 1,
          },
          { business_type: 'VIDEO_2D', charging_mode: 'ONE_TIME', resource_source: 'PURCHASED', count: 1 },
        ]);
        const video = await p.call('GET', COUNT, { query: { business: 'VIDEO_2D' } });
        assert.equal(video.body.resources_count.length, 1);
        const soon = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 19) + 'Z';
        const none = await p.call('GET', COUNT, { query: { resource_expire_end_time: soon } });
        assert.deepEqual(none.body.resources_count, []);
      });

      it('a rendered video counts its seconds against the package once, even when its render runs again', async () => {
        const c = await p.call('POST', VIDEOS, { body: videoJob('metered video') });
        assert.equal(c.status, 200, JSON.stringify(c.body));
        const jobId = c.body.job_id as string;
        const done = await finishedVideo(p, jobId);
        assert.equal(done.state, 'SUCCEED', JSON.stringify(done));
        const repo = new UsageRepo(p.deps.database.db);
        const rec = await repo.getRecord(p.tenant.projectId, 'video_seconds', jobId);
        assert.ok(rec, 'the render recorded its seconds');
        assert.equal(rec.dimension, '1280x720');
        assert.ok(rec.quantity > 0.5 && rec.quantity < 30, String(rec.quantity));
        assert.equal(rec.unallocated, 0, 'the package covered it');
        const main = await repo.getRecord(p.tenant.projectId, 'storage_bytes', `${jobId}`);
        assert.equal(main, undefined, 'storage is keyed by file, not by job');

        const packageUsage = async () => {
          const r = await p.call('GET', RESOURCES, {
            query: { resource_source: 'PURCHASED', resource_id: videoPackage },
          });
          return r.body.resources[0].usage as number;
        };
        const minutes = await packageUsage();
        assert.ok(Math.abs(minutes - rec.quantity / 60) < 1e-6, `${minutes} vs ${rec.quantity}`);

        // The worker died after its commit but before the queue heard: the job runs again.
        await p.deps.database.db
          .updateTable('video_jobs')
          .set({ state: 'PROCESSING', progress: 0.5 })
          .where('job_id', '=', jobId)
          .execute();
        await p.deps.moduleDeps.queue.enqueue(
          'video.render',
          { projectId: p.tenant.projectId, jobId },
          { projectId: p.tenant.projectId, jobKey: `video-rerun:${jobId}` },
        );
        const again = await finishedVideo(p, jobId);
        assert.equal(again.state, 'SUCCEED');
        const recs = await p.deps.database.db
          .selectFrom('usage_records')
          .selectAll()
          .where('project_id', '=', p.tenant.projectId)
          .where('metric', '=', 'video_seconds')
          .execute();
        assert.equal(recs.length, 1, 'one record for the job');
        assert.equal(await packageUsage(), minutes, 'the package counted the render once');

        const usage = await p.call('GET', USAGE, { query: { business: 'VIDEO_2D' } });
        assert.equal(usage.status, 200, JSON.stringify(usage.body));
        assert.deepEqual(usage.body.resources, [
          {
            resource_type: VIDEO_PACK,
            business_type: 'VIDEO_2D',
            is_sub_resource: false,
            charging_mode: 'ONE_TIME',
            resource_source: 'PURCHASED',
            amount: 120,
            usage: minutes,
            unit: 'MIN',
          },
        ]);
      });

      it('recordUsage keys usage by metric and source: a second record of the same work is ignored', async () => {
        const db = p.deps.database.db;
        const entry = {
          projectId: p.tenant.projectId,
          metric: 'live_minutes' as const,
          sourceId: 'live-job-1',
          quantity: 12,
        };
        assert.equal(await recordUsage(db, entry, new Date()), true);
        assert.equal(await recordUsage(db, { ...entry, quantity: 99 }, new Date()), false);
        const rec = await new UsageRepo(db).getRecord(p.tenant.projectId, 'live_minutes', 'live-job-1');
        assert.equal(rec?.quantity, 12);
        const usage = await p.call('GET', USAGE, { query: { business: 'LIVE_2D' } });
        assert.deepEqual(usage.body.resources, [
          {
            resource_type: 'doppel.resource.type.live.duration',
            business_type: 'LIVE_2D',
            is_sub_resource: false,
            charging_mode: 'ON_DEMAND',
            resource_source: 'PURCHASED',
            amount: 0,
            usage: 0.2,
            unit: 'HOUR',
          },
        ]);
      });

      it('async TTS counts characters (not SSML markup) and audio seconds; stored files count bytes by asset type', async () => {
        const text = '<speak>Hello <break time="200ms"/> there.</speak>';
        const c = await p.call('POST', TTS, { body: { text, voice_asset_id: EN_VOICE } });
        assert.equal(c.status, 200, JSON.stringify(c.body));
        const done = await waitForAsyncJob(p, c.body.job_id);
        assert.equal(done.state, 'SUCCEED', JSON.stringify(done));
        const repo = new UsageRepo(p.deps.database.db);
        const chars = await repo.getRecord(p.tenant.projectId, 'tts_characters', c.body.job_id);
        assert.equal(chars?.quantity, 'Hello  there.'.length);
        const secs = await repo.getRecord(p.tenant.projectId, 'tts_audio_seconds', c.body.job_id);
        assert.ok(secs && secs.quantity > 0.3, String(secs?.quantity));

        const assetId = await createAsset(p, { asset_name: 'metered image', asset_type: 'IMAGE' });
        const png = pngBytes(64, 48, [200, 30, 30]);
        const fileId = await upload(p, { assetId, name: 'red.png', bytes: png, contentType: 'image/png' });
        const stored = await repo.getRecord(p.tenant.projectId, 'storage_bytes', fileId);
        assert.equal(stored?.quantity, png.length);
        assert.equal(stored?.dimension, 'IMAGE');

        const usage = await p.call('GET', USAGE, { query: { business: 'ASSET_MANAGER,SYNTHETICS_SOUND' } });
        const byType = new Map(
          usage.body.resources.map((r: { resource_type: string; usage: number }) => [r.resource_type, r]),
        );
        // The TTS characters fell inside the ordered package; the audio seconds are pay-per-use.
        assert.ok((byType.get(TTS_PACK) as { usage: number }).usage > 0);
        assert.ok((byType.get('doppel.resource.type.tts.audio.duration') as { usage: number }).usage > 0);
        const storage = byType.get('doppel.resource.type.asset.storage') as { usage: number; unit: string };
        assert.equal(storage.unit, 'GB');
        assert.ok(storage.usage >= (png.length * 2) / 1024 ** 3 - 1e-9, 'the image and the rendered video');

        // A deleted file gives its bytes back.
        const del = await p.call('DELETE', `/v1/{project_id}/files/${fileId}`);
        assert.equal(del.status, 200, JSON.stringify(del.body));
        const released = await repo.getRecord(p.tenant.projectId, 'storage_bytes', `released:${fileId}`);
        assert.equal(released?.quantity, -png.length);
      });
    });

    describe('DOPPEL_QUOTAS=enforce', () => {
      let p: TestPlatform;
      before(async () => {
        p = await startTestPlatform(leg, { env: { DOPPEL_QUOTAS: 'enforce' } });
      });
      after(async () => p?.close());

      const refusedWithNothingWritten = async (call: () => Promise<CallResult>) => {
        const before = [await rows(p, 'video_jobs'), await rows(p, 'tts_jobs'), await rows(p, 'jobs')];
        const r = await call();
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error_code, 'MSS.20050039');
        assert.deepEqual(
          [await rows(p, 'video_jobs'), await rows(p, 'tts_jobs'), await rows(p, 'jobs')],
          before,
          'nothing was written',
        );
        return r.body.error_msg as string;
      };

      it('without a package, video and async TTS jobs are refused; auditions still play', async () => {
        const v = await refusedWithNothingWritten(() =>
          p.call('POST', VIDEOS, { body: videoJob('refused') }),
        );
        assert.match(v, /VIDEO_2D/);
        const t = await refusedWithNothingWritten(() =>
          p.call('POST', TTS, { body: { text: 'No quota.', voice_asset_id: EN_VOICE } }),
        );
        assert.match(t, /SYNTHETICS_SOUND/);
        const audition = await p.call('POST', '/v1/{project_id}/ttsc/audition', {
          body: { text: 'A preview is free.', emotion: EN_VOICE },
        });
        assert.equal(audition.status, 200, JSON.stringify(audition.body));
      });

      it('a used-up package refuses a new job with nothing written; a fresh order lets it through', async () => {
        const o = await p.call('POST', ORDERS, { body: { cloud_services: [service(VIDEO_PACK)] } });
        assert.equal(o.status, 200, JSON.stringify(o.body));
        // An hour of earlier renders uses the 60 minutes up.
        await recordUsage(
          p.deps.database.db,
          {
            projectId: p.tenant.projectId,
            metric: 'video_seconds',
            sourceId: 'earlier-renders',
            quantity: 3600,
          },
          new Date(),
        );
        const list = await p.call('GET', RESOURCES, { query: { resource_source: 'PURCHASED' } });
        assert.equal(list.body.resources[0].usage, 60);
        const why = await refusedWithNothingWritten(() =>
          p.call('POST', VIDEOS, { body: videoJob('over quota') }),
        );
        assert.match(why, /0 video seconds left/);

        const more = await p.call('POST', ORDERS, { body: { cloud_services: [service(VIDEO_PACK)] } });
        assert.equal(more.status, 200);
        const ok = await p.call('POST', VIDEOS, { body: videoJob('within quota') });
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        const cancel = await p.call('POST', `${VIDEOS}/${ok.body.job_id}/cancel`);
        assert.ok([200, 400].includes(cancel.status));
      });

      it('an async TTS job needs its characters left in a package', async () => {
        const o = await p.call('POST', ORDERS, { body: { cloud_services: [service(TTS_PACK)] } });
        assert.equal(o.status, 200);
        await recordUsage(
          p.deps.database.db,
          {
            projectId: p.tenant.projectId,
            metric: 'tts_characters',
            sourceId: 'earlier-speech',
            quantity: 9_995,
          },
          new Date(),
        );
        await refusedWithNothingWritten(() =>
          p.call('POST', TTS, { body: { text: 'Ten chars!', voice_asset_id: EN_VOICE } }),
        );
        const fits = await p.call('POST', TTS, { body: { text: 'Five.', voice_asset_id: EN_VOICE } });
        assert.equal(fits.status, 200, JSON.stringify(fits.body));
      });
    });
  },
);
