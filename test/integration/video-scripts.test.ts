// Video Script Management over HTTP on both database legs: CreateVideoScripts,
// ShowVideoScript, ListVideoScripts, UpdateVideoScript, CopyVideoScripts, DeleteVideoScript —
// the documented limits, asset references (own and system, right type), AUDIO-scene upload
// URLs, and isolation between projects.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { insertAsset, insertSystemAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE, ZH_VOICE } from '../helpers/tts.ts';

const BASE = '/v1/{project_id}/digital-human-video-scripts';

await describeEachDb(
  'Video scripts (CreateVideoScripts, ShowVideoScript, ListVideoScripts, UpdateVideoScript, CopyVideoScripts, DeleteVideoScript)',
  (leg) => {
    let p: TestPlatform;
    let model: string;
    let image: string;
    let music: string;
    before(async () => {
      p = await startTestPlatform(leg);
      // A tenant-owned avatar model: normal users cannot upload HUMAN_MODEL_2D, so the row is written directly.
      model = await insertAsset(p, {
        name: 'test avatar',
        type: 'HUMAN_MODEL_2D',
        projectId: p.tenant.projectId,
      });
      image = await insertSystemAsset(p, { name: `studio ${newId()}`, type: 'IMAGE' });
      music = await insertSystemAsset(p, { name: `calm ${newId()}`, type: 'MUSIC' });
    });
    after(async () => {
      await p?.close();
    });

    const script = (over: Record<string, unknown> = {}) => ({
      script_name: 'Bilingual welcome',
      script_description: 'Mandarin then English',
      model_asset_id: model,
      model_asset_type: 'HUMAN_MODEL_2D',
      voice_config: { voice_asset_id: ZH_VOICE, speed: 100, pitch: 100, volume: 140 },
      video_config: { codec: 'H264', width: 1920, height: 1080, bitrate: 4000, is_subtitle_enable: true },
      background_music_config: { music_asset_id: music, volume: 30 },
      priv_data: '{"k":"v"}',
      shoot_scripts: [
        {
          sequence_no: 1,
          shoot_script: {
            script_type: 'TEXT',
            text_config: { text: '大家好，欢迎来到今天的节目。' },
            background_config: [{ background_type: 'IMAGE', background_asset_id: image }],
          },
        },
        {
          sequence_no: 2,
          shoot_script: {
            script_type: 'TEXT',
            text_config: { text: 'Hello everyone, and welcome to the show.' },
            background_config: [{ background_type: 'COLOR', background_color_config: '#1E90FF' }],
          },
        },
      ],
      ...over,
    });
    const create = (body: Record<string, unknown>, as = p.tenant) => p.call('POST', BASE, { body, as });
    const expect400 = async (body: Record<string, unknown>, code: string, msg: RegExp) => {
      const r = await create(body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error_code, code);
      assert.match(r.body.error_msg, msg);
    };

    it('CreateVideoScripts a two-scene Mandarin + English script; ShowVideoScript returns it', async () => {
      const r = await p.call('POST', BASE, { body: script(), headers: { 'X-App-UserId': 'end-user-1' } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.match(r.body.script_id, /^[0-9a-f]{32}$/);
      assert.equal(r.body.audio_files, undefined);
      const s = await p.call('GET', `${BASE}/${r.body.script_id}`);
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(s.body.script_id, r.body.script_id);
      assert.equal(s.body.script_name, 'Bilingual welcome');
      assert.equal(s.body.view_mode, 'LANDSCAPE');
      assert.equal(s.body.model_asset_id, model);
      assert.deepEqual(s.body.voice_config, {
        voice_asset_id: ZH_VOICE,
        speed: 100,
        pitch: 100,
        volume: 140,
      });
      assert.equal(s.body.video_config.width, 1920);
      assert.equal(s.body.background_music_config.music_asset_id, music);
      assert.equal(s.body.priv_data, '{"k":"v"}');
      assert.deepEqual(
        s.body.shoot_scripts.map(
          (x: { sequence_no: number; shoot_script: { text_config: { text: string } } }) => [
            x.sequence_no,
            x.shoot_script.text_config.text,
          ],
        ),
        [
          [1, '大家好，欢迎来到今天的节目。'],
          [2, 'Hello everyone, and welcome to the show.'],
        ],
      );
      assert.equal(s.body.shoot_scripts[0].shoot_script.background_config[0].background_asset_id, image);
      assert.match(s.body.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const row = await p.deps.database.db
        .selectFrom('video_scripts')
        .select('app_user_id')
        .where('project_id', '=', p.tenant.projectId)
        .where('script_id', '=', r.body.script_id)
        .executeTakeFirstOrThrow();
      assert.equal(row.app_user_id, 'end-user-1');
    });

    it('ListVideoScripts pages newest first with count, filters by name and view_mode', async () => {
      const other = await startTestPlatform(leg);
      try {
        // A fresh platform on the same leg has its own database and tenants.
        const names = ['Alpha promo', 'Beta promo', 'Gamma notice'];
        const ids: string[] = [];
        for (const n of names) {
          const r = await other.call('POST', BASE, {
            body: {
              script_name: n,
              view_mode: n.startsWith('Gamma') ? 'VERTICAL' : 'LANDSCAPE',
              shoot_scripts: [{ shoot_script: { text_config: { text: n } } }],
            },
          });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          ids.push(r.body.script_id);
          await new Promise((res) => setTimeout(res, 5));
        }
        const page1 = await other.call('GET', BASE, { query: { limit: 2 } });
        assert.equal(page1.status, 200);
        assert.equal(page1.body.count, 3);
        assert.deepEqual(
          page1.body.video_scripts.map((v: { script_name: string }) => v.script_name),
          ['Gamma notice', 'Beta promo'],
        );
        assert.equal(page1.body.video_scripts[0].script_type, 'TEXT');
        assert.equal(page1.body.video_scripts[0].text, 'Gamma notice');
        const page2 = await other.call('GET', BASE, { query: { limit: 2, offset: 2 } });
        assert.deepEqual(
          page2.body.video_scripts.map((v: { script_id: string }) => v.script_id),
          [ids[0]],
        );
        const promo = await other.call('GET', BASE, { query: { name: 'PROMO' } });
        assert.equal(promo.body.count, 2);
        const pct = await other.call('GET', BASE, { query: { name: '%' } });
        assert.equal(pct.body.count, 0);
        const vertical = await other.call('GET', BASE, { query: { view_mode: 'VERTICAL' } });
        assert.equal(vertical.body.count, 1);
        const templates = await other.call('GET', BASE, {
          query: { script_catalog: 'SYSTEM_VIDEO_TEMPLET' },
        });
        assert.deepEqual(templates.body, { count: 0, video_scripts: [] });
        const bad = await other.call('GET', BASE, { query: { limit: 101 } });
        assert.equal(bad.status, 400);
      } finally {
        await other.close();
      }
    });

    it('UpdateVideoScript changes the named fields, keeps the others and bumps update_time', async () => {
      const { body } = await create(script());
      const before = await p.call('GET', `${BASE}/${body.script_id}`);
      await new Promise((res) => setTimeout(res, 1100));
      const u = await p.call('PUT', `${BASE}/${body.script_id}`, {
        body: {
          script_name: 'Renamed',
          voice_config: { voice_asset_id: EN_VOICE },
          shoot_scripts: [{ sequence_no: 0, shoot_script: { text_config: { text: 'Only English now.' } } }],
        },
      });
      assert.equal(u.status, 200, JSON.stringify(u.body));
      assert.equal(u.body.script_id, body.script_id);
      const s = await p.call('GET', `${BASE}/${body.script_id}`);
      assert.equal(s.body.script_name, 'Renamed');
      assert.equal(s.body.script_description, 'Mandarin then English');
      assert.equal(s.body.voice_config.voice_asset_id, EN_VOICE);
      assert.equal(s.body.shoot_scripts.length, 1);
      assert.equal(s.body.priv_data, '{"k":"v"}');
      assert.equal(s.body.create_time, before.body.create_time);
      assert.ok(
        s.body.update_time > before.body.update_time,
        `${s.body.update_time} > ${before.body.update_time}`,
      );
      // An update is validated like a create.
      const bad = await p.call('PUT', `${BASE}/${body.script_id}`, { body: { model_asset_id: newId() } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error_code, 'MSS.10001001');
      const missing = await p.call('PUT', `${BASE}/${newId()}`, { body: { script_name: 'x' } });
      assert.equal(missing.body.error_code, 'MSS.10003001');
    });

    it('CopyVideoScripts makes a new script with the same content and a _copy name', async () => {
      const { body } = await create(script());
      const c = await p.call('POST', `${BASE}/${body.script_id}/copy`);
      assert.equal(c.status, 200, JSON.stringify(c.body));
      assert.notEqual(c.body.script_id, body.script_id);
      const [a, b] = await Promise.all([
        p.call('GET', `${BASE}/${body.script_id}`),
        p.call('GET', `${BASE}/${c.body.script_id}`),
      ]);
      assert.equal(b.body.script_name, 'Bilingual welcome_copy');
      assert.deepEqual(b.body.shoot_scripts, a.body.shoot_scripts);
      assert.deepEqual(b.body.voice_config, a.body.voice_config);
      const missing = await p.call('POST', `${BASE}/${newId()}/copy`);
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error_code, 'MSS.10003001');
    });

    it('DeleteVideoScript removes the script; a second delete is not found', async () => {
      const { body } = await create(script());
      const d = await p.call('DELETE', `${BASE}/${body.script_id}`);
      assert.equal(d.status, 200);
      const s = await p.call('GET', `${BASE}/${body.script_id}`);
      assert.equal(s.status, 400);
      assert.equal(s.body.error_code, 'MSS.10003001');
      const again = await p.call('DELETE', `${BASE}/${body.script_id}`);
      assert.equal(again.body.error_code, 'MSS.10003001');
    });

    it('CreateVideoScripts enforces each documented limit', async () => {
      const scene = (text: string) => ({ shoot_script: { text_config: { text } } });
      await expect400(
        script({ shoot_scripts: Array.from({ length: 51 }, (_, i) => scene(`s${i}`)) }),
        'MSS.00000003',
        /at most 50 scenes/,
      );
      await expect400(
        script({ shoot_scripts: [scene('a'.repeat(10_001))] }),
        'MSS.00000003',
        /at most 10000 per scene/,
      );
      await expect400(
        script({ shoot_scripts: Array.from({ length: 11 }, () => scene('b'.repeat(10_000))) }),
        'MSS.00000003',
        /at most 100000 per script/,
      );
      await expect400(
        script({ shoot_scripts: [scene(`<speak>${'<break/>'.repeat(16_384)}x</speak>`)] }),
        'MSS.00000003',
        /SSML must be under/,
      );
      // The schema's own length limits answer too (name, description, priv_data).
      for (const over of [
        { script_name: '' },
        { script_name: 'n'.repeat(257) },
        { script_description: 'd'.repeat(1025) },
        { priv_data: 'p'.repeat(8193) },
      ]) {
        const r = await create(script(over));
        assert.equal(r.status, 400, JSON.stringify(over));
      }
      await expect400({ shoot_scripts: [scene('a')] }, 'MSS.00000003', /script_name is required/);
    });

    it('CreateVideoScripts refuses unknown and wrong-type asset references, naming the field', async () => {
      await expect400(script({ model_asset_id: newId() }), 'MSS.10001001', /model_asset_id/);
      await expect400(
        script({ voice_config: { voice_asset_id: newId() } }),
        'MSS.10001001',
        /voice_config\.voice_asset_id/,
      );
      await expect400(
        script({ model_asset_id: image }),
        'MSS.00000003',
        /model_asset_id: asset .* is IMAGE; expected HUMAN_MODEL_2D/,
      );
      await expect400(
        script({ voice_config: { voice_asset_id: model } }),
        'MSS.00000003',
        /voice_config\.voice_asset_id/,
      );
      await expect400(
        script({ background_music_config: { music_asset_id: image } }),
        'MSS.00000003',
        /music_asset_id/,
      );
      await expect400(
        script({
          shoot_scripts: [
            {
              shoot_script: {
                text_config: { text: 'x' },
                background_config: [{ background_type: 'VIDEO', background_asset_id: image }],
              },
            },
          ],
        }),
        'MSS.00000003',
        /background_config\[0\]\.background_asset_id: .*expected VIDEO/,
      );
      await expect400(
        script({
          shoot_scripts: [
            {
              shoot_script: {
                text_config: { text: 'x' },
                background_config: [{ background_type: 'IMAGE', background_asset_id: newId() }],
              },
            },
          ],
        }),
        'MSS.10001001',
        /shoot_scripts\[0\]\.shoot_script\.background_config\[0\]\.background_asset_id/,
      );
    });

    it('CreateVideoScripts hands out audio upload URLs for AUDIO scenes; ShowVideoScript the downloads', async () => {
      const r = await create(
        script({
          shoot_scripts: [
            { sequence_no: 0, shoot_script: { script_type: 'AUDIO' } },
            { sequence_no: 1, shoot_script: { script_type: 'TEXT', text_config: { text: 'and text' } } },
          ],
        }),
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const [item] = r.body.audio_files.audio_file_url;
      assert.equal(item.sequence_no, 0);
      const put = await p.fetchUrl('PUT', item.audio_file_upload_url, { body: Buffer.from('ID3 fake mp3') });
      assert.ok(put.status < 300, `upload: ${put.status}`);
      const s = await p.call('GET', `${BASE}/${r.body.script_id}`);
      const [dl] = s.body.audio_files.audio_file_url;
      assert.equal(dl.sequence_no, 0);
      const got = await p.fetchUrl('GET', dl.audio_file_download_url);
      assert.equal(got.raw.toString(), 'ID3 fake mp3');
      // The copy carries its own copy of the audio.
      const c = await p.call('POST', `${BASE}/${r.body.script_id}/copy`);
      const cs = await p.call('GET', `${BASE}/${c.body.script_id}`);
      assert.equal(cs.body.audio_files.audio_file_url.length, 1);
    });

    it("another project cannot show, list, update, copy or delete the script, nor use the tenant's model", async () => {
      const { body } = await create(script());
      const as = p.other;
      for (const [method, path, b] of [
        ['GET', `${BASE}/${body.script_id}`, undefined],
        ['PUT', `${BASE}/${body.script_id}`, { script_name: 'stolen' }],
        ['POST', `${BASE}/${body.script_id}/copy`, undefined],
        ['DELETE', `${BASE}/${body.script_id}`, undefined],
      ] as const) {
        const r = await p.call(method, path, { as, ...(b ? { body: b } : {}) });
        assert.equal(r.status, 400, `${method} ${path}`);
        assert.equal(r.body.error_code, 'MSS.10003001');
      }
      const list = await p.call('GET', BASE, { as });
      assert.equal(list.body.count, 0);
      const theirs = await create(script({ script_name: 'mine' }), as);
      assert.equal(theirs.status, 400);
      assert.equal(theirs.body.error_code, 'MSS.10001001');
      assert.match(theirs.body.error_msg, /model_asset_id/);
      const still = await p.call('GET', `${BASE}/${body.script_id}`);
      assert.equal(still.body.script_name, 'Bilingual welcome');
    });
  },
);
