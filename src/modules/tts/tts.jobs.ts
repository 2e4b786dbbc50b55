// The TTS jobs. Payloads carry ids; handlers reload the row and are safe to run again:
//   tts.synthesize  WAITING → PROCESSING → SUCCEED | FAILED; writes the outputs under
//                   tts/{project_id}/{job_id}/ (same keys on a re-run), then, when the job has
//                   a callback, enqueues tts.callback in the transaction that ends the job.
//   tts.callback    POSTs the callback body through the SSRF guard, signed with MSS_A /
//                   MSS_A_HEAD when a key was given; retried with backoff on failure.
import { isAppError } from '../../core/errors/index.ts';
import type { GiveUpContext, TaskHelpers } from '../../core/jobs/index.ts';
import { callbackAttempt } from '../../core/net/callback.ts';
import { isSpeechError, type SpeechError, type VoiceSpec } from '../../engines/speech/types.ts';
import type { ModuleDeps, TaskDefinition } from '../types.ts';
import { speechErrorToApp, TtsCodes } from './tts.errors.ts';
import { type TtsJobRow, type TtsOutputs, TtsRepo } from './tts.repo.ts';
import { outputKey, type TtsJobRequest } from './tts.rules.ts';
import { type TtsService, TtsTasks } from './tts.service.ts';
import {
  type OutputFile,
  outputFiles,
  type SpeechTools,
  silentSynthesis,
  synthesizeJob,
  synthesizeParts,
} from './tts.synthesis.ts';
import { meterSynthesis } from './tts.usage.ts';
import type { VocabularyService } from './vocabulary.service.ts';

interface JobRef {
  projectId: string;
  jobId: string;
}

export const SYNTHESIZE_ATTEMPTS = 3;
export const CALLBACK_ATTEMPTS = 5;

export interface TtsJobDeps extends Pick<ModuleDeps, 'db' | 'objects' | 'queue' | 'clock' | 'logger'> {
  tools: SpeechTools;
  allowPrivateFetch: boolean;
}

export function ttsTasks(deps: TtsJobDeps, svc: TtsService, vocabulary: VocabularyService): TaskDefinition[] {
  return [
    {
      name: TtsTasks.synthesize,
      // Its own queue: long syntheses do not hold up asset and file jobs.
      spec: {
        queue: 'tts',
        maxAttempts: SYNTHESIZE_ATTEMPTS,
        onGiveUp: (p: JobRef, ctx: GiveUpContext) => giveUpSynthesis(deps, p, ctx),
      },
      handler: ((p: JobRef, h: TaskHelpers) =>
        synthesize(deps, vocabulary, p, h)) as TaskDefinition['handler'],
    },
    {
      name: TtsTasks.callback,
      spec: {
        maxAttempts: CALLBACK_ATTEMPTS,
        backoff: (attempt) => Math.min(60_000, 1000 * 4 ** (attempt - 1)),
        onGiveUp: async (p: JobRef) => {
          const repo = new TtsRepo(deps.db);
          const row = await repo.get(p.projectId, p.jobId);
          if (row?.callback_url && row.callback_state !== 'DELIVERED')
            await repo.setCallbackState(p.projectId, p.jobId, 'FAILED');
        },
      },
      handler: ((p: JobRef, h: TaskHelpers) => deliverCallback(deps, svc, p, h)) as TaskDefinition['handler'],
    },
  ];
}

/** A job-time failure as the job row keeps it. */
function failureOf(e: unknown): { code: string; message: string } {
  if (isSpeechError(e)) {
    const app = speechErrorToApp(e);
    return { code: app.code, message: app.message };
  }
  if (isAppError(e)) return { code: e.code, message: e.message };
  return {
    code: TtsCodes.internal,
    message: `Speech synthesis failed: ${(e as Error).message ?? String(e)}`,
  };
}

const isFinal = (state: TtsJobRow['state']): boolean => state === 'SUCCEED' || state === 'FAILED';

