// The speech side of a TTS job, without the database: text → script (SSML, vocabulary) →
// speech engine → the job's output files (audio, timestamps, subtitles, visemes). The job
// handler (tts.jobs.ts) stores what this returns.

import type { MediaTools } from '../../core/media/index.ts';
import { encodeSpeechAudio } from '../../engines/speech/audio.ts';
import type { SpeechService } from '../../engines/speech/index.ts';
import { timestampFile } from '../../engines/speech/info.ts';
import { buildSrt } from '../../engines/speech/srt.ts';
import { parseSpeechInput } from '../../engines/speech/ssml.ts';
import type { SpeechScript, Synthesis, VocabularyEntry, VoiceSpec } from '../../engines/speech/types.ts';
import { visemeTimeline } from '../../engines/speech/visemes.ts';
import { applyVocabulary } from '../../engines/speech/vocabulary.ts';
import type { TtsJobRequest } from './tts.rules.ts';

export interface OutputFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface SpeechTools {
  speech: SpeechService;
  /** ffmpeg for encodeSpeechAudio (MP3 only); called only when needed. */
  mediaTools?: () => MediaTools;
}

/** Parses (and so validates) the text as the voice will read it; throws SpeechError. */
export function scriptOf(req: TtsJobRequest, voice: VoiceSpec, vocabulary: VocabularyEntry[]): SpeechScript {
  const script = parseSpeechInput(req.text, { maxChars: req.maxChars, language: voice.language });
  return req.vocabulary && vocabulary.length > 0
    ? applyVocabulary(script, vocabulary, { language: voice.language })
    : script;
}

const json = (name: string, value: unknown): OutputFile => ({
  name,
  contentType: 'application/json',
  bytes: Buffer.from(JSON.stringify(value)),
});

/** Everything an async job produces, synthesised in one go. */
export async function synthesizeJob(
  tools: SpeechTools,
  job: { request: TtsJobRequest; voice: VoiceSpec; vocabulary: VocabularyEntry[]; signal?: AbortSignal },
): Promise<{
  files: Record<'audio' | 'info' | 'srt' | 'action', OutputFile | undefined>;
  durationMs: number;
}> {
  const { request: req, voice } = job;
  const script = scriptOf(req, voice, job.vocabulary);
  const syn = await tools.speech.synthesizeAll({ script, voice, prosody: req.prosody, signal: job.signal });
  return {
    files: await outputFiles(tools, req, syn, script.original),
    durationMs: Math.round(syn.durationMs),
  };
}

export async function outputFiles(
  tools: SpeechTools,
  req: TtsJobRequest,
  syn: Synthesis,
  original: string,
): Promise<Record<'audio' | 'info' | 'srt' | 'action', OutputFile | undefined>> {
  const ext = req.format === 'MP3' ? 'mp3' : 'wav';
  const media = req.format === 'MP3' ? tools.mediaTools?.() : undefined;
  const audio = await encodeSpeechAudio(syn, { format: req.format, channels: req.channels }, media);
  return {
    audio: {
      name: `audio.${ext}`,
      contentType: req.format === 'MP3' ? 'audio/mpeg' : 'audio/wav',
      bytes: audio,
    },
    info: json('info.json', timestampFile(syn, original)),
    srt: req.genSrt
      ? {
          name: 'subtitle.srt',
          contentType: 'application/x-subrip; charset=utf-8',
          bytes: Buffer.from(
            buildSrt(syn.words, original, { maxChars: req.srtLen, lineLimit: req.srtLineLimit }),
            'utf8',
          ),
        }
      : undefined,
    action: json('action.json', visemeTimeline(syn.phonemes, syn.durationMs)),
  };
}

/** `silence_flag`: what a failed job returns instead, `ms` of silence (and empty timings). */
export function silentSynthesis(ms: number, sampleRate = 22050): Synthesis {
  return {
    sampleRate,
    samples: new Int16Array(Math.round((ms / 1000) * sampleRate)),
    durationMs: ms,
    words: [],
    phonemes: [],
    exactTimings: true,
  };
}

/** Audition: one WAV per streamed chunk (about a sentence), handed over as soon as it exists. */
export async function* synthesizeParts(
  tools: SpeechTools,
  job: { request: TtsJobRequest; voice: VoiceSpec; vocabulary: VocabularyEntry[]; signal?: AbortSignal },
): AsyncGenerator<{ file: OutputFile; endMs: number }> {
  const { request: req, voice } = job;
  const script = scriptOf(req, voice, job.vocabulary);
  let n = 0;
  for await (const chunk of tools.speech.synthesize({
    script,
    voice,
    prosody: req.prosody,
    signal: job.signal,
  })) {
    const durationMs = (chunk.samples.length / chunk.sampleRate) * 1000;
    const syn: Synthesis = {
      sampleRate: chunk.sampleRate,
      samples: chunk.samples,
      durationMs,
      words: chunk.words,
      phonemes: chunk.phonemes,
      exactTimings: true,
    };
    const bytes = await encodeSpeechAudio(syn, { format: 'WAV', channels: req.channels });
    n++;
    yield {
      file: { name: `audition-${String(n).padStart(3, '0')}.wav`, contentType: 'audio/wav', bytes },
      endMs: chunk.offsetMs + durationMs,
    };
  }
}
