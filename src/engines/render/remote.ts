// The client side of the neural renderer protocol (docs/neural-renderer.md): an external
// lip-sync service renders the avatar layer from the speech audio and the avatar package, and
// Doppel composes backgrounds, music and subtitles over it as it does with its own frames.
// One POST (multipart: request JSON, WAV, avatar zip), answered either with the video
// (synchronous) or with 202 + Location, then status polls and a download. Everything the
// service may get wrong maps to a RemoteRenderError (a MediaError) whose `kind` tells the caller
// whether to fall back to the built-in renderer; the caller's AbortSignal cancels the remote
// render with a best-effort DELETE. This module never logs, and the token only ever goes into
// the Authorization header of requests to the configured origin (no redirects are followed).

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { clampReason, MediaError, type MediaErrorCode } from '../../core/media/errors.ts';
import { runTool } from '../../core/media/run.ts';
import { type SniffedFormat, sniffFormat } from '../../core/media/sniff.ts';
import type { PhonemeTiming } from '../speech/types.ts';
import { AVATAR_FORMAT } from './avatar-package.ts';
import { FPS } from './viseme-track.ts';

export interface RemoteRendererOptions {
  /** The service's base URL; `/v1/…` is appended. No credentials, query or fragment. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** The whole render: upload, queueing, rendering, polling and download. Default 10 minutes. */
  timeoutMs?: number;
  /** Between status polls (a `Retry-After` on a status answer overrides it). Default 1 s. */
  pollIntervalMs?: number;
  /** One short exchange: capabilities, a status poll, a DELETE. Default 30 s. */
  requestTimeoutMs?: number;
  /** Retries of a transient failure (network error, 408, 429, 502, 503, 504) per step. Default 2. */
  retries?: number;
  /** Largest video accepted; a bigger one is refused while downloading. Default 2 GiB. */
  maxVideoBytes?: number;
  fetchImpl?: typeof fetch;
}

export interface RemoteRenderRequest {
  /** Doppel's id for this render; the service uses it as an idempotency key. [A-Za-z0-9._-], ≤ 128. */
  renderId: string;
  /** The avatar canvas (the package manifest's `canvas`); the video must have this size. */
  width: number;
  height: number;
  /** The speech duration; the video has expectedFrames(durationMs) frames (±1). */
  durationMs: number;
  /** Optional hints: the speech engine's phoneme timings (IPA). */
  phonemes?: PhonemeTiming[];
  /** For services with randomness (blinks, idle motion): same seed, same video. */
  seed?: number;
}

export interface RemoteRenderJob {
  /** WAV, PCM 16-bit mono (any sample rate). */
  audioPath: string;
  /** The avatar package zip, exactly as uploaded as a HUMAN_MODEL_2D asset. */
  avatarZipPath: string;
  request: RemoteRenderRequest;
  /** Where the video is written (through `<outputPath>.part`, renamed when complete). */
  outputPath: string;
  signal?: AbortSignal;
  /** 0–1 as the service reports it (asynchronous renders only), then 1 once the video is here. */
  onProgress?: (fraction: number) => void;
}

export interface RemoteRenderResult {
  path: string;
  /** video/quicktime, video/webm or video/mp4: from the bytes, not only the header. */
  contentType: string;
  /** As the service reported it (Render-Frames header or status `video.frames`); not verified. */
  frames?: number;
  /** As the service reported it (Render-Alpha header or status `video.alpha`); probe to be sure. */
  alpha?: boolean;
}

export interface RendererCapabilities {
  name: string;
  version: string;
  /** Longest speech the service renders; undefined when it states no limit. */
  maxDurationMs?: number;
  /** Largest multipart body it takes; undefined when it states no limit. */
  maxUploadBytes?: number;
  /** Avatar package formats it understands, e.g. `doppel.avatar2d`. */
  avatarKinds: string[];
  /** e.g. `mov-qtrle`, `mov-png`, `webm-vp9`, `webm-vp8`, `mp4-h264` (informational). */
  outputFormats: string[];
  /** Whether its videos carry an alpha channel. */
  alpha: boolean;
  /** Whether it may answer a render with 202 (informational: Doppel handles both). */
  async: boolean;
}

export interface RemoteRenderer {
  capabilities(opts?: { signal?: AbortSignal }): Promise<RendererCapabilities>;
  render(job: RemoteRenderJob): Promise<RemoteRenderResult>;
}

