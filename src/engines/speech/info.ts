// The audio_info_file_url content of an async TTS job: word and phoneme timestamps for the
// audio file. Format (snake_case like the rest of the MetaStudio wire): docs/speech-action-file.md.
import { isSsml, stripMarkup } from './ssml.ts';
import type { Synthesis } from './types.ts';

export interface TimestampFile {
  format: 'doppel.tts-timestamps';
  version: 1;
  /** Length of the audio file in ms. */
  duration_ms: number;
  sample_rate: number;
  /** "exact" when the engine reported the timings, "estimated" when they were spread evenly. */
  timings: 'exact' | 'estimated';
  words: {
    /** The word as written in the request text (SSML entities decoded). */
    text: string;
    /** [begin_index, end_index) in UTF-16 code units of the request text (JavaScript string offsets). */
    begin_index: number;
    end_index: number;
    begin_ms: number;
    end_ms: number;
  }[];
  phonemes: { phoneme: string; begin_ms: number; end_ms: number }[];
}

export function timestampFile(synthesis: Synthesis, original: string): TimestampFile {
  const ms = (n: number): number => Math.max(0, Math.round(n));
  const markup = isSsml(original);
  const written = (a: number, b: number): string =>
    markup ? stripMarkup(original.slice(a, b)).trim() : original.slice(a, b);
  return {
    format: 'doppel.tts-timestamps',
    version: 1,
    duration_ms: ms(synthesis.durationMs),
    sample_rate: synthesis.sampleRate,
    timings: synthesis.exactTimings ? 'exact' : 'estimated',
    words: [...synthesis.words]
      .sort((a, b) => a.startMs - b.startMs || a.source[0] - b.source[0])
      .map((w) => ({
        text: written(w.source[0], w.source[1]) || w.text,
        begin_index: w.source[0],
        end_index: w.source[1],
        begin_ms: ms(w.startMs),
        end_ms: ms(Math.max(w.startMs, w.endMs)),
      })),
    phonemes: synthesis.phonemes.map((p) => ({
      phoneme: p.phoneme,
      begin_ms: ms(p.startMs),
      end_ms: ms(Math.max(p.startMs, p.endMs)),
    })),
  };
}
