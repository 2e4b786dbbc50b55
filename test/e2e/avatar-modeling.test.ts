// Image modeling end to end against the real CLI server (`doppel serve`, embedded database),
// as a customer runs it (Create2dModelTrainingJob, Execute2dModelTrainingCommandByUser,
// Show2dModelTrainingJob, ShowAsset, Create2DDigitalHumanVideo, Show2DDigitalHumanVideo):
// a 3-minute 1080×1920 training video made here from a one-person crop of face-api's sample
// photo plus eSpeak speech (one short segment, repeated by stream copy) is uploaded,
// submitted, reviewed, trained into a HUMAN_MODEL_2D asset (JOB_SUCCESS), and a 2D video job
// renders with it: the mouth region (the package's mouth box, placed where the renderer puts
// the canvas) differs between speech and the trailing silence, and not between two silent
// frames. A faceless video and a too-short one fail the review with their own reasons.
// Everything made from the photo goes to test-output/ (git-ignored: it shows a real person).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { unzipSync } from 'fflate';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { runTool, runToolBinary } from '../../src/core/media/index.ts';
import { defaultPlacement } from '../../src/engines/render/index.ts';
import { createSpeechService } from '../../src/engines/speech/index.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import {
  repeatVideo,
  samplePhoto,
  singleFacePortrait,
  stillVideo,
  TEST_OUTPUT,
} from '../helpers/face-fixtures.ts';
import { envTools, mp4File } from '../helpers/media-fixtures.ts';
import {
  type Banner,
  callServer,
  type ServerProcess,
  startServer,
  tempDataDir,
} from '../helpers/server-process.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const BASE = '/v1/{project_id}/digital-human-training-manage/user/jobs';
const ENDED = [
  'JOB_SUCCESS',
  'AUTO_VERIFY_FAILED',
  'MANUAL_VERIFY_FAILED',
  'TRAIN_FAILED',
  'TRAINING_DATA_PREPROCESS_FAILED',
  'INFERENCE_DATA_PREPROCESS_FAILED',
];
/** The output video: portrait, like the training video (the renderer scales the canvas to 70 % of its height). */
const OUT = { width: 1080, height: 1920 };

type Box = { x: number; y: number; w: number; h: number };

