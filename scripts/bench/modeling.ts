// `npm run bench:modeling [-- --runs 3] [--part voice|image|all]`: modeling on this machine.
// Voice part:
//
//   recordings   20 BASIC sentences made with the built-in eSpeak engine (a high voice)
//   review       the system review of the 20 recordings (decode, levels, clipping, SNR,
//                text-vs-speech), median of --runs: × realtime = audio seconds / wall seconds
//   profile      the voice profile (YIN pitch over every frame, rate, loudness)
//   preset cold  matching the eSpeak preset with the per-voice calibration (first job of a
//                process); preset warm: a later job (calibration cached)
//   BASIC total  review + profile + warm preset: what one more BASIC job costs a worker
//
// Image part: a whole 2D training job through the API of an in-process platform (embedded
// database, the job workers in this process), from SUBMITVERIFYING to JOB_SUCCESS, for a
// 3-minute 1080×1920 H.264 + AAC video and for a photo. The material is a one-person crop of
// face-api's sample photo (test/helpers/face-fixtures.ts; it stays in a temp folder): the
// video is that still with speech, a few seconds encoded and repeated by stream copy, so the
// figure is what review and training cost (frames sampled, decoded at their timestamps, face
// model, package build), not the decoding of a busy camera video. Each state is timed as the
// poll sees it (every 100 ms), so the stages add up to the total within a poll or so.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { createSpeechService } from '../../src/engines/speech/index.ts';
import { decodeWav } from '../../src/engines/speech/wav-decode.ts';
import { measureProfile } from '../../src/engines/voice-analysis/profile.ts';
import { matchPreset } from '../../src/modules/voice-training/voice-training.preset.ts';
import { reviewTrainingData } from '../../src/modules/voice-training/voice-training.review.ts';
import { dbLegs } from '../../test/helpers/db.ts';
import {
  repeatVideo,
  samplePhoto,
  singleFacePortrait,
  stillVideo,
} from '../../test/helpers/face-fixtures.ts';
import { startTestPlatform } from '../../test/helpers/platform.ts';
import { SENTENCES_EN } from '../../test/helpers/voice.ts';

const { values: opts } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, part: { type: 'string', default: 'all' } },
});
const runs = Math.max(1, Number(opts.runs));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
};

