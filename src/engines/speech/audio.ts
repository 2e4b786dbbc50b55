// The audio file of a TTS job or audition: the engine's mono 16-bit PCM, with silence padding,
// gain and channel count applied, as WAV (built here) or MP3 (ffmpeg, through core/media, the
// only place that starts processes).
import { encodeWavPcm16 } from '../../core/media/encode.ts';
import { MediaError, type MediaTools } from '../../core/media/index.ts';
import { encodeMp3 } from '../../core/media/mp3.ts';
import type { Synthesis } from './types.ts';

export interface AudioOptions {
  /** MetaStudio audio_format; WAV is the default there. */
  format: 'WAV' | 'MP3';
  /** MetaStudio channels 1–2; stereo duplicates the mono voice into both channels. */
  channels: 1 | 2;
  /** Silence before the speech. */
  leadingSilenceMs?: number;
  /**
   * Silence after the speech. Generic padding: what MetaStudio's `silence_flag` +
   * `silence_time_ms` (0–5000, default 2000) mean is the TTS module's call. The public docs
   * only say "silence"; the module reads the flag as "on failure, return silence_time_ms of
   * silent audio instead of an error" (tts.jobs.ts), for which silentSynthesis() + this encoder
   * suffice. Should it turn out to mean padding (at the end, or between sentences via <break>
   * pieces), pass it here and use padSynthesis() with the same values so the timestamp, SRT
   * and viseme files match the audio.
   */
  trailingSilenceMs?: number;
  /** Linear gain on the samples, clipped at full scale; 1 (default) leaves them as they are. */
  volume?: number;
  /** MP3 bitrate; default 128 kbit/s. */
  bitrateKbps?: number;
  signal?: AbortSignal;
}

/** Samples for `ms` at `rate`, rounded to whole samples. */
const samplesFor = (ms: number, rate: number): number => Math.max(0, Math.round((ms * rate) / 1000));

/**
 * The synthesis with silence added around it and every word and phoneme timing shifted by the
 * leading silence; durationMs grows by both. Apply it once, then build every file from it.
 */
export function padSynthesis(
  s: Synthesis,
  pad: { leadingSilenceMs?: number; trailingSilenceMs?: number },
): Synthesis {
  const lead = samplesFor(pad.leadingSilenceMs ?? 0, s.sampleRate);
  const trail = samplesFor(pad.trailingSilenceMs ?? 0, s.sampleRate);
  if (!lead && !trail) return s;
  const samples = new Int16Array(lead + s.samples.length + trail);
  samples.set(s.samples, lead);
  const shift = (lead * 1000) / s.sampleRate;
  return {
    ...s,
    samples,
    durationMs: (samples.length * 1000) / s.sampleRate,
    words: s.words.map((w) => ({ ...w, startMs: w.startMs + shift, endMs: w.endMs + shift })),
    phonemes: s.phonemes.map((p) => ({ ...p, startMs: p.startMs + shift, endMs: p.endMs + shift })),
  };
}

/** Interleaved 16-bit PCM with gain and channels applied (pure). */
export function speechPcm(samples: Int16Array, channels: 1 | 2, volume = 1): Int16Array {
  if (!(volume >= 0) || !Number.isFinite(volume)) throw new RangeError(`bad volume ${volume}`);
  if (channels === 1 && volume === 1) return samples;
  const out = new Int16Array(samples.length * channels);
  for (let i = 0; i < samples.length; i++) {
    const v = volume === 1 ? samples[i] : Math.max(-32768, Math.min(32767, Math.round(samples[i] * volume)));
    for (let c = 0; c < channels; c++) out[i * channels + c] = v;
  }
  return out;
}

/**
 * Encodes a synthesis as the bytes of a WAV or MP3 file. Padding is applied here too; callers
 * that also write timestamps should pad with padSynthesis() first and pass no padding here.
 * MP3 needs `tools` (ffmpeg with libmp3lame).
 */
export async function encodeSpeechAudio(
  synthesis: Synthesis,
  opts: AudioOptions,
  tools?: MediaTools,
): Promise<Buffer> {
  const padded = padSynthesis(synthesis, opts);
  const wav = encodeWavPcm16(
    speechPcm(padded.samples, opts.channels, opts.volume ?? 1),
    padded.sampleRate,
    opts.channels,
  );
  if (opts.format === 'WAV') return wav;
  if (!tools) throw new MediaError('TOOL_MISSING', 'MP3 output needs ffmpeg');
  return encodeMp3(tools, wav, { bitrateKbps: opts.bitrateKbps, signal: opts.signal });
}