/**
 * Why a remote render did not produce a video (docs/neural-renderer.md, "Errors"):
 * - `unavailable`: no usable answer (network error, 5xx, 408/429, status 404): the service is down
 *   or overloaded; a later attempt may work.
 * - `rejected`: the service refused this input or these credentials (4xx): retrying will not help.
 * - `failed`: the service accepted the render and reports it FAILED (or CANCELLED).
 * - `protocol`: an answer that breaks the protocol (bad JSON, no Location, not a video, too big).
 * - `timeout`: the render's deadline passed (MediaError code TIMEOUT).
 * - `aborted`: the caller's signal fired (code ABORTED); never a reason to fall back.
 */
export type RemoteFailureKind = 'unavailable' | 'rejected' | 'failed' | 'protocol' | 'timeout' | 'aborted';

export class RemoteRenderError extends MediaError {
  readonly kind: RemoteFailureKind;
  /** The HTTP status that caused it, when one did. */
  readonly status?: number;
  /** Whether running the same render again later may succeed. */
  readonly retryable: boolean;

  constructor(
    kind: RemoteFailureKind,
    reason: string,
    options: { status?: number; retryable?: boolean; cause?: unknown; detail?: string } = {},
  ) {
    const code: MediaErrorCode = kind === 'timeout' ? 'TIMEOUT' : kind === 'aborted' ? 'ABORTED' : 'FAILED';
    super(code, reason, { cause: options.cause, detail: options.detail });
    this.name = 'RemoteRenderError';
    this.kind = kind;
    if (options.status !== undefined) this.status = options.status;
    this.retryable = options.retryable ?? (kind === 'unavailable' || kind === 'timeout');
  }
}

export const isRemoteRenderError = (e: unknown): e is RemoteRenderError => e instanceof RemoteRenderError;

/** The frame count the protocol asks for: round(durationMs × 25 / 1000), at least 1. */
export const expectedFrames = (durationMs: number): number =>
  Math.max(1, Math.round((Math.max(0, durationMs) * FPS) / 1000));

/**
 * Whether a service can take a render, from its capabilities; the reason when it cannot
 * (checked before uploading anything).
 */
export function capabilityProblem(
  caps: RendererCapabilities,
  job: { durationMs: number; uploadBytes?: number; avatarKind?: string },
): string | undefined {
  const kind = job.avatarKind ?? AVATAR_FORMAT;
  if (!caps.avatarKinds.includes(kind)) return `the neural renderer does not accept ${kind} avatars`;
  if (caps.maxDurationMs !== undefined && job.durationMs > caps.maxDurationMs)
    return `the speech lasts ${Math.ceil(job.durationMs / 1000)} s; the neural renderer takes at most ${Math.floor(caps.maxDurationMs / 1000)} s`;
  if (
    caps.maxUploadBytes !== undefined &&
    job.uploadBytes !== undefined &&
    job.uploadBytes > caps.maxUploadBytes
  )
    return `audio and avatar are ${job.uploadBytes} bytes; the neural renderer takes at most ${caps.maxUploadBytes}`;
  return undefined;
}

const DEFAULTS = {
  timeoutMs: 600_000,
  pollIntervalMs: 1_000,
  requestTimeoutMs: 30_000,
  retries: 2,
  maxVideoBytes: 2 * 1024 ** 3,
};
/** A Retry-After above this is clamped: a worker should not sleep for an hour on a header's word. */
const MAX_RETRY_AFTER_MS = 30_000;
/** Error and status bodies are small JSON; more than this is not read. */
const MAX_JSON_BYTES = 256 * 1024;
const RENDER_ID = /^[A-Za-z0-9._-]{1,128}$/;
const VIDEO_TYPES: Record<string, SniffedFormat[]> = {
  'video/quicktime': ['mov', 'mp4'],
  'video/mp4': ['mp4', 'mov'],
  'video/webm': ['webm', 'mkv'],
};
const SNIFFED_TYPE: Partial<Record<SniffedFormat, string>> = {
  mov: 'video/quicktime',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mkv: 'video/webm',
};

