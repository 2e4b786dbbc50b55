// A clip is the unit the stream plays: one sentence (or an audio file) as exactly `frames` video
// frames and frames × SAMPLES_PER_FRAME audio samples at the stream's rate, with the viseme to
// draw on each frame. Cutting speech to whole frames is what keeps picture and sound locked for
// hours: the encoder's two inputs are counted in frames and samples, never in wall time. Pure.
import { type AvatarPackage, mouthShapeFor } from '../render/avatar-package.ts';
import { FPS, frameCount, mouthTrackFromPhonemes } from '../render/viseme-track.ts';
import type { PhonemeTiming } from '../speech/types.ts';
import type { Viseme } from '../speech/visemes.ts';

/** The stream's audio: mono signed 16-bit PCM at 48 kHz, 1920 samples per 25 fps frame. */
export const SAMPLE_RATE = 48_000;
export const SAMPLES_PER_FRAME = SAMPLE_RATE / FPS;

export interface Clip {
  frames: number;
  /** frames × SAMPLES_PER_FRAME samples. */
  samples: Int16Array;
  /** The mouth sprite per frame (already resolved to a sprite the avatar has). */
  mouth: Viseme[];
  /** Mean absolute level of the clip, for "is it speaking" checks and metrics. */
  level: number;
}

/** Linear resampling to SAMPLE_RATE: speech engines answer at 16–24 kHz, the stream is 48 kHz. */
export function resampleTo48k(samples: Int16Array, rate: number): Int16Array {
  if (rate === SAMPLE_RATE) return samples;
  const n = Math.floor((samples.length * SAMPLE_RATE) / rate);
  const out = new Int16Array(n);
  const step = rate / SAMPLE_RATE;
  for (let i = 0; i < n; i++) {
    const pos = i * step;
    const k = Math.floor(pos);
    const f = pos - k;
    const a = samples[k] ?? 0;
    const b = samples[k + 1] ?? a;
    out[i] = Math.round(a + (b - a) * f);
  }
  return out;
}

/**
 * A clip from speech: audio at any rate with phoneme timings from its own start. The audio is
 * padded with silence to whole frames; the mouth comes from the render engine's viseme track
 * (the same smoothing as a rendered video) and the avatar's sprite fallbacks.
 */
export function makeClip(
  avatar: AvatarPackage,
  audio: { samples: Int16Array; sampleRate: number },
  phonemes: PhonemeTiming[],
): Clip {
  const pcm = resampleTo48k(audio.samples, audio.sampleRate);
  const durationMs = (pcm.length / SAMPLE_RATE) * 1000;
  const frames = Math.max(1, frameCount(durationMs));
  const samples = new Int16Array(frames * SAMPLES_PER_FRAME);
  samples.set(pcm.subarray(0, samples.length));
  const mouth: Viseme[] = [];
  for (const run of mouthTrackFromPhonemes(phonemes, durationMs)) {
    const shape = mouthShapeFor(avatar, run.shape);
    for (let i = 0; i < run.frames; i++) mouth.push(shape);
  }
  const sil = mouthShapeFor(avatar, 'sil');
  while (mouth.length < frames) mouth.push(sil);
  mouth.length = frames;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += Math.abs(pcm[i]);
  return { frames, samples, mouth, level: pcm.length ? sum / pcm.length : 0 };
}

/** The audio of frame `f` of a clip (a view, no copy). */
export const clipAudio = (clip: Clip, f: number): Int16Array =>
  clip.samples.subarray(f * SAMPLES_PER_FRAME, (f + 1) * SAMPLES_PER_FRAME);
