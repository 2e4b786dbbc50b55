// Issue 16, defect 11: what a job would trip over later is refused when it is created, with
// the rules of the operation that owns the field. Callback URLs (file://, gopher://, URLs with
// credentials, unknown auth types) on CreateAsyncTtsJob, Create2DDigitalHumanVideo and
// CreateSubtitleFile; an output asset name with control characters on Create2DDigitalHumanVideo
// (CreateDigitalAsset's rule). Each is a 400 MSS.00000003 naming the field, and no job is written.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const BAD_CALLBACKS: Array<[string, RegExp]> = [
  ['file:///etc/passwd', /only http and https/],
  ['gopher://127.0.0.1:6379/_FLUSHALL', /only http and https/],
  ['http://user:pass@example.com/hook', /credentials in the URL/],
  ['not a url', /not a valid URL/],
];

await describeEachDb('create-time checks of job fields (defect 11)', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(async () => {
    await p?.close();
  });

  const count = async (table: 'video_jobs' | 'tts_jobs' | 'subtitle_jobs') =>
    Number(
      (
        await p.deps.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const refused = (
    r: { status: number; body: { error_code?: string; error_msg?: string } },
    field: RegExp,
  ) => {
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error_code, 'MSS.00000003');
    assert.match(r.body.error_msg ?? '', field);
  };

  const video = (over: Record<string, unknown>) => ({
    model_asset_id: SYSTEM_AVATARS[0].assetId,
    voice_config: { voice_asset_id: EN_VOICE },
    video_config: { codec: 'H264', width: 1280, height: 720, bitrate: 2000 },
    shoot_scripts: [{ sequence_no: 0, shoot_script: { text_config: { text: 'Hello.' } } }],
    output_asset_config: { asset_name: 'checked at create' },
    ...over,
  });

  it('Create2DDigitalHumanVideo refuses an output asset name with control characters', async () => {
    for (const name of ['bad\u0001name', 'tab\there', 'line\nbreak', 'c1\u0085']) {
      const r = await p.call('POST', '/v1/{project_id}/2d-digital-human-videos', {
        body: video({ output_asset_config: { asset_name: name } }),
      });
      refused(r, /output_asset_config\.asset_name must not contain control characters/);
    }
    assert.equal(await count('video_jobs'), 0);
  });

  it('Create2DDigitalHumanVideo, CreateSubtitleFile and CreateAsyncTtsJob refuse bad callback URLs', async () => {
    const script = await p.call('POST', '/v1/{project_id}/digital-human-video-scripts', {
      body: {
        script_name: 'for subtitles',
        model_asset_id: SYSTEM_AVATARS[0].assetId,
        voice_config: { voice_asset_id: EN_VOICE },
        video_config: { codec: 'H264', width: 1280, height: 720, bitrate: 2000 },
        shoot_scripts: [{ sequence_no: 1, shoot_script: { text_config: { text: 'Hi.' } } }],
      },
    });
    assert.equal(script.status, 200, JSON.stringify(script.body));
    for (const [url, why] of BAD_CALLBACKS) {
      const field = new RegExp(`callback_config\\.callback_url: .*${why.source}`);
      refused(
        await p.call('POST', '/v1/{project_id}/2d-digital-human-videos', {
          body: video({ callback_config: { callback_url: url } }),
        }),
        field,
      );
      refused(
        await p.call('POST', '/v1/{project_id}/subtitle-files', {
          body: { script_id: script.body.script_id, callback_config: { callback_url: url } },
        }),
        field,
      );
      refused(
        await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
          body: { text: 'Hello.', voice_asset_id: EN_VOICE, callback_config: { callback_url: url } },
        }),
        field,
      );
    }
    // A signing auth type without its key, and an unknown one.
    refused(
      await p.call('POST', '/v1/{project_id}/2d-digital-human-videos', {
        body: video({ callback_config: { callback_url: 'https://example.com/h', auth_type: 'MSS_A' } }),
      }),
      /callback_config\.auth_type MSS_A needs callback_config\.key/,
    );
    refused(
      await p.call('POST', '/v1/{project_id}/subtitle-files', {
        body: {
          script_id: script.body.script_id,
          callback_config: { callback_url: 'https://example.com/h', auth_type: 'BASIC' },
        },
      }),
      /callback_config\.auth_type must be/,
    );
    assert.equal(await count('video_jobs'), 0);
    assert.equal(await count('subtitle_jobs'), 0);
    assert.equal(await count('tts_jobs'), 0);
  });
});