export function createRemoteRenderer(options: RemoteRendererOptions): RemoteRenderer {
  const base = parseBaseUrl(options.baseUrl);
  const o = { ...DEFAULTS, ...definedOnly(options) };
  const doFetch = options.fetchImpl ?? fetch;
  const endpoint = (p: string): URL => new URL(`${base.pathname.replace(/\/+$/, '')}/v1/${p}`, base);

  /** What may stop a step: the caller's signal and the render's deadline (exchange() adds per-request limits). */
  interface Scope {
    caller?: AbortSignal;
    deadline?: AbortSignal;
    deadlineMs?: number;
  }

  /** Turns "why did this abort / throw" into the error the caller sees. */
  const failure = (scope: Scope, e: unknown, what: string): RemoteRenderError => {
    if (e instanceof RemoteRenderError && (e.kind === 'aborted' || e.kind === 'timeout')) return e;
    // A cancel wins over whatever it interrupted.
    if (scope.caller?.aborted)
      return new RemoteRenderError('aborted', 'render was cancelled', { cause: scope.caller.reason });
    if (e instanceof RemoteRenderError) return e;
    if (scope.deadline?.aborted)
      return new RemoteRenderError(
        'timeout',
        `the neural renderer took longer than ${Math.round((scope.deadlineMs ?? 0) / 1000)} s`,
      );
    const msg = e instanceof Error ? e.message : String(e);
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    return new RemoteRenderError(
      'unavailable',
      timedOut
        ? `the neural renderer did not answer ${what} in time`
        : `the neural renderer is unreachable (${what})`,
      { cause: e, detail: `${msg}${cause}` },
    );
  };

  /** One HTTP exchange. `limitMs` bounds it besides the scope's signals. No redirects. */
  const exchange = async (
    scope: Scope,
    url: URL,
    init: { method: string; body?: () => FormData; accept?: string; limitMs?: number },
  ): Promise<Response> => {
    const signals = [scope.caller, scope.deadline].filter((s): s is AbortSignal => !!s);
    if (init.limitMs !== undefined) signals.push(AbortSignal.timeout(init.limitMs));
    const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    return doFetch(url, {
      method: init.method,
      headers,
      ...(init.body ? { body: init.body() } : {}),
      redirect: 'manual',
      signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals),
    });
  };

  /**
   * An exchange retried on transient failures (network error, 408, 429, 502–504), waiting
   * Retry-After or pollInterval × 2^attempt. Returns the first non-transient response.
   */
  const withRetries = async (scope: Scope, what: string, run: () => Promise<Response>): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let err: RemoteRenderError | undefined;
      try {
        res = await run();
      } catch (e) {
        err = failure(scope, e, what);
        if (err.kind !== 'unavailable') throw err;
      }
      if (res && !TRANSIENT.has(res.status)) return res;
      if (attempt >= o.retries) {
        if (err) throw err;
        throw await statusError(res as Response, what);
      }
      const wait = res ? retryAfterMs(res) : undefined;
      await res?.body?.cancel().catch(() => {});
      await pause(scope, wait ?? Math.min(MAX_RETRY_AFTER_MS, o.pollIntervalMs * 2 ** attempt));
    }
  };

  const pause = async (scope: Scope, ms: number): Promise<void> => {
    const signals = [scope.caller, scope.deadline].filter((s): s is AbortSignal => !!s);
    try {
      await sleep(ms, undefined, signals.length ? { signal: AbortSignal.any(signals) } : {});
    } catch (e) {
      throw failure(scope, e, 'waiting');
    }
  };

  /** Best effort, never throws, bounded in time, independent of the (maybe aborted) caller signal. */
  const cancelRemote = async (url: URL): Promise<void> => {
    try {
      const res = await exchange({}, url, { method: 'DELETE', limitMs: Math.min(o.requestTimeoutMs, 5_000) });
      await res.body?.cancel().catch(() => {});
    } catch {}
  };

  const readJson = async (res: Response, what: string): Promise<Record<string, unknown>> => {
    const text = await readTextCapped(res, MAX_JSON_BYTES);
    try {
      const v: unknown = JSON.parse(text ?? '');
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {}
    throw new RemoteRenderError('protocol', `the neural renderer's ${what} is not a JSON object`, {
      status: res.status,
    });
  };

  /** Streams a video answer to `outputPath` (through a .part file), checking type and size. */
  const saveVideo = async (
    scope: Scope,
    res: Response,
    outputPath: string,
  ): Promise<{ contentType: string }> => {
    const declared = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const acceptable = VIDEO_TYPES[declared];
    if (!acceptable && declared !== '' && declared !== 'application/octet-stream') {
      await res.body?.cancel().catch(() => {});
      throw new RemoteRenderError(
        'protocol',
        `the neural renderer answered ${declared} instead of a video (video/quicktime, video/webm or video/mp4)`,
      );
    }
    const length = Number(res.headers.get('content-length') ?? Number.NaN);
    if (length > o.maxVideoBytes) {
      await res.body?.cancel().catch(() => {});
      throw tooBig(o.maxVideoBytes);
    }
    if (!res.body) throw new RemoteRenderError('protocol', 'the neural renderer sent an empty video');
    const part = `${outputPath}.part`;
    let bytes = 0;
    const head: Buffer[] = [];
    let headBytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > o.maxVideoBytes) return cb(tooBig(o.maxVideoBytes));
        if (headBytes < 512) {
          head.push(chunk);
          headBytes += chunk.length;
        }
        cb(null, chunk);
      },
    });
    try {
      const body = res.body as unknown as WebReadableStream<Uint8Array>;
      await pipeline(Readable.fromWeb(body), counter, fs.createWriteStream(part));
    } catch (e) {
      await fsp.rm(part, { force: true });
      throw e instanceof RemoteRenderError ? e : failure(scope, e, 'while sending the video');
    }
    const sniffed = sniffFormat(Buffer.concat(head));
    const problem =
      bytes === 0
        ? 'the neural renderer sent an empty video'
        : !sniffed || !SNIFFED_TYPE[sniffed]
          ? 'the neural renderer sent something that is not a QuickTime, MP4 or WebM video'
          : acceptable && !acceptable.includes(sniffed)
            ? `the neural renderer labelled a ${sniffed} file ${declared}`
            : undefined;
    if (problem) {
      await fsp.rm(part, { force: true });
      throw new RemoteRenderError('protocol', problem);
    }
    await fsp.rename(part, outputPath);
    const family = SNIFFED_TYPE[sniffed as SniffedFormat] as string;
    // A QuickTime file labelled video/mp4 (or the reverse) is the same family; keep the label.
    return { contentType: acceptable ? declared : family };
  };

  return {
    async capabilities(opts = {}) {
      const scope: Scope = opts.signal ? { caller: opts.signal } : {};
      const url = endpoint('capabilities');
      const res = await withRetries(scope, 'the capabilities request', () =>
        exchange(scope, url, { method: 'GET', limitMs: o.requestTimeoutMs }),
      );
      if (res.status !== 200) throw await statusError(res, 'the capabilities request');
      let body: Record<string, unknown>;
      try {
        body = await readJson(res, 'capabilities');
      } catch (e) {
        throw failure(scope, e, 'the capabilities request');
      }
      return parseCapabilities(body);
    },

    async render(job) {
      const { request: req, signal } = job;
      if (signal?.aborted)
        throw new RemoteRenderError('aborted', 'render was cancelled', { cause: signal.reason });
      checkRequest(req);
      await checkWav(job.audioPath);
      const [audio, avatar] = await Promise.all([
        openBlob(job.audioPath, 'audio/wav', 'audio'),
        openBlob(job.avatarZipPath, 'application/zip', 'avatar package'),
      ]);
      const requestJson = JSON.stringify(wireRequest(req));
      const form = (): FormData => {
        const f = new FormData();
        // The request first, so a service can validate it before reading the large parts.
        f.append('request', new Blob([requestJson], { type: 'application/json' }), 'request.json');
        f.append('audio', audio, 'speech.wav');
        f.append('avatar', avatar, 'avatar.zip');
        return f;
      };
      const scope: Scope = {
        ...(signal ? { caller: signal } : {}),
        deadline: AbortSignal.timeout(o.timeoutMs),
        deadlineMs: o.timeoutMs,
      };
      let progress = 0;
      const report = (p: number): void => {
        if (!(p > progress)) return;
        progress = Math.min(1, p);
        job.onProgress?.(progress);
      };

      // The render's URL once the service gave one; until then a cancel goes to the URL a
      // service that keys renders by render_id (as recommended) answers to.
      let location: URL | undefined;
      let settled = false;
      try {
        const renders = endpoint('renders');
        const res = await withRetries(scope, 'the render request', () =>
          exchange(scope, renders, {
            method: 'POST',
            body: form,
            accept: 'video/quicktime, video/webm, video/mp4, application/json;q=0.1',
          }),
        );
        if (res.status === 200) {
          const saved = await saveVideo(scope, res, job.outputPath);
          settled = true;
          report(1);
          return {
            path: job.outputPath,
            contentType: saved.contentType,
            ...videoHints(res.headers.get('render-frames'), res.headers.get('render-alpha')),
          };
        }
        if (res.status !== 202) {
          settled = true; // the service did not take it: nothing to cancel
          throw await statusError(res, 'the render request');
        }
        location = renderLocation(res, renders);
        await res.body?.cancel().catch(() => {});

        // Poll until a terminal state.
        let wait = retryAfterMs(res) ?? o.pollIntervalMs;
        let status: Record<string, unknown>;
        for (;;) {
          await pause(scope, wait);
          const at = location;
          const r = await withRetries(scope, 'a status request', () =>
            exchange(scope, at, { method: 'GET', limitMs: o.requestTimeoutMs }),
          );
          if (r.status === 404) {
            settled = true;
            await r.body?.cancel().catch(() => {});
            throw new RemoteRenderError('unavailable', 'the neural renderer lost the render (status 404)', {
              status: 404,
            });
          }
          if (r.status !== 200) throw await statusError(r, 'a status request');
          wait = retryAfterMs(r) ?? o.pollIntervalMs;
          status = await readJson(r, 'render status');
          const state = status.state;
          if (state === 'QUEUED' || state === 'RUNNING') {
            // 1 is kept for "the video is here": the download may take a while.
            if (typeof status.progress === 'number' && Number.isFinite(status.progress))
              report(Math.max(0, Math.min(0.99, status.progress)));
            continue;
          }
          if (state === 'SUCCEEDED') break;
          settled = true;
          if (state === 'FAILED' || state === 'CANCELLED') {
            const why = errorMessage(status);
            throw new RemoteRenderError(
              'failed',
              state === 'CANCELLED'
                ? 'the neural renderer cancelled the render'
                : `the neural renderer failed${why ? `: ${why}` : ''}`,
              { retryable: status.retryable === true },
            );
          }
          throw new RemoteRenderError(
            'protocol',
            `the neural renderer reported an unknown state ${JSON.stringify(state)}`,
          );
        }

        const videoUrl = new URL(location);
        videoUrl.pathname = `${videoUrl.pathname.replace(/\/+$/, '')}/video`;
        const v = await withRetries(scope, 'the video download', () =>
          exchange(scope, videoUrl, { method: 'GET', accept: 'video/quicktime, video/webm, video/mp4' }),
        );
        if (v.status !== 200) throw await statusError(v, 'the video download');
        const saved = await saveVideo(scope, v, job.outputPath);
        settled = true;
        report(1);
        // Done with it: the service may free the video now.
        await cancelRemote(location);
        const video = (status.video ?? {}) as Record<string, unknown>;
        return {
          path: job.outputPath,
          contentType: saved.contentType,
          ...videoHints(
            v.headers.get('render-frames') ?? video.frames,
            v.headers.get('render-alpha') ?? video.alpha,
          ),
        };
      } catch (e) {
        const err = failure(scope, e, 'the render');
        // Aborted, timed out or broken off mid-way: tell the service to stop (best effort).
        if (!settled) await cancelRemote(location ?? endpoint(`renders/${encodeURIComponent(req.renderId)}`));
        throw err;
      }
    },
  };
}

