// The TTS audio file: WAV built in JS (channels, gain, padding) and MP3 through ffmpeg, on the
// Debian ffmpeg and on the npm 2018 static build when both are there.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { encodeWav, encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { mp3Args, probeMedia } from '../../src/core/media/index.ts';
import { encodeSpeechAudio, speechPcm } from '../../src/engines/speech/audio.ts';
import type { Synthesis } from '../../src/engines/speech/types.ts';
import { mkTmp, toolLegs } from '../helpers/media-fixtures.ts';

function tone(seconds: number, sampleRate = 16_000): Synthesis {
  const samples = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / sampleRate));
  return { sampleRate, samples, durationMs: seconds * 1000, words: [], phonemes: [], exactTimings: true };
}

const header = (wav: Buffer) => ({
  channels: wav.readUInt16LE(22),
  rate: wav.readUInt32LE(24),
  byteRate: wav.readUInt32LE(28),
  align: wav.readUInt16LE(32),
  dataBytes: wav.readUInt32LE(40),
});

test('encodeWav keeps its mono signature and gains a channel count', () => {
  const mono = encodeWav([0, 1, -1], 8000);
  assert.deepEqual(header(mono), { channels: 1, rate: 8000, byteRate: 16_000, align: 2, dataBytes: 6 });
  assert.deepEqual([mono.readInt16LE(44), mono.readInt16LE(46), mono.readInt16LE(48)], [0, 32767, -32767]);
  const stereo = encodeWav([0.5, -0.5], 8000, 2);
  assert.deepEqual(header(stereo), { channels: 2, rate: 8000, byteRate: 32_000, align: 4, dataBytes: 4 });
  assert.throws(() => encodeWavPcm16(new Int16Array(3), 8000, 2), /whole number of 2-channel frames/);
});

test('speechPcm duplicates into stereo and applies gain with clipping', () => {
  assert.deepEqual([...speechPcm(Int16Array.from([1, -2]), 2)], [1, 1, -2, -2]);
  assert.deepEqual([...speechPcm(Int16Array.from([20_000, -20_000, 100]), 1, 2)], [32767, -32768, 200]);
  const same = Int16Array.from([5]);
  assert.equal(speechPcm(same, 1), same);
  assert.throws(() => speechPcm(same, 1, -1), /bad volume/);
});

test('WAV output: padding and channels show in the header and the samples', async () => {
  const s = tone(0.5);
  const wav = await encodeSpeechAudio(s, {
    format: 'WAV',
    channels: 2,
    leadingSilenceMs: 250,
    trailingSilenceMs: 250,
  });
  const h = header(wav);
  assert.equal(h.channels, 2);
  assert.equal(h.dataBytes, 16_000 * 2 * 2); // 1 s of stereo 16-bit
  assert.equal(wav.readInt16LE(44 + 4 * 3999), 0); // still in the leading silence
  assert.equal(wav.readInt16LE(44 + 4 * 4001), s.samples[1]);
  assert.equal(wav.readInt16LE(44 + 4 * 4001 + 2), s.samples[1]); // right channel = left
});

test('MP3 needs ffmpeg tools', async () => {
  await assert.rejects(
    encodeSpeechAudio(tone(0.1), { format: 'MP3', channels: 1 }),
    /MP3 output needs ffmpeg/,
  );
  assert.deepEqual(mp3Args(64).slice(-8), [
    'libmp3lame',
    '-b:a',
    '64k',
    '-write_xing',
    '0',
    '-f',
    'mp3',
    'pipe:1',
  ]);
  assert.throws(() => mp3Args(1000), /bad MP3 bitrate/);
});

for (const leg of toolLegs().filter((l) => l.name !== 'ffprobe')) {
  test(`MP3 over pipes decodes back to the right length (${leg.name})`, { skip: leg.skip }, async () => {
    const tools = leg.tools;
    assert.ok(tools);
    const mp3 = await encodeSpeechAudio(
      tone(1.5),
      { format: 'MP3', channels: 2, trailingSilenceMs: 500 },
      tools,
    );
    assert.ok(mp3.length > 1000);
    assert.ok(mp3[0] === 0xff || mp3.subarray(0, 3).toString('latin1') === 'ID3', 'starts like an MP3');
    const dir = mkTmp('speech-audio');
    try {
      const file = path.join(dir, 'out.mp3');
      fs.writeFileSync(file, mp3);
      const info = await probeMedia(tools, file);
      const audio = info.audio;
      assert.ok(audio, JSON.stringify(info));
      assert.equal(audio.channels, 2);
      assert.ok(Math.abs((info.durationSec ?? 0) - 2) < 0.15, `duration ${info.durationSec}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
