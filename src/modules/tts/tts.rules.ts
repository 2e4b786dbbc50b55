// Pure TTS decisions: limits, defaults, priority, object keys and the request as a job keeps
// it. Unit-tested; no I/O.
import type { OperationTypes } from '../../contract/generated/types.ts';
import { type CallbackConfigInput, callbackTargetOf } from '../../core/net/callback.ts';
import type { MssAuthType } from '../../core/net/mss-auth.ts';
import type { Prosody } from '../../engines/speech/types.ts';

type AsyncBody = OperationTypes['CreateAsyncTtsJob']['body'];
type AuditionBody = OperationTypes['CreateTtsAudition']['body'];

/** Characters of spoken text (markup excluded) an async job takes: the contract's text limit. */
export const ASYNC_MAX_CHARS = 100_000;
/** An audition is a short preview (ERRATA 29): 1 000 spoken characters. */
export const AUDITION_MAX_CHARS = 1_000;
/** Output URLs are valid 1 h (SEMANTICS §3.8). */
export const TTS_URL_TTL_SEC = 3600;
export const DEFAULT_SILENCE_MS = 2000;
export const DEFAULT_PRIORITY = 5;

export interface CallbackSpec {
  url: string;
  authType: MssAuthType;
  key?: string;
}

/** What a TTS job row keeps as `request`: everything the handler needs, defaults applied. */
export interface TtsJobRequest {
  text: string;
  maxChars: number;
  prosody: Prosody;
  format: 'WAV' | 'MP3';
  channels: 1 | 2;
  needTimestamp: boolean;
  genSrt: boolean;
  srtLen?: number;
  srtLineLimit: number;
  silenceFlag: boolean;
  silenceMs: number;
  vocabulary: boolean;
  priority: number;
  callback?: CallbackSpec;
}

export const ttsPrefix = (projectId: string, jobId: string): string => `tts/${projectId}/${jobId}/`;

export const outputKey = (projectId: string, jobId: string, name: string): string =>
  `${ttsPrefix(projectId, jobId)}${name}`;

/** `text`, or `tts_text` when `text` is empty (the contract has both; `text` is required). */
const pickText = (b: { text: string; tts_text?: string }): string =>
  b.text.length > 0 ? b.text : (b.tts_text ?? '');

export const prosodyOf = (b: { speed?: number; pitch?: number; volume?: number }): Prosody => ({
  speed: b.speed ?? 100,
  pitch: b.pitch ?? 100,
  volume: b.volume ?? 140,
});

/** The contract's priority 0–10 (0 highest) is the queue's priority (smaller runs sooner). */
export const queuePriority = (priority: number | undefined): number => priority ?? DEFAULT_PRIORITY;

/** Reasons the request cannot be served at all (ERRATA 30), or undefined. */
export function unsupportedOption(b: AsyncBody): string | undefined {
  if (b.output_external_url || b.srt_output_external_url || b.action_output_external_url) {
    return 'output_external_url, srt_output_external_url and action_output_external_url are not supported by Doppel: read the outputs from ShowAsyncTtsJob';
  }
  return undefined;
}

/** `callback_config` plus Doppel's optional `auth_type` / `key` (ERRATA 31): the rule every job shares. */
export function callbackOf(cfg: AsyncBody['callback_config']): CallbackSpec | undefined {
  const t = callbackTargetOf(cfg as CallbackConfigInput | undefined);
  return t && { url: t.url, authType: t.authType, key: t.key };
}

export function asyncRequest(b: AsyncBody): TtsJobRequest {
  return {
    text: pickText(b),
    maxChars: ASYNC_MAX_CHARS,
    prosody: prosodyOf(b),
    format: b.audio_format ?? 'WAV',
    channels: b.channels === 2 ? 2 : 1,
    needTimestamp: b.need_timestamp ?? false,
    genSrt: b.gen_srt ?? false,
    // 0 means "no limit" like absent.
    srtLen: b.srt_len ? b.srt_len : undefined,
    srtLineLimit: b.srt_line_limit && b.srt_line_limit > 0 ? b.srt_line_limit : 1,
    silenceFlag: b.silence_flag ?? false,
    silenceMs: b.silence_time_ms ?? DEFAULT_SILENCE_MS,
    vocabulary: b.is_vocabulary_config_enable ?? false,
    priority: queuePriority(b.priority),
    callback: callbackOf(b.callback_config),
  };
}

export function auditionRequest(b: AuditionBody): TtsJobRequest {
  return {
    text: pickText(b),
    maxChars: AUDITION_MAX_CHARS,
    prosody: prosodyOf(b),
    format: 'WAV',
    channels: b.channels === 2 ? 2 : 1,
    needTimestamp: false,
    genSrt: false,
    srtLineLimit: 1,
    silenceFlag: false,
    silenceMs: 0,
    vocabulary: b.is_vocabulary_config_enable ?? false,
    // Auditions are interactive: ahead of default-priority async jobs.
    priority: 1,
  };
}
