// CreateAsyncTtsJob callback_config: when the job ends, Doppel POSTs {status, job_id,
// audio_file_download_url, subtitle_file_download_url, audio_duration} to the callback URL
// through the SSRF guard, signed MSS_A (query) or MSS_A_HEAD (headers) when a key is given.
// Private addresses are allowed here (DOPPEL_ALLOW_PRIVATE_FETCH=true) and refused by default.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { verifyMssSecret } from '../../src/core/net/mss-auth.ts';
import { waitFor } from '../helpers/assets.ts';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callbacks.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE, waitForAsyncJob } from '../helpers/tts.ts';

await describeEachDb('TTS callbacks (CreateAsyncTtsJob callback_config)', (leg) => {
  let p: TestPlatform;
  let cb: CallbackReceiver;
  let base = '';
  let received: CallbackReceiver['received'] = [];
  before(async () => {
    cb = await startCallbackReceiver();
    ({ base, received } = cb);
    p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
  });
  after(async () => {
    await p?.close();
    await cb?.close();
  });

  const byJob = (jobId: string) =>
    waitFor(`callback for ${jobId}`, 30_000, async () => received.find((r) => r.body.job_id === jobId));

  it('CreateAsyncTtsJob delivers a FINISHED callback signed with MSS_A', async () => {
    const callbackUrl = `${base}/tts/done?tenant=a`;
    const c = await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
      body: {
        text: 'Call me back.',
        voice_asset_id: EN_VOICE,
        gen_srt: true,
        callback_config: { callback_url: callbackUrl, auth_type: 'MSS_A', key: 'huawei_metaStudio' },
      },
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const job = await waitForAsyncJob(p, c.body.job_id);
    assert.equal(job.state, 'SUCCEED');
    const got = await byJob(c.body.job_id);
    assert.equal(got.body.status, 'FINISHED');
    assert.ok(got.body.audio_file_download_url);
    assert.ok(got.body.subtitle_file_download_url);
    assert.ok(got.body.audio_duration > 0.3 && got.body.audio_duration < 10, String(got.body.audio_duration));
    assert.equal(got.headers['content-type'], 'application/json');
    const q = new URL(got.url, base).searchParams;
    assert.equal(q.get('tenant'), 'a');
    assert.ok(
      verifyMssSecret('huawei_metaStudio', callbackUrl, {
        secret: q.get('secret') ?? '',
        timeStamp: q.get('time_stamp') ?? '',
      }),
      'MSS_A secret verifies',
    );
    // The URLs in the callback download the audio.
    assert.equal((await p.fetchUrl('GET', got.body.audio_file_download_url)).status, 200);
  });

  it('CreateAsyncTtsJob callback with MSS_A_HEAD sends the secret in headers', async () => {
    const callbackUrl = `${base}/tts/head`;
    const c = await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
      body: {
        text: 'Headers please.',
        voice_asset_id: EN_VOICE,
        callback_config: { callback_url: callbackUrl, auth_type: 'MSS_A_HEAD', key: 'k3y' },
      },
    });
    const got = await byJob(c.body.job_id);
    assert.equal(got.url, '/tts/head');
    assert.ok(
      verifyMssSecret('k3y', callbackUrl, {
        secret: String(got.headers['x-hw-mss-secret']),
        timeStamp: String(got.headers['x-hw-mss-time']),
      }),
    );
  });
});

await describeEachDb('TTS callbacks refused by the SSRF guard (CreateAsyncTtsJob)', (leg) => {
  let p: TestPlatform;
  let cb: CallbackReceiver;
  before(async () => {
    cb = await startCallbackReceiver();
    p = await startTestPlatform(leg);
  });
  after(async () => {
    await p?.close();
    await cb?.close();
  });

  it('a loopback callback URL is never called when private fetches are not allowed', async () => {
    const c = await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
      body: { text: 'No call.', voice_asset_id: EN_VOICE, callback_config: { callback_url: `${cb.base}/x` } },
    });
    const job = await waitForAsyncJob(p, c.body.job_id);
    assert.equal(job.state, 'SUCCEED');
    const state = await waitFor('callback refused', 20_000, async () => {
      const row = await p.deps.database.db
        .selectFrom('tts_jobs')
        .select('callback_state')
        .where('project_id', '=', p.tenant.projectId)
        .where('job_id', '=', c.body.job_id)
        .executeTakeFirst();
      return row?.callback_state === 'PENDING' ? undefined : row?.callback_state;
    });
    assert.equal(state, 'FAILED');
    assert.equal(cb.received.length, 0);
  });
});