// ── helpers ─────────────────────────────────────────────────────────────────

const TRANSIENT = new Set([408, 429, 502, 503, 504]);

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseBaseUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new TypeError('neural renderer baseUrl is not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new TypeError('neural renderer baseUrl must be http or https');
  if (u.username || u.password || u.search || u.hash)
    throw new TypeError('neural renderer baseUrl must not carry credentials, a query or a fragment');
  return u;
}

function checkRequest(req: RemoteRenderRequest): void {
  const bad = (what: string): never => {
    throw new RemoteRenderError('rejected', `invalid render request: ${what}`, { retryable: false });
  };
  if (!RENDER_ID.test(req.renderId)) bad('renderId must be 1–128 of [A-Za-z0-9._-]');
  for (const k of ['width', 'height'] as const)
    if (!Number.isInteger(req[k]) || req[k] < 1 || req[k] > 8192) bad(`${k} must be an integer 1–8192`);
  if (!Number.isFinite(req.durationMs) || req.durationMs <= 0) bad('durationMs must be positive');
  if (req.seed !== undefined && !Number.isInteger(req.seed)) bad('seed must be an integer');
}

/** The request part as the service reads it (snake_case, integer milliseconds). */
export function wireRequest(req: RemoteRenderRequest): Record<string, unknown> {
  const durationMs = Math.round(req.durationMs);
  return {
    render_id: req.renderId,
    fps: FPS,
    width: req.width,
    height: req.height,
    duration_ms: durationMs,
    frames: expectedFrames(durationMs),
    seed: req.seed ?? 0,
    phonemes: (req.phonemes ?? []).map((p) => ({
      phoneme: p.phoneme,
      start_ms: Math.round(p.startMs),
      end_ms: Math.round(p.endMs),
    })),
  };
}

