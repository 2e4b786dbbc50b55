// Voice modeling end to end (PGlite): twenty recordings of a high voice, made with the real
// eSpeak engine, go through a BASIC job (zip upload → commit → review → training → SUCCEED);
// a TTS job with the new voice asset then speaks at the recordings' measured pitch (YIN on
// the output audio), unlike the shipped voice of the same language and sex.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { decodeWav } from '../../src/engines/speech/wav-decode.ts';
import { estimateF0, summarisePitch } from '../../src/engines/voice-analysis/f0.ts';
import { SYSTEM_VOICES } from '../../src/modules/assets/system-voices.ts';
import { dbLegs } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { download, waitForAsyncJob } from '../helpers/tts.ts';
import { put, SENTENCES_EN, VT, waitSettled } from '../helpers/voice.ts';

const semitones = (a: number, b: number) => Math.abs(12 * Math.log2(a / b));
const pitchOf = (wav: Buffer) => {
  const d = decodeWav(wav);
  return summarisePitch(estimateF0(d.samples, d.sampleRate))!;
};

describe('voice modeling end to end: recordings → BASIC job → VOICE_MODEL → TTS at the measured pitch', () => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform((await dbLegs())[0]!);
  });
  after(async () => {
    await p?.close();
  });

  it('trains a high female voice from 20 eSpeak recordings and speaks with it', async () => {
    // The "speaker": eSpeak's f2 variant far above its usual pitch, a little slow.
    const speaker = {
      engine: 'espeak',
      language: 'en',
      params: { voice: 'en-us', variant: 'f2', pitch: 92, rate: 150 },
    };
    const files: Record<string, Uint8Array> = {};
    const recordingPitch: number[] = [];
    for (const [i, text] of SENTENCES_EN.entries()) {
      const s = await p.deps.speech.synthesizeAll({
        script: { original: text, pieces: [{ kind: 'speak', text, source: [0, text.length] }] },
        voice: speaker,
        prosody: { speed: 100, pitch: 100, volume: 140 },
      });
      // Breath before and after, as a person leaves when recording.
      const pad = new Int16Array(Math.round(s.sampleRate * 0.4));
      const pcm = new Int16Array(pad.length * 2 + s.samples.length);
      pcm.set(s.samples, pad.length);
      const wav = encodeWavPcm16(pcm, s.sampleRate);
      files[`${i}.wav`] = wav;
      files[`${i}.txt`] = Buffer.from(text);
      recordingPitch.push(pitchOf(wav).medianHz);
    }
    const recorded = [...recordingPitch].sort((a, b) => a - b)[10]!;

    const c = await p.call('POST', `${VT}/basic-jobs`, {
      body: { voice_name: 'High reader', language: 'EN', sex: 'FEMALE' },
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const up = await put(
      p,
      c.body.training_data_uploading_url,
      Buffer.from(zipSync(files)),
      'application/zip',
    );
    assert.equal(up.status, 200);
    assert.equal((await p.call('POST', `${VT}/jobs/${c.body.job_id}`, { body: {} })).status, 200);
    const done = await waitSettled(p, c.body.job_id, 600_000);
    assert.equal(done.body.state, 'SUCCEED', JSON.stringify(done.body));

    const text = 'Good evening, and welcome to the late news. Here are tonight\u2019s main stories.';
    const speak = async (voice: string) => {
      const j = await p.call('POST', '/v1/{project_id}/ttsc/async-jobs', {
        body: { text, voice_asset_id: voice },
      });
      assert.equal(j.status, 200, JSON.stringify(j.body));
      const r = await waitForAsyncJob(p, j.body.job_id, 180_000);
      assert.equal(r.state, 'SUCCEED', JSON.stringify(r));
      return pitchOf(await download(p, r.audio_file_url));
    };
    const trained = await speak(done.body.asset_id);
    // The shipped American English female voice, for contrast.
    const shipped = await speak(SYSTEM_VOICES.find((v) => v.name === 'Emma')!.assetId);
    assert.ok(
      semitones(trained.medianHz, recorded) < 1.5,
      `trained voice at ${trained.medianHz.toFixed(1)} Hz, recordings at ${recorded.toFixed(1)} Hz`,
    );
    assert.ok(
      semitones(shipped.medianHz, recorded) > 3,
      `the shipped voice (${shipped.medianHz.toFixed(1)} Hz) is not already at the recordings' pitch`,
    );
  });
});
