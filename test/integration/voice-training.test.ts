// Voice Modeling Task Management over HTTP on both database legs: the fourteen operations
// (CreateTrainingBasicJob / CreateTrainingMiddleJob / CreateTrainingAdvanceJob in PACKAGE and
// SEGMENT modes, the ShowJobUploadingAddress re-fetch,
// ConfirmTrainingSegment / ShowTrainingSegmentInfo, CommitVoiceTrainingJob, review with
// ShowJobAuditResult reasons, training to a VOICE_MODEL asset, ListJobOperationLog,
// SetJobBatchName, ListVoiceTrainingJob filters, ShowVoiceTrainingJob, DeleteVoiceTrainingJob,
// ShowTenantDurationCfg), every forbidden transition, validation and tenant isolation.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import {
  createJob,
  put,
  SENTENCES_EN,
  sentenceZip,
  showJob,
  syntheticReading,
  VT,
  waitSettled,
} from '../helpers/voice.ts';

await describeEachDb('Voice training (all 14 Voice Modeling Task Management operations)', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(async () => {
    await p?.close();
  });

  const commit = (jobId: string, body: Record<string, unknown> = {}) =>
    p.call('POST', `${VT}/jobs/${jobId}`, { body });
  const expect400 = (r: { status: number; body: { error_code: string; error_msg: string } }, msg: RegExp) => {
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error_code, 'MSS.00000003');
    assert.match(r.body.error_msg, msg);
  };
  const setState = (jobId: string, state: string) =>
    p.deps.moduleDeps.db
      .updateTable('voice_training_jobs')
      .set({ state })
      .where('project_id', '=', p.tenant.projectId)
      .where('job_id', '=', jobId)
      .execute();

  it('ShowTenantDurationCfg answers the limits the review applies, in seconds', async () => {
    const r = await p.call('GET', `${VT}/tenant-duration-cfg`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.tenant_id, p.tenant.projectId);
    assert.ok(r.body.basic_min < r.body.basic_advice_value && r.body.basic_advice_value < r.body.basic_max);
    assert.ok(r.body.middle_min > r.body.basic_min && r.body.advance_max > r.body.middle_min);
  });

  it('CreateTrainingBasicJob (PACKAGE) → upload → CommitVoiceTrainingJob → review → training → SUCCEED with a VOICE_MODEL asset; op-logs of every step', async () => {
    const c = await createJob(p, 'basic', {
      voice_name: 'Anna',
      sex: 'FEMALE',
      language: 'EN',
      tag: 'NEWS',
      batch_name: 'b1',
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const jobId = c.body.job_id;
    assert.match(jobId, /^[0-9a-f]{32}$/);
    assert.match(c.body.training_data_uploading_url, /^http/);
    assert.match(c.body.authorization_letter_uploading_url, /^http/);
    assert.equal(c.body.segment_uploading_url, undefined);

    const s = await showJob(p, jobId);
    assert.equal(s.body.state, 'CREATING');
    assert.equal(s.body.job_type, 'BASIC');
    assert.equal(s.body.create_type, 'PACKAGE');
    // int64 epoch milliseconds (ERRATA 76).
    assert.ok(Math.abs(s.body.create_time - Date.now()) < 120_000, String(s.body.create_time));
    assert.equal(s.body.training_input_source_url, undefined);

    expect400(await commit(jobId), /not been uploaded/);
    // The upload URL takes only a zip.
    const zip = sentenceZip(SENTENCES_EN, {}, { hz: 210 });
    assert.equal((await put(p, c.body.training_data_uploading_url, zip, 'audio/wav')).status >= 400, true);
    assert.equal((await put(p, c.body.training_data_uploading_url, zip, 'application/zip')).status, 200);
    const letter = Buffer.from('%PDF-1.4 consent letter');
    assert.equal(
      (await put(p, c.body.authorization_letter_uploading_url, letter, 'application/pdf')).status,
      200,
    );

    const cm = await commit(jobId, { voice_name: 'Anna Reads', description: 'news\nreader' });
    assert.equal(cm.status, 200, JSON.stringify(cm.body));
    const done = await waitSettled(p, jobId);
    assert.equal(done.body.state, 'SUCCEED', JSON.stringify(done.body));
    assert.equal(done.body.voice_name, 'Anna Reads');
    assert.equal(done.body.asset_id, jobId);
    assert.match(done.body.training_input_source_url, /^http/);
    assert.match(done.body.voice_authorization_url, /^http/);

    const asset = await p.call('GET', `/v1/{project_id}/digital-assets/${done.body.asset_id}`);
    assert.equal(asset.status, 200, JSON.stringify(asset.body));
    assert.equal(asset.body.asset_type, 'VOICE_MODEL');
    assert.equal(asset.body.asset_state, 'ACTIVED');
    assert.match(asset.body.asset_description, /preset \(not a clone/);
    assert.equal(asset.body.asset_extra_meta.voice_model_meta.sex, 'FEMALE');
    assert.equal(asset.body.asset_extra_meta.doppel_voice, undefined, 'engine mapping is not serialised');

    const audit = await p.call('GET', `${VT}/jobs/${jobId}/audit-result`);
    assert.equal(audit.status, 200);
    assert.deepEqual(audit.body.system_audit_result.errors, []);
    assert.ok(audit.body.system_audit_result.audit_time > 1e12);

    const logs = await p.call('GET', `${VT}/jobs/${jobId}/op-logs`, { query: { limit: 100 } });
    assert.equal(logs.status, 200);
    assert.deepEqual(
      logs.body.operations.map((o: { action: string }) => o.action),
      ['CREATE', 'COMMIT', 'SYSTEM_AUDIT_PASSED', 'TRAINING_STARTED', 'TRAINING_SUCCEEDED'],
    );
    assert.equal(logs.body.count, 5);
    assert.equal(logs.body.operations[0].operator, 'USER');
    assert.equal(logs.body.operations[2].operator, 'SYSTEM');
    const page = await p.call('GET', `${VT}/jobs/${jobId}/op-logs`, { query: { offset: 3, limit: 1 } });
    assert.deepEqual(
      page.body.operations.map((o: { action: string }) => o.action),
      ['TRAINING_STARTED'],
    );

    // A finished job takes no more uploads or commits; it can be deleted, its voice stays.
    expect400(await commit(jobId), /is SUCCEED; commit needs CREATING or AUDIT_FAILED/);
    expect400(await p.call('GET', `${VT}/jobs/${jobId}/uploading-address-url`), /is SUCCEED; uploading/);
    const del = await p.call('DELETE', `${VT}/jobs/${jobId}`);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    expect400(await showJob(p, jobId), /not found/);
    assert.equal((await p.call('GET', `/v1/{project_id}/digital-assets/${jobId}`)).status, 200);
  });

  it('the review fails with reasons (missing / extra sentences, sample rate, clipping, silence, noise, text mismatch); re-upload and commit pass', async () => {
    const c = await createJob(p, 'basic', { voice_name: 'Bad takes', language: 'EN' });
    const jobId = c.body.job_id;
    const bad = sentenceZip(SENTENCES_EN, {
      wav: {
        0: null,
        1: syntheticReading(SENTENCES_EN[1]!, { sampleRate: 8000 }),
        2: syntheticReading(SENTENCES_EN[2]!, { amp: 3 }),
        3: syntheticReading(SENTENCES_EN[3]!, { amp: 0, noise: 0 }),
        4: syntheticReading(SENTENCES_EN[4]!, { noise: 0.2 }),
        5: syntheticReading('Hi.'),
      },
      txt: { 6: null },
      extra: { 'data/20.wav': syntheticReading('extra'), 'notes.doc': Buffer.from('x') },
    });
    assert.equal((await put(p, c.body.training_data_uploading_url, bad, 'application/zip')).status, 200);
    assert.equal((await commit(jobId)).status, 200);
    const failed = await waitSettled(p, jobId);
    assert.equal(failed.body.state, 'AUDIT_FAILED', JSON.stringify(failed.body));
    assert.equal(failed.body.reject_times, 1);
    const audit = await p.call('GET', `${VT}/jobs/${jobId}/audit-result`);
    const errs: Array<{ error_code: string; audio_name?: string; text_name?: string }> =
      audit.body.system_audit_result.errors;
    const codeOf = (name: string) =>
      errs.filter((e) => e.audio_name === name || e.text_name === name).map((e) => e.error_code);
    assert.ok(codeOf('data/0.txt').includes('SENTENCE_MISSING'), JSON.stringify(errs));
    assert.ok(codeOf('data/1.wav').includes('AUDIO_SAMPLE_RATE'));
    assert.ok(codeOf('data/2.wav').includes('AUDIO_CLIPPING'));
    assert.ok(codeOf('data/3.wav').includes('AUDIO_SILENT'));
    assert.ok(codeOf('data/4.wav').includes('AUDIO_NOISY'));
    assert.ok(codeOf('data/5.wav').includes('TEXT_AUDIO_MISMATCH'));
    assert.ok(codeOf('data/6.wav').includes('SENTENCE_MISSING'));
    assert.ok(codeOf('data/20.wav').includes('SENTENCE_EXTRA'));
    assert.ok(codeOf('notes.doc').includes('SENTENCE_EXTRA'));
    // The good sentences have no errors.
    assert.deepEqual(codeOf('data/10.wav'), []);
    const logs = await p.call('GET', `${VT}/jobs/${jobId}/op-logs`);
    const last = logs.body.operations.at(-1);
    assert.equal(last.action, 'SYSTEM_AUDIT_FAILED');
    assert.match(last.external_info.algorithm_failure_reason, /AUDIO_CLIPPING/);

    // AUDIT_FAILED: fresh upload URLs, a good package, a second commit.
    const addr = await p.call('GET', `${VT}/jobs/${jobId}/uploading-address-url`);
    assert.equal(addr.status, 200, JSON.stringify(addr.body));
    assert.match(addr.body.package_url.training_data_uploading_url, /^http/);
    assert.match(addr.body.authorization_letter_uploading_url, /^http/);
    const good = sentenceZip(SENTENCES_EN, {}, { hz: 120 });
    assert.equal(
      (await put(p, addr.body.package_url.training_data_uploading_url, good, 'application/zip')).status,
      200,
    );
    assert.equal((await commit(jobId)).status, 200);
    const ok = await waitSettled(p, jobId);
    assert.equal(ok.body.state, 'SUCCEED', JSON.stringify(ok.body));
    assert.equal(ok.body.reject_times, 1);
    const asset = await p.call('GET', `/v1/{project_id}/digital-assets/${ok.body.asset_id}`);
    assert.equal(asset.body.asset_extra_meta.voice_model_meta.sex, 'MALE', 'sex from the 120 Hz pitch');
  });

  it('SEGMENT: upload sentence by sentence, ConfirmTrainingSegment checks each against its text, ShowTrainingSegmentInfo, commit needs all', async () => {
    const c = await createJob(p, 'basic', { voice_name: 'Segments', create_type: 'SEGMENT', language: 'EN' });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const jobId = c.body.job_id;
    const { audio_uploading_url: audio, txt_uploading_url: txt } = c.body.segment_uploading_url;
    assert.equal(audio.length, 20);
    assert.equal(txt.length, 20);
    assert.equal(c.body.training_data_uploading_url, undefined);
    const confirm = (index: number) =>
      p.call('POST', `${VT}/training-segment`, { query: { job_id: jobId, index } });

    // Nothing uploaded yet: not confirmed.
    const none = await confirm(0);
    assert.equal(none.status, 200, JSON.stringify(none.body));
    assert.deepEqual(none.body, { confirm_result: false, unmatched_index_hit: [0] });
    for (let i = 0; i < 20; i++) {
      // Sentence 7 reads a two-syllable text where the text has many more.
      const wav = syntheticReading(i === 7 ? 'Hello.' : SENTENCES_EN[i]!);
      assert.equal((await put(p, audio[i], wav, 'audio/wav')).status, 200);
      assert.equal((await put(p, txt[i], Buffer.from(SENTENCES_EN[i]!), 'text/plain')).status, 200);
      const r = await confirm(i);
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body,
        i === 7
          ? { confirm_result: false, unmatched_index_hit: [7] }
          : { confirm_result: true, unmatched_index_hit: [] },
      );
    }
    const info = await p.call('GET', `${VT}/training-segment`, { query: { job_id: jobId } });
    assert.equal(info.status, 200);
    assert.deepEqual(
      info.body.confirmed_index,
      [...Array(20).keys()].filter((i) => i !== 7),
    );
    expect400(await commit(jobId), /not confirmed yet .*: 7$/);
    expect400(await confirm(20), /index must be 0-19/);

    // The re-fetched address has the same shape; sentence 7 re-recorded.
    const addr = await p.call('GET', `${VT}/jobs/${jobId}/uploading-address-url`);
    assert.equal(addr.body.segment_url.audio_uploading_url.length, 20);
    await put(
      p,
      addr.body.segment_url.audio_uploading_url[7],
      syntheticReading(SENTENCES_EN[7]!),
      'audio/wav',
    );
    assert.equal((await confirm(7)).body.confirm_result, true);
    assert.equal((await commit(jobId, { sex: 'MALE' })).status, 200);
    const done = await waitSettled(p, jobId);
    assert.equal(done.body.state, 'SUCCEED', JSON.stringify(done.body));
    expect400(await confirm(1), /is SUCCEED; confirming a segment/);
  });

  it('while a job is reviewed or trained: no segment confirmation, upload address, commit or delete', async () => {
    const c = await createJob(p, 'basic', { voice_name: 'Busy', create_type: 'SEGMENT' });
    const jobId = c.body.job_id;
    const confirm = () => p.call('POST', `${VT}/training-segment`, { query: { job_id: jobId, index: 0 } });
    // Written directly: no queue job exists for this row, so nothing moves it meanwhile.
    for (const state of ['SYSTEM_AUDITING', 'WAITING', 'PROCESSING']) {
      await setState(jobId, state);
      expect400(
        await confirm(),
        new RegExp(`is ${state}; confirming a segment needs CREATING or AUDIT_FAILED`),
      );
      expect400(await commit(jobId), new RegExp(`is ${state}; commit`));
      expect400(
        await p.call('GET', `${VT}/jobs/${jobId}/uploading-address-url`),
        new RegExp(`is ${state}; uploading`),
      );
      expect400(
        await p.call('DELETE', `${VT}/jobs/${jobId}`),
        new RegExp(`is ${state}; delete needs CREATING or AUDIT_FAILED or SUCCEED or FAILED`),
      );
    }
    await setState(jobId, 'FAILED');
    assert.equal((await p.call('DELETE', `${VT}/jobs/${jobId}`)).status, 200);
    // A PACKAGE job has no segments.
    const pk = await createJob(p, 'basic', { voice_name: 'Pkg' });
    expect400(
      await p.call('POST', `${VT}/training-segment`, { query: { job_id: pk.body.job_id, index: 0 } }),
      /create_type PACKAGE/,
    );
    expect400(
      await p.call('GET', `${VT}/training-segment`, { query: { job_id: 'f'.repeat(32) } }),
      /not found/,
    );
  });

  it('MIDDLE SEGMENT jobs get 100 sentence URLs; ADVANCE takes one long WAV in a zip (SEGMENT refused) and trains', async () => {
    const m = await createJob(p, 'middle', { voice_name: 'Hundred', create_type: 'SEGMENT' });
    assert.equal(m.status, 200, JSON.stringify(m.body));
    assert.equal(m.body.segment_uploading_url.audio_uploading_url.length, 100);
    const mj = await showJob(p, m.body.job_id);
    assert.equal(mj.body.job_type, 'MIDDLE');

    expect400(
      await createJob(p, 'advance', { voice_name: 'Long', create_type: 'SEGMENT' }),
      /one long recording/,
    );
    const a = await createJob(p, 'advance', { voice_name: 'Long read', language: 'EN', sex: 'MALE' });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const { zipSync } = await import('fflate');
    const long = syntheticReading(SENTENCES_EN.join(' ').repeat(2), { hz: 110 });
    // Too short first: the duration limit of the edition.
    const short = Buffer.from(zipSync({ 'voice.wav': syntheticReading('A short sentence.') }));
    await put(p, a.body.training_data_uploading_url, short, 'application/zip');
    assert.equal((await commit(a.body.job_id)).status, 200);
    const f = await waitSettled(p, a.body.job_id);
    assert.equal(f.body.state, 'AUDIT_FAILED');
    const audit = await p.call('GET', `${VT}/jobs/${a.body.job_id}/audit-result`);
    assert.deepEqual(
      audit.body.system_audit_result.errors.map((e: { error_code: string }) => e.error_code),
      ['DURATION_TOO_SHORT'],
    );
    const zip = Buffer.from(
      zipSync({ 'voice.wav': long, 'voice.txt': Buffer.from(SENTENCES_EN.join(' ').repeat(2)) }),
    );
    await put(p, a.body.training_data_uploading_url, zip, 'application/zip');
    assert.equal((await commit(a.body.job_id)).status, 200);
    const done = await waitSettled(p, a.body.job_id);
    assert.equal(done.body.state, 'SUCCEED', JSON.stringify(done.body));
  });

  it('create validates its fields (control characters, lone surrogates, language, enums, lengths)', async () => {
    expect400(
      await createJob(p, 'basic', { voice_name: 'a\u0007b' }),
      /voice_name must not contain control characters/,
    );
    expect400(
      await createJob(p, 'basic', { voice_name: 'a\ud800b' }),
      /voice_name must not contain (lone|unpaired UTF-16) surrogates/,
    );
    expect400(await createJob(p, 'basic', { voice_name: 'x', language: 'FR' }), /language must be CN or EN/);
    expect400(await createJob(p, 'basic', { voice_name: 'x', phone: 'call me' }), /phone/);
    expect400(await createJob(p, 'basic', { voice_name: '   ' }), /voice_name must not be blank/);
    const enumBad = await createJob(p, 'basic', { voice_name: 'x', sex: 'OTHER' });
    assert.equal(enumBad.status, 400);
    const long = await createJob(p, 'basic', { voice_name: 'x'.repeat(65) });
    assert.equal(long.status, 400);
    const missing = await createJob(p, 'basic', { sex: 'MALE' });
    assert.equal(missing.status, 400);
    const ok = await createJob(p, 'basic', { voice_name: 'Fine', description: 'two\nlines' });
    assert.equal(ok.status, 200);
    expect400(await commit(ok.body.job_id, { language: 'XX' }), /language must be CN or EN/);
  });

  it('ListVoiceTrainingJob filters and sorts; SetJobBatchName names jobs all-or-nothing', async () => {
    const ids: string[] = [];
    for (const name of ['List one', 'List two', 'Other three']) {
      const r = await createJob(p, 'basic', { voice_name: name, tag: 'LIVE' });
      ids.push(r.body.job_id);
    }
    const batch = (body: Record<string, unknown>) => p.call('PUT', `${VT}/batch`, { body });
    const b = await batch({ batch_name: 'spring', job_ids: ids.slice(0, 2) });
    assert.equal(b.status, 200, JSON.stringify(b.body));
    expect400(await batch({ batch_name: 'autumn', job_ids: [ids[2], 'f'.repeat(32)] }), /not found/);
    expect400(await batch({ batch_name: 'autumn', job_ids: [] }), /job_ids/);
    expect400(await batch({ job_ids: [ids[2]] }), /batch_name is required/);

    const list = (query: Record<string, string | number | boolean>) => p.call('GET', `${VT}/jobs`, { query });
    const spring = await list({ batch_name: 'spring' });
    assert.equal(spring.status, 200, JSON.stringify(spring.body));
    assert.equal(spring.body.count, 2);
    assert.deepEqual(
      new Set(spring.body.jobs.map((j: { job_id: string }) => j.job_id)),
      new Set(ids.slice(0, 2)),
    );
    assert.equal((await showJob(p, ids[2]!)).body.batch_name, undefined, 'the failed batch changed nothing');
    const byName = await list({ voice_name: 'list', tag: 'LIVE' });
    assert.equal(byName.body.count, 2);
    const asc = await list({ tag: 'LIVE', sort_key: 'ceate_time', sort_dir: 'asc' });
    assert.deepEqual(
      asc.body.jobs.map((j: { job_id: string }) => j.job_id),
      ids,
    );
    const desc = await list({ tag: 'LIVE', sort_dir: 'desc', limit: 1 });
    assert.equal(desc.body.count, 3);
    assert.deepEqual(
      desc.body.jobs.map((j: { job_id: string }) => j.job_id),
      [ids[2]],
    );
    const creating = await list({ state: 'CREATING,AUDIT_FAILED', job_type: 'BASIC', job_id: ids[1]! });
    assert.equal(creating.body.count, 1);
    assert.equal((await list({ state: 'SUCCEED', job_id: ids[1]! })).body.count, 0);
    assert.equal((await list({ create_since: String(Date.now() + 3_600_000) })).body.count, 0);
    assert.ok((await list({ create_since: '2020-01-01T00:00:00Z' })).body.count >= 3);
    expect400(await list({ state: 'NOPE' }), /state: unknown value/);
    expect400(await list({ sort_key: 'voice_name' }), /sort_key/);
    expect400(await list({ create_since: 'yesterday' }), /create_since/);
  });

  it('DeleteVoiceTrainingJob removes a CREATING job and its uploads; another project sees none of it', async () => {
    const c = await createJob(p, 'basic', { voice_name: 'Temp' });
    const jobId = c.body.job_id;
    await put(
      p,
      c.body.training_data_uploading_url,
      sentenceZip(SENTENCES_EN.slice(0, 2)),
      'application/zip',
    );
    for (const [method, path] of [
      ['GET', `${VT}/jobs/${jobId}`],
      ['GET', `${VT}/jobs/${jobId}/op-logs`],
      ['GET', `${VT}/jobs/${jobId}/audit-result`],
      ['GET', `${VT}/jobs/${jobId}/uploading-address-url`],
      ['POST', `${VT}/jobs/${jobId}`],
      ['DELETE', `${VT}/jobs/${jobId}`],
    ] as const) {
      const r = await p.call(method, path, { as: p.other, ...(method === 'POST' && { body: {} }) });
      expect400(r, /not found/);
    }
    expect400(
      await p.call('PUT', `${VT}/batch`, { as: p.other, body: { batch_name: 'x', job_ids: [jobId] } }),
      /not found/,
    );
    const otherList = await p.call('GET', `${VT}/jobs`, { as: p.other });
    assert.equal(otherList.body.count, 0);
    const audit = await p.call('GET', `${VT}/jobs/${jobId}/audit-result`);
    assert.deepEqual(audit.body, {});

    assert.equal((await p.call('DELETE', `${VT}/jobs/${jobId}`)).status, 200);
    expect400(await p.call('DELETE', `${VT}/jobs/${jobId}`), /not found/);
    const keys = await p.deps.objects.head(`voice-training/${p.tenant.projectId}/${jobId}/package.zip`);
    assert.equal(keys, null);
  });
});