/** The audio must be RIFF/WAVE PCM 16-bit mono, as the protocol promises the service. */
async function checkWav(file: string): Promise<void> {
  let head: Buffer;
  try {
    const h = await fsp.open(file, 'r');
    try {
      head = Buffer.alloc(4096);
      const { bytesRead } = await h.read(head, 0, head.length, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await h.close();
    }
  } catch (e) {
    throw new RemoteRenderError('rejected', 'the speech audio cannot be read', {
      cause: e,
      retryable: false,
    });
  }
  const wrong = (): never => {
    throw new RemoteRenderError('rejected', 'the speech audio must be WAV PCM 16-bit mono', {
      retryable: false,
    });
  };
  if (
    head.length < 12 ||
    head.toString('latin1', 0, 4) !== 'RIFF' ||
    head.toString('latin1', 8, 12) !== 'WAVE'
  )
    wrong();
  for (let off = 12; off + 8 <= head.length; ) {
    const id = head.toString('latin1', off, off + 4);
    const size = head.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      if (off + 24 > head.length) wrong();
      const format = head.readUInt16LE(off + 8);
      const channels = head.readUInt16LE(off + 10);
      const bits = head.readUInt16LE(off + 22);
      // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which ffmpeg writes for some layouts; its sub-format is PCM here.
      if ((format !== 1 && format !== 0xfffe) || channels !== 1 || bits !== 16) wrong();
      return;
    }
    off += 8 + size + (size % 2);
  }
  wrong();
}

