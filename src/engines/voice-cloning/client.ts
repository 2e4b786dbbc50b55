// The client of an external voice-cloning service (docs/voice-cloning.md): enrolment sends a
// finished training job's recordings and receives the service's voice id; speech for that
// voice then goes through the same service's OpenAI-compatible `/v1/audio/speech` (the
// speech service registers it as the `voice-cloning` engine). Every request passes the
// SSRF guard like any server-side fetch.
import { BlockedAddressError, safeFetch } from '../../core/net/safe-fetch.ts';

export interface VoiceCloningOptions {
  /** Base URL; `/v1/voices` and `/v1/audio/speech` are appended. */
  url: string;
  token?: string;
  /** Enrolment may train a model: allow it time. */
  timeoutMs: number;
  allowPrivate: boolean;
}

export interface EnrollRequest {
  /** Opaque and stable for one training job, so a retried enrolment can be recognised. */
  requestId: string;
  language: 'CN' | 'EN';
  sex: 'MALE' | 'FEMALE';
  recordings: Array<{ name: string; wav: Buffer; text?: string }>;
}

export class VoiceCloningError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'VoiceCloningError';
  }
}

export class VoiceCloningClient {
  readonly #o: VoiceCloningOptions;

  constructor(opts: VoiceCloningOptions) {
    this.#o = opts;
  }

  /** POST /v1/voices → the service's `voice_id` for these recordings. */
  async enroll(req: EnrollRequest, signal?: AbortSignal): Promise<string> {
    // No user, project or job names: an opaque request id, the recordings and what they are.
    const body = JSON.stringify({
      request_id: req.requestId,
      language: req.language,
      sex: req.sex,
      recordings: req.recordings.map((r) => ({
        name: r.name,
        ...(r.text !== undefined && { text: r.text }),
        audio_wav_base64: r.wav.toString('base64'),
      })),
    });
    let res: Awaited<ReturnType<typeof safeFetch>>;
    try {
      res = await safeFetch(`${this.#o.url.replace(/\/+$/, '')}/v1/voices`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.#o.token ? { authorization: `Bearer ${this.#o.token}` } : {}),
        },
        body,
        allowPrivate: this.#o.allowPrivate,
        timeoutMs: this.#o.timeoutMs,
        maxRedirects: 0,
        maxBodyBytes: 64 * 1024,
        signal,
      });
    } catch (e) {
      if (e instanceof BlockedAddressError) throw new VoiceCloningError(e.message, false);
      throw new VoiceCloningError(`voice-cloning service unreachable: ${(e as Error).message}`, true);
    }
    if (res.status !== 200 && res.status !== 201) {
      const retryable = res.status === 429 || res.status >= 500;
      throw new VoiceCloningError(
        `voice-cloning service answered ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`,
        retryable,
      );
    }
    let id: unknown;
    try {
      id = (JSON.parse(res.body.toString('utf8')) as { voice_id?: unknown }).voice_id;
    } catch {
      id = undefined;
    }
    if (typeof id !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(id))
      throw new VoiceCloningError('voice-cloning service answered without a usable voice_id', false);
    return id;
  }
}
