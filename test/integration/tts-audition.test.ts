// Audition (CreateTtsAudition → ShowTtsAuditionFile): a short preview spoken sentence by
// sentence, each sentence a WAV listed as soon as it is stored, with 1-hour download URLs.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { waitFor } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { download, EN_VOICE, wavRms, ZH_VOICE } from '../helpers/tts.ts';

await describeEachDb('TTS audition (CreateTtsAudition, ShowTtsAuditionFile)', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(async () => {
    await p?.close();
  });

  const audition = (body: Record<string, unknown>) =>
    p.call('POST', '/v1/{project_id}/ttsc/audition', { body });
  const files = (jobId: string, as = p.tenant) =>
    p.call('GET', `/v1/{project_id}/ttsc/audition-file/${jobId}`, { as });

  it('CreateTtsAudition → ShowTtsAuditionFile lists one playable WAV per sentence, then is_file_complete', async () => {
    const c = await audition({
      text: 'This is the first sentence. And here is a second one! Is this the third?',
      emotion: EN_VOICE,
      speed: 120,
      channels: 2,
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const done = await waitFor('audition', 60_000, async () => {
      const r = await files(c.body.job_id);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.is_file_complete ? r.body : undefined;
    });
    assert.equal(done.code, undefined);
    assert.ok(done.files.length >= 2, `files: ${done.files.length}`);
    for (const f of done.files) {
      const wav = await download(p, f.download_url);
      const { rms, channels } = wavRms(wav);
      assert.equal(channels, 2);
      assert.ok(rms > 0.005);
    }
  });

  it('CreateTtsAudition in Mandarin', async () => {
    const c = await audition({ text: '你好，欢迎试听这个声音。', emotion: ZH_VOICE });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const done = await waitFor('audition', 60_000, async () => {
      const r = await files(c.body.job_id);
      return r.body.is_file_complete ? r.body : undefined;
    });
    assert.ok(done.files.length >= 1);
  });

  it('CreateTtsAudition: text over 1000 characters is 400 MSS.20051001; an unknown voice 400 MSS.10001001', async () => {
    const long = await audition({ text: 'word '.repeat(300), emotion: EN_VOICE });
    assert.equal(long.status, 400);
    assert.equal(long.body.error_code, 'MSS.20051001');
    const none = await audition({ text: 'Hi.', emotion: 'ffffffffffffffffffffffffffffffff' });
    assert.equal(none.status, 400);
    assert.equal(none.body.error_code, 'MSS.10001001');
  });

  it('ShowTtsAuditionFile: other tenants and async job ids are not found', async () => {
    const c = await audition({ text: 'Private.', emotion: EN_VOICE });
    const theirs = await files(c.body.job_id, p.other);
    assert.equal(theirs.status, 400);
    const job = await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
      body: { text: 'Async.', voice_asset_id: EN_VOICE },
    });
    assert.equal((await files(job.body.job_id)).status, 400);
  });
});
