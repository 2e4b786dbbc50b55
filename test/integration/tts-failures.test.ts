// How TTS jobs fail: a voice asset that is not ACTIVED is 400 MSS.20050042 at CreateAsyncTtsJob;
// a synthesis that fails while the job runs ends FAILED with code + message on
// ShowAsyncTtsJob — or, with silence_flag, SUCCEED with silence_time_ms of silent audio.
// Which voices a project may use: its own, the system's and those shared with it.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { insertAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { download, waitForAsyncJob, wavRms } from '../helpers/tts.ts';

await describeEachDb('TTS job failures (CreateAsyncTtsJob, ShowAsyncTtsJob)', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(async () => {
    await p?.close();
  });

  /** A system VOICE_MODEL asset mapped to `engine`, in `state`. */
  const voice = (state: string, engine: string): Promise<string> =>
    insertAsset(p, {
      name: `test voice ${newId()}`,
      type: 'VOICE_MODEL',
      state,
      extraMeta: { doppel_voice: { engine, language: 'en', params: {} } },
    });
  const create = (body: Record<string, unknown>) =>
    p.call('POST', '/v1/{project_id}/ttsc/async-jobs', { body });

  it('CreateAsyncTtsJob with an UNACTIVED voice is 400 MSS.20050042', async () => {
    const id = await voice('UNACTIVED', 'espeak');
    const r = await create({ text: 'Hello.', voice_asset_id: id });
    assert.equal(r.status, 400);
    assert.equal(r.body.error_code, 'MSS.20050042');
  });

  it('a voice is usable by its project and by the projects it is shared with, by no one else', async () => {
    const own = await insertAsset(p, {
      name: `own voice ${newId()}`,
      type: 'VOICE_MODEL',
      projectId: p.tenant.projectId,
      extraMeta: { doppel_voice: { engine: 'espeak', language: 'en', params: { voice: 'en-us' } } },
    });
    const asOther = (id: string) =>
      p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
        as: p.other,
        body: { text: 'Hi.', voice_asset_id: id },
      });
    assert.equal((await create({ text: 'Hi.', voice_asset_id: own })).status, 200);
    const before = await asOther(own);
    assert.equal(before.status, 400);
    assert.equal(before.body.error_code, 'MSS.10001001');
    const share = await p.call('POST', '/v1/{project_id}/digital-assets/batch-action', {
      body: {
        action: 'SHARE',
        asset_ids: [own],
        params: JSON.stringify({ allowed_project_ids: [p.other.projectId] }),
      },
    });
    assert.equal(share.status, 200, JSON.stringify(share.body));
    const shared = await asOther(own);
    assert.equal(shared.status, 200, JSON.stringify(shared.body));
  });

  it('a synthesis failing at run time ends FAILED with code and message (ShowAsyncTtsJob)', async () => {
    const id = await voice('ACTIVED', 'no-such-engine');
    const c = await create({ text: 'Hello.', voice_asset_id: id });
    assert.equal(c.status, 200);
    const job = await waitForAsyncJob(p, c.body.job_id);
    assert.equal(job.state, 'FAILED');
    assert.match(job.code, /^MSS\.\d{8}$/);
    assert.match(job.message, /no-such-engine/);
    assert.equal(job.audio_file_url, undefined);
  });

  it('silence_flag: the failed synthesis becomes silence_time_ms of silent audio', async () => {
    const id = await voice('ACTIVED', 'no-such-engine');
    const c = await create({ text: 'Hello.', voice_asset_id: id, silence_flag: true, silence_time_ms: 1500 });
    const job = await waitForAsyncJob(p, c.body.job_id);
    assert.equal(job.state, 'SUCCEED', JSON.stringify(job));
    assert.ok(job.code, 'the cause is still reported');
    const wav = await download(p, job.audio_file_url);
    const { rms, sampleRate } = wavRms(wav);
    assert.equal(rms, 0);
    const seconds = (wav.length - 44) / 2 / sampleRate;
    assert.ok(Math.abs(seconds - 1.5) < 0.05, `${seconds}s`);
  });
});
