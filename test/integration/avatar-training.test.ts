// Image Modeling Management over HTTP on both database legs: Create2dModelTrainingJob (flags,
// one-shot upload URLs), Show2dModelTrainingJob, List2dModelTrainingJob (state groups, filters,
// isolation), Update2dModelTrainingJob (only after a failed review), Delete2dModelTrainingJob
// (allowed states; uploads and the model asset go too) and Execute2dModelTrainingCommandByUser
// (SUBMITVERIFYING, the multipart commands, the commands no Doppel job can take). The job
// workers are off here: what the review and the training do is in avatar-training-review and
// the e2e test; states they would set are written directly to reach the forbidden transitions.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { AvatarTrainingService } from '../../src/modules/avatar-training/index.ts';
import { insertAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const BASE = '/v1/{project_id}/digital-human-training-manage/user/jobs';

await describeEachDb(
  'Image modeling jobs (Create2dModelTrainingJob, List2dModelTrainingJob, Show2dModelTrainingJob, Update2dModelTrainingJob, Delete2dModelTrainingJob, Execute2dModelTrainingCommandByUser)',
  (leg) => {
    let p: TestPlatform;
    before(async () => {
      p = await startTestPlatform(leg, { runJobs: false });
    });
    after(async () => {
      await p?.close();
    });

    const create = (body: Record<string, unknown>, as = p.tenant) => p.call('POST', BASE, { body, as });
    const show = (id: string, as = p.tenant) => p.call('GET', `${BASE}/${id}`, { as });
    const command = (id: string, cmd: string, extra: Record<string, unknown> = {}) =>
      p.call('POST', `${BASE}/${id}/command`, { body: { command: cmd, ...extra } });
    const put = (url: string, bytes: Buffer, type = 'application/octet-stream') =>
      p.fetchUrl('PUT', url, { body: bytes, headers: { 'content-type': type } });
    const setState = (id: string, state: string, extra: Record<string, unknown> = {}) =>
      p.deps.database.db
        .updateTable('avatar_training_jobs')
        .set({ state, ...extra })
        .where('project_id', '=', p.tenant.projectId)
        .where('job_id', '=', id)
        .execute();
    const expect400 = (
      r: { status: number; body: { error_code: string; error_msg: string } },
      msg: RegExp,
    ) => {
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error_code, 'MSS.00000003');
      assert.match(r.body.error_msg, msg);
    };

    it('Create2dModelTrainingJob answers a job id and one single-use URL per upload slot', async () => {
      const r = await create({
        name: 'Anna',
        contact: 'anna@example.com',
        batch_name: 'wave-1',
        tags: ['studio', 'studio', 'en'],
        is_background_replacement: true,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.match(r.body.job_id, /^[0-9a-f]{32}$/);
      assert.equal(r.body.training_video_upload_url.length, 1);
      assert.equal(r.body.action_video_upload_url.length, 1);
      for (const f of [
        'cover_upload_url',
        'id_card_image1_upload_url',
        'id_card_image2_upload_url',
        'grant_file_upload_url',
      ])
        assert.match(r.body[f], /^http/, f);
      assert.equal(r.body.audio_upload_url, undefined, 'audio comes from the video by default');

      const s = await show(r.body.job_id);
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(s.body.state, 'WAIT_FILE_UPLOAD');
      assert.equal(s.body.state_group, 'WAIT_SUBMIT');
      assert.equal(s.body.name, 'Anna');
      assert.equal(s.body.contact, 'anna@example.com');
      assert.equal(s.body.batch_name, 'wave-1');
      assert.deepEqual(s.body.tags, ['studio', 'en']);
      assert.equal(s.body.model_version, 'V3.2');
      assert.equal(s.body.is_background_replacement, true);
      assert.equal(s.body.audio_source_type, 'VIDEO');
      assert.deepEqual(s.body.supported_service, ['VIDEO_2D', 'LIVE_2D', 'CHAT_2D']);
      assert.equal(s.body.operation_logs[0].log_type, 'USER_CREATE_JOD');
      assert.equal(s.body.training_video_download_url, undefined);

      const audio = await create({ name: 'Anna with audio', audio_source_type: 'AUDIO' });
      assert.match(audio.body.audio_upload_url, /^http/);
    });

    it('refuses bad create input with 400 naming the field', async () => {
      expect400(await create({ name: 'bad\u0007name' }), /name must not contain control characters/);
      expect400(await create({ name: 'x\ud800' }), /surrogates/);
      expect400(await create({ name: '   ' }), /name must not be blank/);
      expect400(
        await create({ name: 'flexus', is_flexus: true, supported_service: ['LIVE_2D'] }),
        /VIDEO_2D only/,
      );
      expect400(
        await create({ name: 'tags', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }),
        /at most 50/,
      );
      expect400(await create({ name: 'msg', command_message: 'CONFIRM_ACTION_VIDEO' }), /command_message/);
      const bad = await create({ name: 'v', model_version: 'V9' });
      assert.equal(bad.status, 400);
      const flexus = await create({ name: 'fast', model_version: 'V3.3' });
      assert.equal(flexus.status, 200);
      const s = await show(flexus.body.job_id);
      assert.equal(s.body.is_flexus, true);
      assert.deepEqual(s.body.supported_service, ['VIDEO_2D']);
    });

    it('each upload URL works once; SUBMITVERIFYING needs the training video and moves to AUTO_VERIFYING', async () => {
      const c = await create({ name: 'Once' });
      const id = c.body.job_id;
      expect400(await command(id, 'SUBMITVERIFYING'), /training video .* has not been uploaded/);
      const url = c.body.training_video_upload_url[0];
      const first = await put(url, Buffer.from('video bytes'));
      assert.equal(first.status, 200, first.raw.toString());
      const again = await put(url, Buffer.from('other bytes'));
      assert.equal(again.status, 403);
      assert.equal(again.body.error_code, 'DOPPEL.1015');
      const wrongType = await put(c.body.cover_upload_url, Buffer.from('x'), 'image/png');
      assert.equal(wrongType.status, 400, 'the URL demands application/octet-stream');
      assert.equal(
        (await put(c.body.cover_upload_url, Buffer.from('cover'))).status,
        200,
        'a failed upload does not use the URL up',
      );
      const s = await show(id);
      assert.match(s.body.training_video_download_url, /^http/);
      assert.match(s.body.cover_download_url, /^http/);
      const got = await p.fetchUrl('GET', s.body.training_video_download_url);
      assert.equal(got.raw.toString(), 'video bytes', 'the second PUT changed nothing');

      const sub = await command(id, 'SUBMITVERIFYING');
      assert.equal(sub.status, 200, JSON.stringify(sub.body));
      assert.deepEqual(sub.body, { commond_result: 'EXCUTE_SUCCESS' });
      const after = await show(id);
      assert.equal(after.body.state, 'AUTO_VERIFYING');
      assert.equal(after.body.state_group, 'VERIFYING');
      assert.deepEqual(
        after.body.operation_logs.map((l: { log_type: string }) => l.log_type),
        ['USER_CREATE_JOD', 'USER_VERIFYING_SUBMITTED'],
      );
      const queued = await p.deps.database.db
        .selectFrom('jobs')
        .select(['task', 'payload'])
        .where('task', '=', 'avatar-training.review')
        .execute();
      assert.ok(
        queued.some((q) => JSON.stringify(q.payload).includes(id)),
        'the review is queued with the submit',
      );

      // Forbidden while the review runs.
      expect400(
        await command(id, 'SUBMITVERIFYING'),
        /AUTO_VERIFYING; SUBMITVERIFYING is allowed only in WAIT_FILE_UPLOAD/,
      );
      expect400(
        await p.call('PUT', `${BASE}/${id}`, { body: { name: 'x' } }),
        /update is allowed only in AUTO_VERIFY_FAILED, MANUAL_VERIFY_FAILED/,
      );
      expect400(await p.call('DELETE', `${BASE}/${id}`), /delete is allowed only in/);
      expect400(await command(id, 'DELETE_JOB_VIDEO'), /DELETE_JOB_VIDEO is allowed only in/);
    });

    it('multipart: GET_MULTIPART_UPLOADED lists parts, CONFIRM_MULTIPART_UPLOADED assembles them', async () => {
      const c = await create({ name: 'Parts', video_multipart_count: 2 });
      const id = c.body.job_id;
      const [u1, u2] = c.body.training_video_upload_url;
      assert.ok(u1 && u2);
      assert.equal((await put(u1, Buffer.from('part-one|'))).status, 200);
      assert.equal((await put(u1, Buffer.from('again'))).status, 403, 'a part URL is single-use too');
      const listed = await command(id, 'GET_MULTIPART_UPLOADED');
      assert.equal(listed.body.commond_result, 'EXCUTE_SUCCESS');
      assert.equal(listed.body.multipart_data.length, 1);
      assert.equal(listed.body.multipart_data[0].part_number, '1');
      assert.match(listed.body.multipart_data[0].etag, /^[0-9a-f]{32}$/);
      const early = await command(id, 'CONFIRM_MULTIPART_UPLOADED');
      assert.equal(early.status, 200);
      assert.equal(early.body.commond_result, 'EXCUTE_FAILED');
      assert.match(early.body.excute_failed_msg, /part\(s\) 2 of 2/);
      expect400(await command(id, 'SUBMITVERIFYING'), /not confirmed/);
      assert.equal((await put(u2, Buffer.from('part-two'))).status, 200);
      assert.deepEqual((await command(id, 'CONFIRM_MULTIPART_UPLOADED')).body, {
        commond_result: 'EXCUTE_SUCCESS',
      });
      const s = await show(id);
      assert.equal(
        (await p.fetchUrl('GET', s.body.training_video_download_url)).raw.toString(),
        'part-one|part-two',
      );
      assert.equal((await command(id, 'SUBMITVERIFYING')).body.commond_result, 'EXCUTE_SUCCESS');

      const single = await create({ name: 'Single' });
      expect400(await command(single.body.job_id, 'GET_MULTIPART_UPLOADED'), /single upload/);
      expect400(
        await command(single.body.job_id, 'CONFIRM_ACTION_VIDEO_MULTIPART_UPLOADED'),
        /single upload/,
      );
    });

    it('CONFIRM_AUTHORIZATION_LETTER checks the letter; whitelist commands are refused', async () => {
      const c = await create({ name: 'Letter' });
      const id = c.body.job_id;
      const no = await command(id, 'CONFIRM_AUTHORIZATION_LETTER');
      assert.equal(no.body.commond_result, 'EXCUTE_FAILED');
      assert.match(no.body.excute_failed_msg, /authorisation letter/);
      await put(c.body.grant_file_upload_url, Buffer.from('%PDF-1.4 letter'));
      assert.equal((await command(id, 'CONFIRM_AUTHORIZATION_LETTER')).body.commond_result, 'EXCUTE_SUCCESS');
      for (const cmd of [
        'CONFIRM_ACCEPT',
        'CONFIRM_REJECT',
        'CONFIRM_PENDING',
        'CONFIRM_ACTIVE',
        'CONFIRM_ANSWER',
        'CONFIRM_REPAIR',
      ])
        expect400(await command(id, cmd), new RegExp(`${cmd} is allowed only in WAIT_USER_CONFIRM`));
      const bogus = await command(id, 'NOT_A_COMMAND');
      assert.equal(bogus.status, 400);
    });

    it('Update2dModelTrainingJob only after a failed review: new round of URLs, back to WAIT_FILE_UPLOAD', async () => {
      const c = await create({ name: 'Retry', tags: ['a'] });
      const id = c.body.job_id;
      expect400(await p.call('PUT', `${BASE}/${id}`, { body: { name: 'x' } }), /WAIT_FILE_UPLOAD; update/);
      await put(c.body.training_video_upload_url[0], Buffer.from('first video'));
      await command(id, 'SUBMITVERIFYING');
      await setState(id, 'AUTO_VERIFY_FAILED', { error_code: 'MSS.10004001', error_msg: 'too short' });
      assert.equal((await show(id)).body.state_group, 'VERIFY_FAILED');
      expect400(await p.call('PUT', `${BASE}/${id}`, { body: { name: 'a\u001bb' } }), /control characters/);
      const u = await p.call('PUT', `${BASE}/${id}`, { body: { name: 'Retry 2', video_multipart_count: 3 } });
      assert.equal(u.status, 200, JSON.stringify(u.body));
      assert.equal(u.body.job_id, id);
      assert.equal(u.body.training_video_upload_url.length, 3);
      assert.notEqual(u.body.cover_upload_url, c.body.cover_upload_url);
      const s = await show(id);
      assert.equal(s.body.state, 'WAIT_FILE_UPLOAD');
      assert.equal(s.body.name, 'Retry 2');
      assert.deepEqual(s.body.tags, ['a']);
      assert.equal(s.body.training_video_download_url, undefined, 'the old round is gone');
      assert.equal(s.body.operation_logs.at(-1).log_type, 'USER_UPDATE_VIDEO');
      expect400(await command(id, 'SUBMITVERIFYING'), /not confirmed/);

      await setState(id, 'MANUAL_VERIFY_FAILED');
      assert.equal(
        (await p.call('PUT', `${BASE}/${id}`, { body: {} })).status,
        200,
        'MANUAL_VERIFY_FAILED allows it too',
      );
      for (const st of ['TRAINING', 'JOB_SUCCESS', 'TRAIN_FAILED']) {
        await setState(id, st);
        expect400(await p.call('PUT', `${BASE}/${id}`, { body: { name: 'y' } }), new RegExp(`${st}; update`));
      }
    });

    it('Delete2dModelTrainingJob in the allowed states removes the uploads and the model asset', async () => {
      const c = await create({ name: 'Gone' });
      await put(c.body.training_video_upload_url[0], Buffer.from('video'));
      const del = await p.call('DELETE', `${BASE}/${c.body.job_id}`);
      assert.equal(del.status, 200, JSON.stringify(del.body));
      expect400(await show(c.body.job_id), /training job not found/);
      const left = await p.deps.moduleDeps.objects.head(
        `avatar-training/${p.tenant.projectId}/${c.body.job_id}/upload-1/training_video`,
      );
      assert.equal(left, null);

      const done = await create({ name: 'Trained' });
      const assetId = await insertAsset(p, {
        name: `model ${done.body.job_id}`,
        type: 'HUMAN_MODEL_2D',
        projectId: p.tenant.projectId,
      });
      await setState(done.body.job_id, 'JOB_SUCCESS', { asset_id: assetId, progress: 1 });
      const s = await show(done.body.job_id);
      assert.equal(s.body.asset_id, assetId);
      assert.equal(s.body.state_group, 'SUCCEEDED');
      assert.equal(s.body.progress, 100);
      assert.deepEqual((await command(done.body.job_id, 'DELETE_JOB_VIDEO')).body, {
        commond_result: 'EXCUTE_SUCCESS',
      });
      assert.equal((await p.call('DELETE', `${BASE}/${done.body.job_id}`)).status, 200);
      const asset = await p.deps.database.db
        .selectFrom('assets')
        .select('asset_state')
        .where('asset_id', '=', assetId)
        .executeTakeFirstOrThrow();
      assert.equal(asset.asset_state, 'DELETED');

      const busy = await create({ name: 'Busy' });
      for (const st of [
        'AUTO_VERIFYING',
        'TRAINING_DATA_PREPROCESSING',
        'TRAINING',
        'INFERENCE_DATA_PREPROCESSING',
      ]) {
        await setState(busy.body.job_id, st);
        expect400(await p.call('DELETE', `${BASE}/${busy.body.job_id}`), new RegExp(`${st}; delete`));
      }
      for (const st of ['MANUAL_VERIFYING', 'TRAIN_FAILED']) {
        const j = await create({ name: `del ${st}` });
        await setState(j.body.job_id, st);
        assert.equal((await p.call('DELETE', `${BASE}/${j.body.job_id}`)).status, 200, st);
      }
      expect400(await p.call('DELETE', `${BASE}/${'0'.repeat(32)}`), /not found/);
    });

    it('List2dModelTrainingJob pages, filters by state, group, name, batch and tag; projects are isolated', async () => {
      const a = await create({ name: 'List alpha', batch_name: 'list-batch', tags: ['list-tag'] });
      const b = await create({ name: 'List beta', batch_name: 'list-batch' });
      await setState(b.body.job_id, 'TRAIN_FAILED');
      const mine = await create({ name: 'List other' }, p.other);
      const all = await p.call('GET', BASE, { query: { batch_name: 'list-batch' } });
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.equal(all.body.count, 2);
      assert.deepEqual(
        all.body.jobs.map((j: { job_id: string }) => j.job_id),
        [b.body.job_id, a.body.job_id],
        'newest first',
      );
      assert.equal(all.body.jobs[1].state_group, 'WAIT_SUBMIT');
      const byGroup = await p.call('GET', BASE, {
        query: { batch_name: 'list-batch', state: 'TRAIN_FAILED' },
      });
      assert.deepEqual(
        byGroup.body.jobs.map((j: { job_id: string }) => j.job_id),
        [b.body.job_id],
      );
      const byState = await p.call('GET', BASE, {
        query: { batch_name: 'list-batch', state: 'WAIT_FILE_UPLOAD,JOB_SUCCESS' },
      });
      assert.deepEqual(
        byState.body.jobs.map((j: { job_id: string }) => j.job_id),
        [a.body.job_id],
      );
      const never = await p.call('GET', BASE, { query: { state: 'COMPILING' } });
      assert.equal(never.body.count, 0, 'a contract state Doppel never enters matches nothing');
      expect400(await p.call('GET', BASE, { query: { state: 'bad state!' } }), /state/);
      const byName = await p.call('GET', BASE, { query: { name: 'alpha' } });
      assert.deepEqual(
        byName.body.jobs.map((j: { job_id: string }) => j.job_id),
        [a.body.job_id],
      );
      const byTag = await p.call('GET', BASE, { query: { tag: 'list-tag' } });
      assert.equal(byTag.body.count, 1);
      const page = await p.call('GET', BASE, {
        query: { batch_name: 'list-batch', limit: 1, offset: 1, sort_dir: 'asc' },
      });
      assert.equal(page.body.count, 2);
      assert.deepEqual(
        page.body.jobs.map((j: { job_id: string }) => j.job_id),
        [b.body.job_id],
      );
      expect400(await p.call('GET', BASE, { query: { sort_key: 'name' } }), /sort_key/);
      expect400(await p.call('GET', BASE, { query: { create_since: 'yesterday' } }), /create_since/);
      const theirs = await p.call('GET', BASE, { as: p.other });
      assert.ok(theirs.body.jobs.every((j: { project_id: string }) => j.project_id === p.other.projectId));
      assert.ok(theirs.body.jobs.some((j: { job_id: string }) => j.job_id === mine.body.job_id));
      expect400(await show(mine.body.job_id), /not found/);
      expect400(await p.call('DELETE', `${BASE}/${mine.body.job_id}`), /not found/);
    });

    it('operator review (doppel modeling approve|reject) ends MANUAL_VERIFYING', async () => {
      const svc = new AvatarTrainingService(p.deps.moduleDeps);
      const a = await create({ name: 'Approve me' });
      await assert.rejects(
        svc.decide(p.tenant.projectId, a.body.job_id, 'approve'),
        /WAIT_FILE_UPLOAD; modeling approve/,
      );
      await setState(a.body.job_id, 'MANUAL_VERIFYING');
      assert.deepEqual(
        (await svc.awaitingReview(p.tenant.projectId))
          .map((j) => j.job_id)
          .filter((j) => j === a.body.job_id),
        [a.body.job_id],
      );
      const ok = await svc.decide(p.tenant.projectId, a.body.job_id, 'approve');
      assert.equal(ok.state, 'WAIT_TRAINING_DATA_PREPROCESS');
      const s = await show(a.body.job_id);
      assert.equal(s.body.state_group, 'TRAINING');
      assert.equal(s.body.operation_logs.at(-1).log_type, 'ADMIN_VERIFY_SUCCESS');
      const r = await create({ name: 'Reject me' });
      await setState(r.body.job_id, 'MANUAL_VERIFYING');
      await svc.decide(p.tenant.projectId, r.body.job_id, 'reject', 'the letter is not signed');
      const rs = await show(r.body.job_id);
      assert.equal(rs.body.state, 'MANUAL_VERIFY_FAILED');
      assert.equal(rs.body.operation_logs.at(-1).log_description, 'the letter is not signed');
      await assert.rejects(svc.decide(p.other.projectId, r.body.job_id, 'approve'), /not found/);
    });
  },
);
