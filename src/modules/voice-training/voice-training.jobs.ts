// The voice training jobs. Payloads carry ids; handlers reload the row and are safe to run
// again (a killed worker's job is simply run once more):
//   voice-training.review  SYSTEM_AUDITING → WAITING (+ enqueue train) | AUDIT_FAILED, with
//                          the system audit result (voice-training.review.ts).
//   voice-training.train   WAITING → PROCESSING → SUCCEED (a VOICE_MODEL asset, made in the
//                          transaction that ends the job) | FAILED. The voice is the matched
//                          eSpeak preset (voice-training.preset.ts) or, when a cloning service
//                          is configured, that service's voice for these recordings.
import { createHash } from 'node:crypto';
import { AppError, isAppError } from '../../core/errors/index.ts';
import type { GiveUpContext, TaskHelpers } from '../../core/jobs/index.ts';
import type { SpeechService, VoiceSpec } from '../../engines/speech/index.ts';
import { measureProfile, type VoiceProfile } from '../../engines/voice-analysis/profile.ts';
import { AssetsRepo, newAssetRow } from '../assets/index.ts';
import type { TaskDefinition } from '../types.ts';
import type { VoiceCloner } from './voice-training.cloning.ts';
import { VoiceTrainingCodes } from './voice-training.errors.ts';
import { baseVoice, matchPreset, type PresetChoice, sexFromPitch } from './voice-training.preset.ts';
import {
  type AuditError,
  loadTrainingData,
  readWav,
  type TrainingData,
} from './voice-training.recordings.ts';
import { type VoiceJobRow, VoiceTrainingRepo } from './voice-training.repo.ts';
import { reviewTrainingData } from './voice-training.review.ts';
import type { Edition, VoiceLanguage } from './voice-training.rules.ts';
import { type VoiceTrainingDeps, VoiceTrainingTasks } from './voice-training.service.ts';

interface JobRef {
  projectId: string;
  jobId: string;
}

export const REVIEW_ATTEMPTS = 3;
export const TRAIN_ATTEMPTS = 3;
/** At most this many audit errors are kept (a 100-sentence job can fail every check). */
const MAX_AUDIT_ERRORS = 200;

export interface VoiceJobDeps extends VoiceTrainingDeps {
  speech: SpeechService;
  cloner?: VoiceCloner;
}

export function voiceTrainingTasks(deps: VoiceJobDeps): TaskDefinition[] {
  return [
    {
      name: VoiceTrainingTasks.review,
      spec: {
        queue: 'modeling',
        maxAttempts: REVIEW_ATTEMPTS,
        onGiveUp: (p: JobRef, ctx: GiveUpContext) => giveUp(deps, p, ctx, ['SYSTEM_AUDITING']),
      },
      handler: ((p: JobRef, h: TaskHelpers) => review(deps, p, h)) as TaskDefinition['handler'],
    },
    {
      name: VoiceTrainingTasks.train,
      spec: {
        queue: 'modeling',
        maxAttempts: TRAIN_ATTEMPTS,
        onGiveUp: (p: JobRef, ctx: GiveUpContext) => giveUp(deps, p, ctx, ['WAITING', 'PROCESSING']),
      },
      handler: ((p: JobRef, h: TaskHelpers) => train(deps, p, h)) as TaskDefinition['handler'],
    },
  ];
}

/**
 * The queue stopped retrying (the worker died during the last attempt, or it threw): the job
 * ends FAILED with the queue's sentence, unless it already left the states the task works in.
 */
