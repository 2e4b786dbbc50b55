// Modeling end to end on the embedded database: a 3-minute 1080×1920 training video made here
// from a one-person crop of face-api's sample photo plus eSpeak speech (one short segment,
// repeated by stream copy) is uploaded, submitted, reviewed, trained into a HUMAN_MODEL_2D
// asset (JOB_SUCCESS), and a 2D video job renders with it: the mouth region of a frame during
// speech differs from the one in the trailing silence. Frames go to test-output/ (git-ignored:
// they show a real person's face).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { unzipSync } from 'fflate';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { runToolBinary } from '../../src/core/media/index.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import { waitFor } from '../helpers/assets.ts';
import { dbLegs } from '../helpers/db.ts';
import {
  repeatVideo,
  samplePhoto,
  singleFacePortrait,
  stillVideo,
  TEST_OUTPUT,
} from '../helpers/face-fixtures.ts';
import { envTools } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { download, EN_VOICE } from '../helpers/tts.ts';

const BASE = '/v1/{project_id}/digital-human-training-manage/user/jobs';
const photo = samplePhoto();
const out = path.join(TEST_OUTPUT, 'avatar-modeling');
let p: TestPlatform;

before(async () => {
  if (!photo) return;
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  p = await startTestPlatform((await dbLegs())[0]!);
});
after(async () => {
  await p?.close();
});