async function voicePart(): Promise<void> {
  const speech = createSpeechService({ poolSize: 1 });
  const speaker = {
    engine: 'espeak',
    language: 'en',
    params: { voice: 'en-us', variant: 'f2', pitch: 92, rate: 150 },
  };
  const [recordings, synthMs] = await time(async () => {
    const out = [];
    for (const [i, text] of SENTENCES_EN.entries()) {
      const s = await speech.synthesizeAll({
        script: { original: text, pieces: [{ kind: 'speak', text, source: [0, text.length] }] },
        voice: speaker,
        prosody: { speed: 100, pitch: 100, volume: 140 },
      });
      // Breath before and after, as a person leaves when recording: the review measures the
      // noise floor in those pauses (without them it reads speech as noise and refuses the SNR).
      const pad = new Int16Array(Math.round(s.sampleRate * 0.4));
      const pcm = new Int16Array(pad.length * 2 + s.samples.length);
      pcm.set(s.samples, pad.length);
      out.push({
        index: i,
        audioName: `${i}.wav`,
        textName: `${i}.txt`,
        wav: encodeWavPcm16(pcm, s.sampleRate),
        text,
      });
    }
    return out;
  });
  const audioS = recordings.reduce((n, r) => {
    const d = decodeWav(r.wav);
    return n + d.samples.length / d.sampleRate;
  }, 0);

  const reviewMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [errors, ms] = await time(() =>
      reviewTrainingData({ recordings, errors: [] }, { edition: 'BASIC', language: 'EN' }),
    );
    if (errors.length)
      throw new Error(`the review refused the bench recordings: ${JSON.stringify(errors[0])}`);
    reviewMs.push(ms);
  }
  const decoded = recordings.map((r) => ({ ...decodeWav(r.wav), text: r.text }));
  const profileMs: number[] = [];
  let profile = measureProfile(decoded)!;
  for (let i = 0; i < runs; i++) {
    const [p, ms] = await time(() => measureProfile(decoded)!);
    profile = p;
    profileMs.push(ms);
  }
  const [, coldMs] = await time(() => matchPreset(speech, profile, { language: 'EN', sex: 'FEMALE' }));
  const warm: number[] = [];
  let achieved = 0;
  for (let i = 0; i < runs; i++) {
    const [c, ms] = await time(() => matchPreset(speech, profile, { language: 'EN', sex: 'FEMALE' }));
    achieved = c.achieved.medianHz;
    warm.push(ms);
  }
  await speech.close();

  const row = (name: string, ms: number) =>
    `| ${name.padEnd(22)} | ${(ms / 1000).toFixed(2).padStart(8)} | ${(audioS / (ms / 1000)).toFixed(1).padStart(10)} |`;
  const total = median(reviewMs) + median(profileMs) + median(warm);
  console.log(
    `voice modeling: 20 recordings, ${audioS.toFixed(1)} s of audio (made in ${(synthMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `recordings at ${profile.pitch.medianHz.toFixed(1)} Hz; the matched preset speaks at ${achieved.toFixed(1)} Hz`,
  );
  console.log('| step                   | seconds  | × realtime |');
  console.log('|------------------------|----------|------------|');
  console.log(row('review (median)', median(reviewMs)));
  console.log(row('profile (median)', median(profileMs)));
  console.log(row('preset, cold', coldMs));
  console.log(row('preset, warm (median)', median(warm)));
  console.log(row('BASIC total (warm)', total));
}

const TRAINING = '/v1/{project_id}/digital-human-training-manage/user/jobs';
const ENDED = new Set([
  'JOB_SUCCESS',
  'AUTO_VERIFY_FAILED',
  'TRAIN_FAILED',
  'TRAINING_DATA_PREPROCESS_FAILED',
  'INFERENCE_DATA_PREPROCESS_FAILED',
]);

async function imagePart(): Promise<void> {
  const photo = samplePhoto();
  if (!photo) throw new Error('no sample photo in @vladmandic/face-api/demo');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-bench-modeling-'));
  const p = await startTestPlatform((await dbLegs())[0]!);
  try {
    const [material, makeMs] = await time(async () => {
      const portrait = await singleFacePortrait(photo, path.join(work, 'portrait.png'));
      const s = await p.deps.speech.synthesizeAll({
        script: {
          original: SENTENCES_EN[0]!,
          pieces: [{ kind: 'speak', text: SENTENCES_EN[0]!, source: [0, SENTENCES_EN[0]!.length] }],
        },
        voice: { engine: 'espeak', language: 'en', params: { voice: 'en-us' } },
        prosody: { speed: 100, pitch: 100, volume: 140 },
      });
      const wav = path.join(work, 'speech.wav');
      fs.writeFileSync(wav, encodeWavPcm16(s.samples, s.sampleRate));
      const seg = Math.ceil(s.durationMs / 1000) + 1;
      const segment = await stillVideo(portrait, wav, path.join(work, 'segment.mp4'), seg);
      const video = await repeatVideo(segment, seg, 180 + seg, path.join(work, 'training.mp4'));
      return { portrait, video };
    });
    console.log(`\nimage modeling: material made in ${(makeMs / 1000).toFixed(1)} s`);
    console.log('| upload                 | review s | preprocess s | training s | inference s | total s |');
    console.log('|------------------------|----------|--------------|------------|-------------|---------|');
    for (const [name, file] of [
      ['3-min 1080×1920 video', material.video],
      ['photo 1080×1920', material.portrait],
    ] as const) {
      const c = await p.call('POST', TRAINING, { body: { name } });
      const put = await p.fetchUrl('PUT', c.body.training_video_upload_url[0], {
        body: fs.readFileSync(file),
        headers: { 'content-type': 'application/octet-stream' },
      });
      if (put.status !== 200) throw new Error(`upload failed: ${put.raw.toString()}`);
      const t0 = performance.now();
      await p.call('POST', `${TRAINING}/${c.body.job_id}/command`, { body: { command: 'SUBMITVERIFYING' } });
      // Time spent in each state, as the poll sees it.
      const spent = new Map<string, number>();
      let state = 'AUTO_VERIFYING';
      let since = t0;
      let last: { state: string; operation_logs: unknown[] };
      for (;;) {
        last = (await p.call('GET', `${TRAINING}/${c.body.job_id}`)).body;
        const now = performance.now();
        if (last.state !== state) {
          spent.set(state, (spent.get(state) ?? 0) + now - since);
          state = last.state;
          since = now;
        }
        if (ENDED.has(last.state)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const totalMs = performance.now() - t0;
      if (last.state !== 'JOB_SUCCESS')
        throw new Error(`${name}: ended in ${last.state}: ${JSON.stringify(last.operation_logs.at(-1))}`);
      const sec = (...states: string[]) =>
        (states.reduce((n, st) => n + (spent.get(st) ?? 0), 0) / 1000).toFixed(1);
      console.log(
        `| ${name.padEnd(22)} | ${sec('AUTO_VERIFYING').padStart(8)} | ${sec('WAIT_TRAINING_DATA_PREPROCESS', 'TRAINING_DATA_PREPROCESSING', 'TRAINING_DATA_PREPROCESS_SUCCESS').padStart(12)} | ${sec('TRAINING', 'TRAIN_SUCCESS').padStart(10)} | ${sec('INFERENCE_DATA_PREPROCESSING').padStart(11)} | ${(totalMs / 1000).toFixed(1).padStart(7)} |`,
      );
    }
  } finally {
    await p.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (${os.availableParallelism()} cores)`,
);
if (opts.part !== 'image') await voicePart();
if (opts.part !== 'voice') await imagePart();
console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the end`,
);