async function openBlob(file: string, type: string, what: string): Promise<Blob> {
  try {
    return await fs.openAsBlob(file, { type });
  } catch (e) {
    throw new RemoteRenderError('rejected', `the ${what} cannot be read`, { cause: e, retryable: false });
  }
}

function tooBig(max: number): RemoteRenderError {
  return new RemoteRenderError('protocol', `the neural renderer's video is larger than ${max} bytes`);
}

/** The Location of a 202 (relative to the POST URL), on the same origin: the token never goes elsewhere. */
function renderLocation(res: Response, base: URL): URL {
  const raw = res.headers.get('location');
  if (!raw) throw new RemoteRenderError('protocol', 'the neural renderer answered 202 without a Location');
  let u: URL;
  try {
    u = new URL(raw, base);
  } catch {
    throw new RemoteRenderError('protocol', 'the neural renderer answered 202 with an invalid Location');
  }
  if (u.origin !== base.origin)
    throw new RemoteRenderError('protocol', 'the neural renderer pointed to another origin; refused', {
      detail: `Location origin ${u.origin}`,
    });
  return u;
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date), clamped; undefined when absent. */
function retryAfterMs(res: Response): number | undefined {
  const raw = res.headers.get('retry-after');
  if (!raw) return undefined;
  const secs = Number(raw);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(raw) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, Math.min(MAX_RETRY_AFTER_MS, ms)) : undefined;
}

async function readTextCapped(res: Response, max: number): Promise<string | undefined> {
  if (!res.body) return undefined;
  const chunks: Uint8Array[] = [];
  let n = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > max) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `{"error": {"message": …}}` or `{"error": "…"}` or `{"message": …}`, clamped; else undefined. */
function errorMessage(body: Record<string, unknown> | undefined): string | undefined {
  if (!body) return undefined;
  const e = body.error;
  const text =
    typeof e === 'string'
      ? e
      : typeof e === 'object' && e !== null && typeof (e as Record<string, unknown>).message === 'string'
        ? ((e as Record<string, unknown>).message as string)
        : typeof body.message === 'string'
          ? body.message
          : undefined;
  return text?.trim() ? clampReason(text).slice(0, 160) : undefined;
}