async function mouthCrop(file: string, t: number, r: { x: number; y: number; w: number; h: number }) {
  const res = await runToolBinary(
    envTools().ffmpeg.path,
    [
      '-hide_banner',
      '-v',
      'error',
      '-ss',
      t.toFixed(2),
      '-i',
      `file:${file}`,
      '-frames:v',
      '1',
      '-vf',
      `crop=${r.w}:${r.h}:${r.x}:${r.y}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(res.code, 0, res.stderr);
  return res.stdout;
}

it('a video of a sample face trains an avatar that speaks in a 2D video job', {
  timeout: 900_000,
}, async (t) => {
  if (!photo) return t.skip('no sample photo in @vladmandic/face-api/demo');
  const portrait = await singleFacePortrait(photo, path.join(out, 'portrait.png'));
  const speech = await p.deps.moduleDeps.speech.synthesizeAll({
    script: parseSpeechInput('Hello, I am recording my avatar today.', { maxChars: 200 }),
    voice: { engine: 'espeak', language: 'en', params: { voice: 'en-us' } },
    prosody: { speed: 100, pitch: 100, volume: 140 },
  });
  const wav = path.join(out, 'speech.wav');
  fs.writeFileSync(wav, encodeWavPcm16(speech.samples, speech.sampleRate));
  const seg = Math.ceil(speech.durationMs / 1000) + 1;
  const segment = await stillVideo(portrait, wav, path.join(out, 'segment.mp4'), seg);
  const video = await repeatVideo(segment, seg, 182, path.join(out, 'training.mp4'));

  const c = await p.call('POST', BASE, { body: { name: 'Sample face' } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const put = await p.fetchUrl('PUT', c.body.training_video_upload_url[0], {
    body: fs.readFileSync(video),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(put.status, 200, put.raw.toString());
  const sub = await p.call('POST', `${BASE}/${c.body.job_id}/command`, {
    body: { command: 'SUBMITVERIFYING' },
  });
  assert.equal(sub.body.commond_result, 'EXCUTE_SUCCESS');
  const seen = new Set<string>();
  const job = await waitFor('training', 600_000, async () => {
    const s = await p.call('GET', `${BASE}/${c.body.job_id}`);
    seen.add(s.body.state);
    return [
      'JOB_SUCCESS',
      'AUTO_VERIFY_FAILED',
      'TRAIN_FAILED',
      'TRAINING_DATA_PREPROCESS_FAILED',
      'INFERENCE_DATA_PREPROCESS_FAILED',
    ].includes(s.body.state)
      ? s.body
      : undefined;
  });
  assert.equal(job.state, 'JOB_SUCCESS', JSON.stringify(job.operation_logs));
  assert.equal(job.model_resolution, '1080P');
  const logs = job.operation_logs.map((l: { log_type: string }) => l.log_type);
  for (const l of [
    'SYSTEM_VERIFY_SUCCESS',
    'SYSTEM_TRAIN_DATA_PREPROCESSING',
    'SYSTEM_TRAINING',
    'SYSTEM_INFERENCE_DATA_PREPROCESSING',
    'SYSTEM_JOB_SUCCESS',
  ])
    assert.ok(logs.includes(l), `${l} in ${logs}`);

  const asset = await p.call('GET', `/v1/{project_id}/digital-assets/${job.asset_id}`);
  assert.equal(asset.body.asset_type, 'HUMAN_MODEL_2D');
  assert.equal(asset.body.asset_state, 'ACTIVED');
  const main = asset.body.files.find(
    (f: { asset_file_category: string }) => f.asset_file_category === 'MAIN',
  );
  const zip = unzipSync(new Uint8Array(await download(p, main.download_url)));
  const manifest = JSON.parse(Buffer.from(zip['manifest.json']!).toString('utf8'));
  assert.deepEqual(manifest.canvas, { width: 1080, height: 1920 });
  for (const [name, bytes] of Object.entries(zip)) {
    fs.mkdirSync(path.dirname(path.join(out, 'package', name)), { recursive: true });
    fs.writeFileSync(path.join(out, 'package', name), bytes);
  }

  const v = await p.call('POST', '/v1/{project_id}/2d-digital-human-videos', {
    body: {
      model_asset_id: job.asset_id,
      voice_config: { voice_asset_id: EN_VOICE },
      video_config: { codec: 'H264', width: 1080, height: 1920, bitrate: 3000 },
      shoot_scripts: [
        {
          sequence_no: 0,
          shoot_script: {
            script_type: 'TEXT',
            text_config: { text: '<speak>Papa made a map of the old town. <break time="1500ms"/></speak>' },
          },
        },
      ],
      output_asset_config: { asset_name: 'modeled avatar speaks' },
    },
  });
  assert.equal(v.status, 200, JSON.stringify(v.body));
  const done = await waitFor('video', 300_000, async () => {
    const r = await p.call('GET', `/v1/{project_id}/2d-digital-human-videos/${v.body.job_id}`);
    return ['SUCCEED', 'FAILED'].includes(r.body.state) ? r.body : undefined;
  });
  assert.equal(done.state, 'SUCCEED', JSON.stringify(done.error_info));
  const outAsset = await p.call(
    'GET',
    `/v1/{project_id}/digital-assets/${done.output_asset_config.asset_id}`,
  );
  const mp4 = path.join(out, 'render.mp4');
  const mainOut = outAsset.body.files.find(
    (f: { asset_file_category: string }) => f.asset_file_category === 'MAIN',
  );
  fs.writeFileSync(mp4, await download(p, mainOut.download_url));
  const a = manifest.mouth.anchor;
  const box = {
    x: a.x,
    y: a.y,
    w: 2 * Math.floor(zipSize(zip, 'mouth/sil.png').w / 2),
    h: 2 * Math.floor(zipSize(zip, 'mouth/sil.png').h / 2),
  };
  const silent = await mouthCrop(mp4, done.duration - 0.4, box);
  let most = 0;
  for (const at of [0.5, 0.8, 1.1, 1.4, 1.7, 2.0]) {
    const speaking = await mouthCrop(mp4, at, box);
    let diff = 0;
    for (let i = 0; i < silent.length; i++) diff += Math.abs(silent[i]! - speaking[i]!);
    most = Math.max(most, diff / silent.length);
  }
  assert.ok(most > 4, `the mouth moves while speaking (mean difference ${most.toFixed(2)})`);
});

function zipSize(zip: Record<string, Uint8Array>, name: string): { w: number; h: number } {
  const b = Buffer.from(zip[name]!);
  return { w: b.readUInt32BE(16), h: b.readUInt32BE(20) };
}