async function giveUp(deps: VoiceJobDeps, ref: JobRef, ctx: GiveUpContext, from: string[]): Promise<void> {
  const reason = cut(ctx.message, 256);
  await new VoiceTrainingRepo(ctx.db).transition(
    ref.projectId,
    ref.jobId,
    from,
    {
      state: 'FAILED',
      job_failed_code: VoiceTrainingCodes.internal,
      job_failed_reason: reason,
      update_time: deps.clock.now(),
    },
    { action: 'TRAINING_FAILED', operator: 'SYSTEM', externalInfo: { algorithm_failure_reason: reason } },
  );
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

async function review(deps: VoiceJobDeps, ref: JobRef, h: TaskHelpers): Promise<void> {
  const { projectId, jobId } = ref;
  const row = await new VoiceTrainingRepo(deps.db).get(projectId, jobId);
  if (row?.state !== 'SYSTEM_AUDITING') return;
  let errors: AuditError[];
  try {
    const data = await loadTrainingData(
      deps.objects,
      projectId,
      jobId,
      row.job_type as Edition,
      row.create_type,
    );
    errors = await reviewTrainingData(data, {
      edition: row.job_type as Edition,
      language: (row.language ?? 'CN') as VoiceLanguage,
      transcriber: deps.transcriber,
      signal: h.signal,
      onEach: () => h.heartbeat(),
    });
  } catch (e) {
    if (h.signal.aborted || h.job.attempts < h.job.max_attempts) throw e;
    await fail(deps, row, ['SYSTEM_AUDITING'], e, h);
    return;
  }
  const now = deps.clock.now();
  const audit = {
    audit_time: now.getTime(),
    errors: errors
      .slice(0, MAX_AUDIT_ERRORS)
      .map((e) => ({ ...e, error_message: cut(e.error_message, 1024) })),
  };
  await deps.db.transaction().execute(async (trx) => {
    const repo = new VoiceTrainingRepo(trx);
    if (errors.length > 0) {
      await repo.transition(
        projectId,
        jobId,
        ['SYSTEM_AUDITING'],
        {
          state: 'AUDIT_FAILED',
          reject_times: row.reject_times + 1,
          system_audit: JSON.stringify(audit),
          update_time: now,
        },
        {
          action: 'SYSTEM_AUDIT_FAILED',
          operator: 'SYSTEM',
          externalInfo: {
            algorithm_failure_reason: cut(
              errors
                .map((e) => e.error_code)
                .filter((c, i, a) => a.indexOf(c) === i)
                .join(', '),
              4096,
            ),
          },
        },
      );
      return;
    }
    const moved = await repo.transition(
      projectId,
      jobId,
      ['SYSTEM_AUDITING'],
      { state: 'WAITING', system_audit: JSON.stringify(audit), update_time: now },
      { action: 'SYSTEM_AUDIT_PASSED', operator: 'SYSTEM' },
    );
    if (moved)
      await deps.queue.enqueue(VoiceTrainingTasks.train, ref, {
        trx,
        projectId,
        jobKey: `voice-train:${projectId}:${jobId}`,
      });
  });
}

/** Ends the job FAILED from one of `from`, with the error as job_failed_code / reason. */
async function fail(
  deps: VoiceJobDeps,
  row: VoiceJobRow,
  from: string[],
  e: unknown,
  h: TaskHelpers,
): Promise<void> {
  const code = isAppError(e) ? e.code : VoiceTrainingCodes.internal;
  const reason = cut(
    isAppError(e) ? e.message : `Voice training failed: ${(e as Error)?.message ?? String(e)}`,
    256,
  );
  h.logger.warn({ err: e, projectId: row.project_id, jobId: row.job_id, code }, 'voice training job failed');
  await new VoiceTrainingRepo(deps.db).transition(
    row.project_id,
    row.job_id,
    from,
    { state: 'FAILED', job_failed_code: code, job_failed_reason: reason, update_time: deps.clock.now() },
    { action: 'TRAINING_FAILED', operator: 'SYSTEM', externalInfo: { algorithm_failure_reason: reason } },
  );
}

export interface TrainingResult {
  profile: VoiceProfile;
  method: 'espeak-preset' | 'cloning-service';
  voice: VoiceSpec;
  achieved?: PresetChoice['achieved'];
}

async function train(deps: VoiceJobDeps, ref: JobRef, h: TaskHelpers): Promise<void> {
  const { projectId, jobId } = ref;
  const repo = new VoiceTrainingRepo(deps.db);
  let row = await repo.get(projectId, jobId);
  if (row?.state !== 'WAITING' && row?.state !== 'PROCESSING') return;
  if (row.state === 'WAITING') {
    const now = deps.clock.now();
    await repo.transition(
      projectId,
      jobId,
      ['WAITING'],
      { state: 'PROCESSING', update_time: now },
      { action: 'TRAINING_STARTED', operator: 'SYSTEM' },
    );
    row = { ...row, state: 'PROCESSING', update_time: now };
  }
  let result: TrainingResult;
  try {
    result = await buildVoice(deps, row, h);
  } catch (e) {
    if (h.signal.aborted) throw e;
    if (!isAppError(e) && h.job.attempts < h.job.max_attempts) throw e;
    await fail(deps, row, ['PROCESSING'], e, h);
    return;
  }
  await finish(deps, row, result);
}

async function buildVoice(deps: VoiceJobDeps, row: VoiceJobRow, h: TaskHelpers): Promise<TrainingResult> {
  const data: TrainingData = await loadTrainingData(
    deps.objects,
    row.project_id,
    row.job_id,
    row.job_type as Edition,
    row.create_type,
  );
  const audio = [];
  for (const r of data.recordings) {
    const d = readWav(r);
    if (typeof d !== 'string') audio.push({ samples: d.samples, sampleRate: d.sampleRate, text: r.text });
  }
  await h.heartbeat();
  const profile = measureProfile(audio);
  if (!profile)
    throw new AppError(
      400,
      VoiceTrainingCodes.invalidParameter,
      'the recordings hold no voiced speech to measure',
    );
  const language = (row.language ?? 'CN') as VoiceLanguage;
  const sex = (row.sex as 'MALE' | 'FEMALE' | null) ?? sexFromPitch(profile.pitch.medianHz);
  if (deps.cloner) {
    const voiceId = await deps.cloner.enroll(
      {
        requestId: createHash('sha256')
          .update(`voice-clone:${row.project_id}:${row.job_id}`)
          .digest('hex')
          .slice(0, 32),
        language,
        sex,
        recordings: data.recordings.map((r) => ({
          name: r.audioName,
          wav: r.wav,
          ...(r.text !== undefined && { text: r.text }),
        })),
      },
      h.signal,
    );
    const lang = baseVoice(language, sex).language;
    return {
      profile,
      method: 'cloning-service',
      voice: { engine: 'voice-cloning', language: lang, params: { voice_id: voiceId } },
    };
  }
  const preset = await matchPreset(deps.speech, profile, { language, sex, signal: h.signal });
  return { profile, method: 'espeak-preset', voice: preset.voice, achieved: preset.achieved };
}

/** The VOICE_MODEL asset and SUCCEED in one transaction (a re-run finds the asset made). */
async function finish(deps: VoiceJobDeps, row: VoiceJobRow, result: TrainingResult): Promise<void> {
  const { project_id: projectId, job_id: jobId } = row;
  const assetId = jobId;
  const language = (row.language ?? 'CN') as VoiceLanguage;
  const sex = (row.sex as 'MALE' | 'FEMALE' | null) ?? sexFromPitch(result.profile.pitch.medianHz);
  const p = result.profile.pitch;
  const description =
    result.method === 'espeak-preset'
      ? cut(
          `Matched eSpeak NG preset (not a clone of the speaker's timbre) from voice training job ${jobId}: pitch ${Math.round(p.medianHz)} Hz (range ${p.rangeSemitones.toFixed(1)} semitones), ${result.profile.unitsPerSecond?.toFixed(1) ?? '?'} syllables/s, ${result.profile.loudnessDb.toFixed(1)} dBFS.`,
          4096,
        )
      : `Cloned voice from voice training job ${jobId}, spoken by the configured voice-cloning service.`;
  await deps.db.transaction().execute(async (trx) => {
    const assets = new AssetsRepo(trx);
    const now = deps.clock.now();
    const [existing] = await assets.visible(projectId, [assetId], now);
    if (!existing) {
      let name = row.voice_name;
      if (await assets.nameTaken(projectId, 'VOICE_MODEL', name))
        name = `${[...name].slice(0, 200).join('')}_${jobId.slice(0, 8)}`;
      await assets.insert(
        newAssetRow(
          projectId,
          {
            asset_name: name,
            asset_type: 'VOICE_MODEL',
            asset_description: description,
            tags: ['voice', 'trained', result.method === 'espeak-preset' ? 'preset' : 'cloned'],
            system_properties: [{ key: 'CREATED_BY_PLATFORM', value: 'true' }],
            asset_extra_meta: {
              voice_model_meta: {
                model_type: result.method === 'espeak-preset' ? 'COMMON' : 'CLONE',
                sex,
                language,
                languages: [language],
                is_realtime_voice: true,
              },
              doppel_voice: result.voice,
            } as never,
          },
          { appUserId: row.app_user_id ?? undefined, now, assetId, state: 'ACTIVED' },
        ),
      );
    }
    await new VoiceTrainingRepo(trx).transition(
      projectId,
      jobId,
      ['PROCESSING'],
      { state: 'SUCCEED', asset_id: assetId, result: JSON.stringify(result), update_time: now },
      { action: 'TRAINING_SUCCEEDED', operator: 'SYSTEM', externalInfo: {} },
    );
  });
}