async function synthesize(
  deps: TtsJobDeps,
  vocabulary: VocabularyService,
  ref: JobRef,
  h: TaskHelpers,
): Promise<void> {
  const { projectId, jobId } = ref;
  const repo = new TtsRepo(deps.db);
  const row = await repo.get(projectId, jobId);
  if (!row || isFinal(row.state)) return;
  await repo.setProcessing(projectId, jobId, deps.clock.now());
  const request = row.request as unknown as TtsJobRequest;
  const voice = row.voice as unknown as VoiceSpec;
  const entries = request.vocabulary ? await vocabulary.entries(projectId) : [];
  const job = { request, voice, vocabulary: entries, signal: h.signal };

  const put = async (f: OutputFile): Promise<string> => {
    const key = outputKey(projectId, jobId, f.name);
    await deps.objects.put(key, f.bytes, { contentType: f.contentType });
    return key;
  };
  const putAll = async (files: Record<string, OutputFile | undefined>): Promise<TtsOutputs> => {
    const out: Record<string, string> = {};
    for (const [k, f] of Object.entries(files)) if (f) out[k] = await put(f);
    return out as TtsOutputs;
  };

  try {
    if (row.kind === 'AUDITION') {
      const parts: string[] = [];
      let endMs = 0;
      for await (const part of synthesizeParts(deps.tools, job)) {
        parts.push(await put(part.file));
        endMs = part.endMs;
        // Each sentence is listed by ShowTtsAuditionFile as soon as it is stored.
        await repo.setOutputs(projectId, jobId, { parts }, deps.clock.now());
        await h.heartbeat();
      }
      await end(deps, row, { state: 'SUCCEED', outputs: { parts }, durationMs: Math.round(endMs) });
      return;
    }
    const { files, durationMs } = await synthesizeJob(deps.tools, job);
    const outputs = await putAll(files);
    await end(deps, row, { state: 'SUCCEED', outputs, durationMs });
  } catch (e) {
    // Cancelled, shutting down, lease lost: the queue runs the job again; nothing is final yet.
    if (h.signal.aborted) throw e;
    const retryable = isSpeechError(e) ? (e as SpeechError).retryable : !isAppError(e);
    if (retryable && h.job.attempts < h.job.max_attempts) throw e;
    const failure = failureOf(e);
    h.logger.warn({ err: e, projectId, jobId, code: failure.code }, 'TTS job failed');
    if (row.kind === 'ASYNC_JOB' && request.silenceFlag) {
      // silence_flag: "return a silent audio stream on error" of silence_time_ms.
      const syn = silentSynthesis(request.silenceMs);
      const outputs = await putAll(await outputFiles(deps.tools, request, syn, request.text));
      await end(deps, row, { state: 'SUCCEED', outputs, durationMs: request.silenceMs, ...failure });
      return;
    }
    await end(deps, row, { state: 'FAILED', outputs: {}, durationMs: null, ...failure });
  }
}

/**
 * The queue gave up on a synthesis (last attempt failed or its worker died during it): a job
 * still WAITING or PROCESSING ends FAILED with the reason, and its callback is sent.
 */
async function giveUpSynthesis(deps: TtsJobDeps, ref: JobRef, ctx: GiveUpContext): Promise<void> {
  const row = await new TtsRepo(deps.db).get(ref.projectId, ref.jobId);
  if (!row || isFinal(row.state)) return;
  ctx.logger.warn({ projectId: ref.projectId, jobId: ref.jobId, reason: ctx.reason }, 'TTS job given up');
  await end(deps, row, {
    state: 'FAILED',
    outputs: {},
    durationMs: null,
    code: TtsCodes.internal,
    message: ctx.message,
  });
}

/** Ends the job and, in the same transaction, enqueues its callback. */
async function end(
  deps: TtsJobDeps,
  row: TtsJobRow,
  result: {
    state: 'SUCCEED' | 'FAILED';
    outputs: TtsOutputs;
    durationMs: number | null;
    code?: string;
    message?: string;
  },
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    await new TtsRepo(trx).finish(row.project_id, row.job_id, result, now);
    // Metered with the result; a silent stand-in for a failed synthesis (silence_flag) is not.
    if (row.kind === 'ASYNC_JOB' && result.state === 'SUCCEED' && !result.code) {
      const text = (row.request as unknown as TtsJobRequest).text;
      const meter = {
        projectId: row.project_id,
        jobId: row.job_id,
        text,
        durationMs: result.durationMs ?? 0,
      };
      await meterSynthesis(trx, meter, now);
    }
    if (row.callback_url) {
      await deps.queue.enqueue(
        TtsTasks.callback,
        { projectId: row.project_id, jobId: row.job_id },
        { trx, projectId: row.project_id, jobKey: `tts-callback:${row.project_id}:${row.job_id}` },
      );
    }
  });
}

/** The body MetaStudio POSTs when an async TTS job ends (SEMANTICS §3.8; ERRATA 31). */
export async function callbackBody(svc: TtsService, row: TtsJobRow): Promise<Record<string, unknown>> {
  const u = await svc.urls(row);
  return {
    status: row.state === 'SUCCEED' ? 'FINISHED' : 'ERROR',
    job_id: row.job_id,
    audio_file_download_url: u.audio ?? '',
    subtitle_file_download_url: u.srt ?? '',
    // Seconds, like the other MetaStudio durations.
    audio_duration: row.duration_ms === null ? 0 : row.duration_ms / 1000,
    ...(row.state === 'FAILED' ? { error_code: row.code, error_msg: row.message } : {}),
  };
}

async function deliverCallback(
  deps: TtsJobDeps,
  svc: TtsService,
  ref: JobRef,
  h: TaskHelpers,
): Promise<void> {
  const repo = new TtsRepo(deps.db);
  const row = await repo.get(ref.projectId, ref.jobId);
  if (!row?.callback_url || row.callback_state === 'DELIVERED' || !isFinal(row.state)) return;
  const request = row.request as unknown as TtsJobRequest;
  const target = { ...(request.callback ?? { authType: 'NONE' as const }), url: row.callback_url };
  await callbackAttempt(target, await callbackBody(svc, row), {
    now: deps.clock.now().getTime(),
    allowPrivate: deps.allowPrivateFetch,
    helpers: h,
    what: 'TTS',
    ref: { projectId: ref.projectId, source: 'tts', resourceId: ref.jobId },
    settle: (state) => repo.setCallbackState(ref.projectId, ref.jobId, state),
  });
}
