// The system review of training recordings: what can be checked without a person — each
// recording readable, sample rate, length, speech present (not silence), no clipping, a clean
// signal (SNR), a reading whose length fits its text, and, when a speech recogniser is
// configured, a transcript close to the text. Also used one sentence at a time by
// ConfirmTrainingSegment. Error codes are listed in ERRATA 77.
import { measureSignal, type SignalStats, spokenUnits } from '../../engines/voice-analysis/signal.ts';
import type { AuditError, Recording, TrainingData } from './voice-training.recordings.ts';
import { readWav } from './voice-training.recordings.ts';
import { DURATION_LIMITS, type Edition, REVIEW, SENTENCE_SECONDS } from './voice-training.rules.ts';

/**
 * The seam for a speech recogniser. None ships with Doppel; when one is wired in, each
 * recording's transcript is compared with its text.
 */
export interface Transcriber {
  transcribe(
    samples: Int16Array,
    sampleRate: number,
    language: 'CN' | 'EN',
    signal?: AbortSignal,
  ): Promise<string>;
}

export interface RecordingCheck {
  errors: AuditError[];
  stats?: SignalStats;
  sampleRate?: number;
}

const names = (r: Pick<Recording, 'audioName' | 'textName'>) => ({
  audio_name: r.audioName,
  ...(r.textName && { text_name: r.textName }),
});

/** Similarity of two texts, 0–1: 1 − edit distance / longer length, over letters and Han only. */
export function textSimilarity(a: string, b: string): number {
  const norm = (s: string) => [...s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '')];
  const x = norm(a);
  const y = norm(b);
  if (x.length === 0 && y.length === 0) return 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return 1 - prev[y.length]! / Math.max(x.length, y.length);
}

/** Checks one recording; `sentence` true for BASIC / MIDDLE sentences (length limits apply). */
export async function checkRecording(
  r: Pick<Recording, 'audioName' | 'textName' | 'wav' | 'text'>,
  opts: { sentence: boolean; language: 'CN' | 'EN'; transcriber?: Transcriber; signal?: AbortSignal },
): Promise<RecordingCheck> {
  const n = names(r);
  const decoded = readWav(r);
  if (typeof decoded === 'string')
    return {
      errors: [
        {
          ...n,
          error_code: 'AUDIO_UNREADABLE',
          error_message: `${r.audioName}: ${decoded} (a PCM WAV is needed)`,
        },
      ],
    };
  const errors: AuditError[] = [];
  const add = (code: string, msg: string) =>
    errors.push({ ...n, error_code: code, error_message: `${r.audioName}: ${msg}` });
  if (decoded.sampleRate < REVIEW.minSampleRate)
    add(
      'AUDIO_SAMPLE_RATE',
      `sample rate ${decoded.sampleRate} Hz; at least ${REVIEW.minSampleRate} Hz is needed`,
    );
  const stats = measureSignal(decoded.samples, decoded.sampleRate);
  const seconds = stats.durationMs / 1000;
  if (opts.sentence && seconds < SENTENCE_SECONDS.min)
    add(
      'AUDIO_TOO_SHORT',
      `${seconds.toFixed(2)} s; a sentence recording is at least ${SENTENCE_SECONDS.min} s`,
    );
  if (opts.sentence && seconds > SENTENCE_SECONDS.max)
    add(
      'AUDIO_TOO_LONG',
      `${seconds.toFixed(1)} s; a sentence recording is at most ${SENTENCE_SECONDS.max} s`,
    );
  if (stats.speechDb < -50) {
    add('AUDIO_SILENT', 'no speech found (the recording is silent or far too quiet)');
    return { errors, stats, sampleRate: decoded.sampleRate };
  }
  if (opts.sentence && stats.speechMs < stats.durationMs * REVIEW.minSpeechShare)
    add(
      'AUDIO_MOSTLY_SILENT',
      `speech fills only ${Math.round((100 * stats.speechMs) / stats.durationMs)} % of the recording`,
    );
  if (stats.clippedRatio > REVIEW.maxClippedRatio)
    add(
      'AUDIO_CLIPPING',
      `${(stats.clippedRatio * 100).toFixed(2)} % of the samples are clipped; record at a lower level`,
    );
  if (stats.snrDb < REVIEW.minSnrDb)
    add(
      'AUDIO_NOISY',
      `signal-to-noise ratio ${stats.snrDb.toFixed(1)} dB; at least ${REVIEW.minSnrDb} dB is needed (a quieter room)`,
    );
  if (r.text !== undefined) {
    const units = spokenUnits(r.text);
    if (units === 0) add('TEXT_EMPTY', 'the text has nothing to read');
    else {
      const rate = units / Math.max(0.05, stats.activeMs / 1000);
      if (rate < REVIEW.minUnitsPerSecond || rate > REVIEW.maxUnitsPerSecond)
        add(
          'TEXT_AUDIO_MISMATCH',
          `${(stats.activeMs / 1000).toFixed(1)} s of speech for ${units} syllables of text (${rate.toFixed(1)}/s): the recording does not read this text`,
        );
      else if (opts.transcriber) {
        const heard = await opts.transcriber.transcribe(
          decoded.samples,
          decoded.sampleRate,
          opts.language,
          opts.signal,
        );
        const sim = textSimilarity(heard, r.text);
        if (sim < REVIEW.minTranscriptSimilarity)
          add(
            'TEXT_AUDIO_MISMATCH',
            `the speech recogniser heard "${heard.slice(0, 80)}" (${Math.round(sim * 100)} % like the text)`,
          );
      }
    }
  }
  return { errors, stats, sampleRate: decoded.sampleRate };
}

const limitsOf = (edition: Edition) =>
  edition === 'BASIC'
    ? DURATION_LIMITS.basic
    : edition === 'MIDDLE'
      ? DURATION_LIMITS.middle
      : DURATION_LIMITS.advance;

/** The whole review: upload errors, every recording, and the total duration against the limits. */
export async function reviewTrainingData(
  data: TrainingData,
  opts: {
    edition: Edition;
    language: 'CN' | 'EN';
    transcriber?: Transcriber;
    signal?: AbortSignal;
    onEach?: () => Promise<void>;
  },
): Promise<AuditError[]> {
  const errors = [...data.errors];
  let totalMs = 0;
  for (const r of data.recordings) {
    const c = await checkRecording(r, { sentence: opts.edition !== 'ADVANCE', ...opts });
    errors.push(...c.errors);
    totalMs += c.stats?.durationMs ?? 0;
    await opts.onEach?.();
  }
  const lim = limitsOf(opts.edition);
  if (data.recordings.length > 0 && totalMs / 1000 < lim.min)
    errors.push({
      error_code: 'DURATION_TOO_SHORT',
      error_message: `${(totalMs / 1000).toFixed(1)} s recorded; at least ${lim.min} s is needed`,
    });
  if (totalMs / 1000 > lim.max)
    errors.push({
      error_code: 'DURATION_TOO_LONG',
      error_message: `${(totalMs / 1000).toFixed(0)} s recorded; at most ${lim.max} s is read`,
    });
  return errors;
}
