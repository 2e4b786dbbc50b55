// Speech recognition for a dialog's AUDIO_DRIVE: an OpenAI-compatible
// `/v1/audio/transcriptions` endpoint (whisper.cpp's server, faster-whisper servers, vLLM and
// the hosted APIs all speak it). The operator configures it (DOPPEL_ASR_*); without one, audio
// questions are refused with a clear error rather than ignored. The clip goes up as one
// multipart form; the text comes back as JSON `{text}`.
import { randomBytes } from 'node:crypto';
import { safeFetch } from '../../core/net/safe-fetch.ts';

export interface AsrSettings {
  /** The server's base URL (…/v1/audio/transcriptions is appended). */
  url: string;
  token: string | undefined;
  model: string;
  timeoutMs: number;
}

export class AsrError extends Error {}

/** The text of one recorded question (`audio`: a WAV, MP3, … file the server can read). */
export async function transcribe(
  asr: AsrSettings,
  audio: Buffer,
  opts: { fileName: string; language?: string; signal?: AbortSignal },
): Promise<string> {
  const boundary = `doppel-${randomBytes(12).toString('hex')}`;
  const field = (name: string, value: string) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const parts = [
    field('model', asr.model),
    field('response_format', 'json'),
    ...(opts.language ? [field('language', opts.language)] : []),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${opts.fileName.replace(/["\r\n]/g, '')}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    audio,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ];
  let res: Awaited<ReturnType<typeof safeFetch>>;
  try {
    res = await safeFetch(`${asr.url.replace(/\/+$/, '')}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        ...(asr.token ? { authorization: `Bearer ${asr.token}` } : {}),
      },
      body: Buffer.concat(parts),
      // The operator chose this endpoint; it is often on the same host.
      allowPrivate: true,
      timeoutMs: asr.timeoutMs,
      maxRedirects: 0,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    throw new AsrError(`the speech recognition endpoint could not be reached: ${(e as Error).message}`);
  }
  if (res.status !== 200) throw new AsrError(`the speech recognition endpoint answered HTTP ${res.status}`);
  let text: unknown;
  try {
    text = (JSON.parse(res.body.toString('utf8')) as { text?: unknown }).text;
  } catch {
    throw new AsrError('the speech recognition endpoint did not answer JSON');
  }
  if (typeof text !== 'string') throw new AsrError('the speech recognition answer has no text');
  return text.trim();
}