describe('image modeling end to end: sample-face video → review → training → a 2D video that speaks', {
  timeout: 900_000,
}, () => {
  const photo = samplePhoto();
  const out = path.join(TEST_OUTPUT, 'avatar-modeling');
  const dataDir = tempDataDir();
  let server: ServerProcess | undefined;
  let cred: Banner;
  after(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (method: string, p: string, body?: unknown) =>
    callServer(server as ServerProcess, cred, method, p, body);
  const poll = async <T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline)
        assert.fail(`${what}: not reached in ${ms} ms\n${server?.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const get = async (url: string): Promise<Buffer> => {
    const r = await fetch(url);
    assert.equal(r.status, 200, url);
    return Buffer.from(await r.arrayBuffer());
  };
  const ffmpeg = async (args: string[]) => {
    const r = await runTool(envTools().ffmpeg.path, ['-hide_banner', '-v', 'error', '-y', ...args], {
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, r.stderr);
  };

  /** Create2dModelTrainingJob, PUT the file on its one-shot URL, SUBMITVERIFYING. */
  const submit = async (name: string, file: string): Promise<string> => {
    const c = await api('POST', BASE, { name });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const put = await fetch(c.body.training_video_upload_url[0], {
      method: 'PUT',
      body: new Uint8Array(fs.readFileSync(file)),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(put.status, 200, await put.text());
    const sub = await api('POST', `${BASE}/${c.body.job_id}/command`, { command: 'SUBMITVERIFYING' });
    assert.deepEqual(sub.body, { commond_result: 'EXCUTE_SUCCESS' });
    return c.body.job_id;
  };
  const settled = (id: string, ms: number) =>
    poll(`training job ${id}`, ms, async () => {
      const s = await api('GET', `${BASE}/${id}`);
      assert.equal(s.status, 200, JSON.stringify(s.body));
      return ENDED.includes(s.body.state) ? s.body : undefined;
    });

  const crop = async (file: string, t: number, r: Box): Promise<Buffer> => {
    const res = await runToolBinary(
      envTools().ffmpeg.path,
      ['-v', 'error', '-ss', t.toFixed(3), '-i', `file:${file}`, '-frames:v', '1',
        '-vf', `crop=${r.w}:${r.h}:${r.x}:${r.y}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
      { timeoutMs: 60_000 },
    ); // biome-ignore format: argv pairs
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.length, r.w * r.h * 3, `a whole ${r.w}×${r.h} crop at ${t} s`);
    return res.stdout;
  };
  const meanDiff = (a: Buffer, b: Buffer) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
    return s / a.length;
  };
  const pngSize = (b: Uint8Array) => {
    const v = Buffer.from(b);
    return { w: v.readUInt32BE(16), h: v.readUInt32BE(20) };
  };

  it('trains an avatar from a sample face and renders it speaking; bad uploads fail with reasons', async (t) => {
    if (!photo) return t.skip('no sample photo in @vladmandic/face-api/demo');
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });

    // The training material: the portrait with a few seconds of speech, repeated to 3 minutes.
    const portrait = await singleFacePortrait(photo, path.join(out, 'portrait.png'));
    const speech = createSpeechService({ poolSize: 1 });
    let wavSec: number;
    try {
      const s = await speech.synthesizeAll({
        script: parseSpeechInput('Hello, I am recording my avatar today.', { maxChars: 200 }),
        voice: { engine: 'espeak', language: 'en', params: { voice: 'en-us' } },
        prosody: { speed: 100, pitch: 100, volume: 140 },
      });
      fs.writeFileSync(path.join(out, 'speech.wav'), encodeWavPcm16(s.samples, s.sampleRate));
      wavSec = s.durationMs / 1000;
    } finally {
      await speech.close();
    }
    const seg = Math.ceil(wavSec) + 1;
    const segment = await stillVideo(
      portrait,
      path.join(out, 'speech.wav'),
      path.join(out, 'segment.mp4'),
      seg,
    );
    const training = await repeatVideo(segment, seg, 182, path.join(out, 'training.mp4'));
    // No face: ffmpeg's test pattern, 1080p, long enough that only the face is wrong.
    const pattern = await mp4File(out, { seconds: 4, width: 1920, height: 1080, name: 'pattern.mp4' });
    const faceless = await repeatVideo(pattern, 4, 182, path.join(out, 'faceless.mp4'));

    server = await startServer({ dataDir, env: { DOPPEL_JOB_POLL_MS: '200' } });
    assert.ok(server.banner, server.output());
    cred = server.banner;

    // The modeling queue takes one job at a time: the good one first, the two bad ones behind it.
    const good = await submit('Sample face', training);
    const short = await submit('Too short', segment);
    const noFace = await submit('No face', faceless);

    const job = await settled(good, 600_000);
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

    const asset = await api('GET', `/v1/{project_id}/digital-assets/${job.asset_id}`);
    assert.equal(asset.body.asset_type, 'HUMAN_MODEL_2D');
    assert.equal(asset.body.asset_state, 'ACTIVED');
    const main = asset.body.files.find(
      (f: { asset_file_category: string }) => f.asset_file_category === 'MAIN',
    );
    const zip = unzipSync(new Uint8Array(await get(main.download_url)));
    const manifest = JSON.parse(Buffer.from(zip['manifest.json']!).toString('utf8'));
    assert.deepEqual(manifest.canvas, { width: 1080, height: 1920 });
    for (const [name, bytes] of Object.entries(zip)) {
      fs.mkdirSync(path.dirname(path.join(out, 'package', name)), { recursive: true });
      fs.writeFileSync(path.join(out, 'package', name), bytes);
    }

    // A sentence, then 1.5 s of silence.
    const v = await api('POST', '/v1/{project_id}/2d-digital-human-videos', {
      model_asset_id: job.asset_id,
      voice_config: { voice_asset_id: EN_VOICE },
      video_config: { codec: 'H264', ...OUT, bitrate: 3000 },
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
    });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    const done = await poll('the video job', 300_000, async () => {
      const r = await api('GET', `/v1/{project_id}/2d-digital-human-videos/${v.body.job_id}`);
      return ['SUCCEED', 'FAILED'].includes(r.body.state) ? r.body : undefined;
    });
    assert.equal(done.state, 'SUCCEED', JSON.stringify(done.error_info));
    const outAsset = await api('GET', `/v1/{project_id}/digital-assets/${done.output_asset_config.asset_id}`);
    const mp4 = path.join(out, 'render.mp4');
    fs.writeFileSync(
      mp4,
      await get(
        outAsset.body.files.find((f: { asset_file_category: string }) => f.asset_file_category === 'MAIN')
          .download_url,
      ),
    );
    const duration = Number(done.duration);
    assert.ok(duration > 2.5, `the video lasts ${duration} s`);

    // The mouth box in canvas pixels (anchor + sprite size), mapped to where the renderer draws
    // the canvas in the output (scaled, centred, standing on the bottom edge).
    const place = defaultPlacement(manifest.canvas, OUT);
    const sprite = pngSize(zip[manifest.mouth.shapes.sil]!);
    const box: Box = {
      x: Math.round(place.x + manifest.mouth.anchor.x * place.scale),
      y: Math.round(place.y + manifest.mouth.anchor.y * place.scale),
      w: 2 * Math.floor((sprite.w * place.scale) / 2),
      h: 2 * Math.floor((sprite.h * place.scale) / 2),
    };
    const silentA = await crop(mp4, duration - 0.8, box);
    const silentB = await crop(mp4, duration - 0.3, box);
    const diffs: number[] = [];
    for (const at of [0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0])
      diffs.push(meanDiff(silentA, await crop(mp4, at, box)));
    const still = meanDiff(silentA, silentB);
    const most = Math.max(...diffs);
    await ffmpeg([
      '-ss',
      '1.0',
      '-i',
      `file:${mp4}`,
      '-frames:v',
      '1',
      `file:${path.join(out, 'speaking.png')}`,
    ]);
    await ffmpeg([
      '-ss',
      (duration - 0.3).toFixed(2),
      '-i',
      `file:${mp4}`,
      '-frames:v',
      '1',
      `file:${path.join(out, 'silent.png')}`,
    ]);
    t.diagnostic(
      `mouth box ${JSON.stringify(box)}: speech vs silence ${diffs.map((d) => d.toFixed(1))}, silence vs silence ${still.toFixed(2)}`,
    );
    assert.ok(
      most > 4 && most > 4 * still,
      `the mouth moves while speaking: speech vs silence ${diffs.map((d) => d.toFixed(1))}, silence vs silence ${still.toFixed(2)} (box ${JSON.stringify(box)})`,
    );

    // The bad uploads, reviewed after the good one.
    const s = await settled(short, 300_000);
    assert.equal(s.state, 'AUTO_VERIFY_FAILED', JSON.stringify(s.operation_logs));
    const sLog = s.operation_logs.at(-1).log_description as string;
    const lasted = sLog.match(/lasts (\d+\.\d) s; it must last 3 to 10 minutes/);
    assert.ok(lasted && Math.abs(Number(lasted[1]) - seg) < 0.5, sLog);
    assert.doesNotMatch(sLog, /No face|1080p|frame rate|no sound/, 'only the length is wrong');
    const n = await settled(noFace, 300_000);
    assert.equal(n.state, 'AUTO_VERIFY_FAILED', JSON.stringify(n.operation_logs));
    const nLog = n.operation_logs.at(-1).log_description as string;
    assert.match(nLog, /No face was found in (\d+) of \1 frames sampled/);
    assert.doesNotMatch(nLog, /lasts|1080p|frame rate|no sound/, 'only the face is missing');
  });
});
