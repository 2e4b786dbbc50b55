// `npm run bench:modeling [-- --runs 3]`: modeling on this machine. Voice part (the image
// part belongs to the image modeling work and is added beside it):
//
//   recordings   20 BASIC sentences made with the built-in eSpeak engine (a high voice)
//   review       the system review of the 20 recordings (decode, levels, clipping, SNR,
//                text-vs-speech), median of --runs: × realtime = audio seconds / wall seconds
//   profile      the voice profile (YIN pitch over every frame, rate, loudness)
//   preset cold  matching the eSpeak preset with the per-voice calibration (first job of a
//                process); preset warm: a later job (calibration cached)
//   BASIC total  review + profile + warm preset: what one more BASIC job costs a worker
import { parseArgs } from 'node:util';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { createSpeechService } from '../../src/engines/speech/index.ts';
import { decodeWav } from '../../src/engines/speech/wav-decode.ts';
import { measureProfile } from '../../src/engines/voice-analysis/profile.ts';
import { matchPreset } from '../../src/modules/voice-training/voice-training.preset.ts';
import { reviewTrainingData } from '../../src/modules/voice-training/voice-training.review.ts';
import { SENTENCES_EN } from '../../test/helpers/voice.ts';

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Math.max(1, Number(opts.runs));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
};

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
    out.push({
      index: i,
      audioName: `${i}.wav`,
      textName: `${i}.txt`,
      wav: encodeWavPcm16(s.samples, s.sampleRate),
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
  if (errors.length) throw new Error(`the review refused the bench recordings: ${JSON.stringify(errors[0])}`);
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
