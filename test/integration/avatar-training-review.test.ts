// The automatic review of Image Modeling jobs, on both database legs, with the real ffmpeg and
// face model: a short video without a face fails with both reasons; a one-person portrait
// cropped from face-api's sample photo passes as a photo avatar and, with
// DOPPEL_MODELING_REVIEW=manual, waits in MANUAL_VERIFYING for an operator.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { describeEachDb } from '../helpers/db.ts';
import { samplePhoto, singleFacePortrait } from '../helpers/face-fixtures.ts';
import { mp4File } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const BASE = '/v1/{project_id}/digital-human-training-manage/user/jobs';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-review-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const photo = samplePhoto();
let noFace: string;
let portrait: string | undefined;
before(async () => {
  noFace = await mp4File(dir, { seconds: 2, width: 1920, height: 1080, name: 'testsrc.mp4' });
  if (photo) portrait = await singleFacePortrait(photo, path.join(dir, 'portrait.png'));
});

async function waitState(p: TestPlatform, id: string, states: string[], ms = 240_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await p.call('GET', `${BASE}/${id}`);
    if (states.includes(s.body.state)) return s.body;
    if (Date.now() > deadline) assert.fail(`job ${id} still ${s.body.state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function submit(p: TestPlatform, file: string): Promise<string> {
  const c = await p.call('POST', BASE, { body: { name: `review ${path.basename(file)}` } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const put = await p.fetchUrl('PUT', c.body.training_video_upload_url[0], {
    body: fs.readFileSync(file),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(put.status, 200, put.raw.toString());
  const sub = await p.call('POST', `${BASE}/${c.body.job_id}/command`, {
    body: { command: 'SUBMITVERIFYING' },
  });
  assert.equal(sub.body.commond_result, 'EXCUTE_SUCCESS', JSON.stringify(sub.body));
  return c.body.job_id;
}

await describeEachDb('Image modeling review (Execute2dModelTrainingCommandByUser SUBMITVERIFYING)', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg, { env: { DOPPEL_MODELING_REVIEW: 'manual' } });
  });
  after(async () => {
    await p?.close();
  });

  it('a 2-second video without a face fails the review with both reasons', async () => {
    const id = await submit(p, noFace);
    const job = await waitState(p, id, ['AUTO_VERIFY_FAILED', 'MANUAL_VERIFYING']);
    assert.equal(job.state, 'AUTO_VERIFY_FAILED');
    assert.equal(job.state_group, 'VERIFY_FAILED');
    const log = job.operation_logs.at(-1);
    assert.equal(log.log_type, 'SYSTEM_VERIFY_FAILED');
    assert.equal(log.operate_user, 'SYSTEM');
    assert.match(log.log_description, /lasts 2\.0 s; it must last 3 to 10 minutes/);
    assert.match(log.log_description, /No face was found in 6 of 6 frames sampled/);
    assert.doesNotMatch(
      log.log_description,
      /1920×1080|frame rate|no sound|MP4/,
      'the rest of the video is fine',
    );
    // A failed review can be fixed: update hands out new URLs.
    const u = await p.call('PUT', `${BASE}/${id}`, { body: {} });
    assert.equal(u.status, 200, JSON.stringify(u.body));
  });

  it('a one-person photo passes and waits for the operator (DOPPEL_MODELING_REVIEW=manual)', async (t) => {
    if (!portrait) return t.skip('no sample photo in @vladmandic/face-api/demo');
    const id = await submit(p, portrait);
    const job = await waitState(p, id, ['AUTO_VERIFY_FAILED', 'MANUAL_VERIFYING']);
    assert.equal(job.state, 'MANUAL_VERIFYING', JSON.stringify(job.operation_logs));
    assert.equal(job.operation_logs.at(-1).log_type, 'SYSTEM_VERIFY_SUCCESS');
    assert.match(job.operation_logs.at(-1).log_description, /photo: one face in 1 of 1/);
  });
});