/** The error for a non-success status, with the service's own message when it sent JSON. */
async function statusError(res: Response, what: string): Promise<RemoteRenderError> {
  const s = res.status;
  let body: Record<string, unknown> | undefined;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      const v: unknown = JSON.parse((await readTextCapped(res, MAX_JSON_BYTES)) ?? '');
      if (typeof v === 'object' && v !== null) body = v as Record<string, unknown>;
    } catch {}
  } else await res.body?.cancel().catch(() => {});
  const why = errorMessage(body);
  const tail = why ? `: ${why}` : '';
  if (s >= 300 && s < 400)
    return new RemoteRenderError(
      'protocol',
      `the neural renderer redirected ${what} (${s}); redirects are not followed`,
      {
        status: s,
      },
    );
  if (s === 401 || s === 403)
    return new RemoteRenderError('rejected', `the neural renderer refused the credentials (${s})${tail}`, {
      status: s,
    });
  if (s >= 400 && s < 500 && !TRANSIENT.has(s))
    return new RemoteRenderError('rejected', `the neural renderer refused ${what} (${s})${tail}`, {
      status: s,
    });
  if (s >= 400)
    return new RemoteRenderError('unavailable', `the neural renderer failed ${what} (${s})${tail}`, {
      status: s,
    });
  return new RemoteRenderError('protocol', `the neural renderer answered ${what} with an unexpected ${s}`, {
    status: s,
  });
}

function videoHints(frames: unknown, alpha: unknown): { frames?: number; alpha?: boolean } {
  const out: { frames?: number; alpha?: boolean } = {};
  const f = typeof frames === 'string' && frames.trim() !== '' ? Number(frames) : frames;
  if (typeof f === 'number' && Number.isInteger(f) && f >= 0) out.frames = f;
  if (alpha === true || alpha === 'true' || alpha === '1') out.alpha = true;
  if (alpha === false || alpha === 'false' || alpha === '0') out.alpha = false;
  return out;
}

function parseCapabilities(b: Record<string, unknown>): RendererCapabilities {
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const positive = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  if (typeof b.name !== 'string' || !b.name.trim())
    throw new RemoteRenderError('protocol', "the neural renderer's capabilities have no name");
  const caps: RendererCapabilities = {
    name: b.name,
    version: typeof b.version === 'string' ? b.version : '',
    avatarKinds: strings(b.avatar_kinds),
    outputFormats: strings(b.output_formats),
    alpha: b.alpha === true,
    async: b.async === true,
  };
  const maxDuration = positive(b.max_duration_ms);
  if (maxDuration !== undefined) caps.maxDurationMs = maxDuration;
  const maxUpload = positive(b.max_upload_bytes);
  if (maxUpload !== undefined) caps.maxUploadBytes = maxUpload;
  return caps;
}

/**
 * Whether a clip from the service has an alpha channel, and the decoder that keeps it: read from
 * the stream as ffmpeg decodes it (`ffmpeg -i`), not from headers. VP8/VP9 alpha lives in a side
 * channel (`alpha_mode: 1`) that only the libvpx decoders read.
 */
export async function inspectAvatarClip(
  ffmpegPath: string,
  file: string,
): Promise<{ alpha: boolean; decoder?: string }> {
  const r = await runTool(ffmpegPath, ['-hide_banner', '-nostdin', '-i', file], { timeoutMs: 30_000 });
  const stream = /Stream #\d+:\d+[^:]*: Video: (\w+)[^,\n]*, (\w+)/.exec(r.stderr);
  if (!stream)
    throw new RemoteRenderError('protocol', 'the neural renderer sent something that is not a video');
  const [, codec, pixFmt] = stream;
  const vpx = codec === 'vp9' ? 'libvpx-vp9' : codec === 'vp8' ? 'libvpx' : undefined;
  const alpha =
    /^(argb|rgba|bgra|abgr|yuva\w*|ya\w*|gbrap\w*|pal8)$/.test(pixFmt) || /alpha_mode\s*:\s*1/.test(r.stderr);
  return { alpha, ...(vpx && alpha ? { decoder: vpx } : {}) };
}
