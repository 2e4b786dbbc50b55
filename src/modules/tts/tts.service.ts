// TTS audition and async jobs: create (validate, resolve the voice, record + enqueue in one
// transaction) and show (state, outputs as fresh 1-hour URLs). The work itself is in
// tts.jobs.ts; what a synthesis produces is in tts.synthesis.ts.
import type { OperationTypes } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { isSpeechError, type VoiceSpec } from '../../engines/speech/types.ts';
import { AssetsRepo } from '../assets/assets.repo.ts';
import { isGone } from '../assets/assets.rules.ts';
import type { ModuleDeps } from '../types.ts';
import { checkQuota } from '../usage/index.ts';
import { speechErrorToApp, TtsErrors } from './tts.errors.ts';
import { type TtsJobRow, type TtsOutputs, TtsRepo } from './tts.repo.ts';
import {
  asyncRequest,
  auditionRequest,
  TTS_URL_TTL_SEC,
  type TtsJobRequest,
  unsupportedOption,
} from './tts.rules.ts';
import { scriptOf } from './tts.synthesis.ts';
import { billableChars } from './tts.usage.ts';
import type { VocabularyService } from './vocabulary.service.ts';

type Types = OperationTypes;

export const TtsTasks = {
  /** Synthesises one TTS job (audition or async); payload {projectId, jobId}. */
  synthesize: 'tts.synthesize',
  /** POSTs a finished async job's callback; payload {projectId, jobId}. */
  callback: 'tts.callback',
} as const;

export type TtsDeps = Pick<ModuleDeps, 'db' | 'objects' | 'queue' | 'clock' | 'logger' | 'quotas'>;

/** Reads the Doppel voice mapping a VOICE_MODEL asset carries (ERRATA 28). */
export function voiceSpecOf(extraMeta: Record<string, unknown>): VoiceSpec | undefined {
  const v = extraMeta.doppel_voice as Partial<VoiceSpec> | undefined;
  if (!v || typeof v.engine !== 'string' || typeof v.language !== 'string') return undefined;
  return { engine: v.engine, language: v.language, params: v.params ?? {} };
}

export class TtsService {
  constructor(
    private readonly deps: TtsDeps,
    private readonly vocabulary: VocabularyService,
  ) {}

  /** The voice behind a voice asset id: 400 MSS.10001001 when unknown, MSS.20050042 when unusable. */
  async resolveVoice(projectId: string, assetId: string): Promise<VoiceSpec> {
    // Own, system or shared with this project: the assets module's one visibility rule.
    const [row] = await new AssetsRepo(this.deps.db).visible(projectId, [assetId], this.deps.clock.now());
    if (row?.asset_type !== 'VOICE_MODEL' || isGone(row.asset_state)) throw TtsErrors.voiceNotFound(assetId);
    if (row.asset_state !== 'ACTIVED') throw TtsErrors.voiceUnactivated(assetId, `is ${row.asset_state}`);
    const spec = voiceSpecOf(row.asset_extra_meta as Record<string, unknown>);
    if (!spec) throw TtsErrors.voiceUnactivated(assetId, 'has no speech engine voice behind it');
    return spec;
  }

  async createAsync(
    projectId: string,
    body: Types['CreateAsyncTtsJob']['body'],
    appUserId: string | undefined,
  ): Promise<Types['CreateAsyncTtsJob']['response']> {
    const unsupported = unsupportedOption(body);
    if (unsupported) throw TtsErrors.invalid(unsupported);
    let request: TtsJobRequest;
    try {
      request = asyncRequest(body);
    } catch (e) {
      throw TtsErrors.invalid((e as Error).message);
    }
    return this.create(projectId, 'ASYNC_JOB', request, body.voice_asset_id, appUserId);
  }

  async createAudition(
    projectId: string,
    body: Types['CreateTtsAudition']['body'],
    appUserId: string | undefined,
  ): Promise<Types['CreateTtsAudition']['response']> {
    return this.create(projectId, 'AUDITION', auditionRequest(body), body.emotion, appUserId);
  }

  private async create(
    projectId: string,
    kind: TtsJobRow['kind'],
    request: TtsJobRequest,
    voiceAssetId: string,
    appUserId: string | undefined,
  ): Promise<{ job_id: string }> {
    const voice = await this.resolveVoice(projectId, voiceAssetId);
    // Malformed SSML, empty or too long text: a 400 now rather than a FAILED job later.
    try {
      scriptOf(request, voice, request.vocabulary ? await this.vocabulary.entries(projectId) : []);
    } catch (e) {
      if (isSpeechError(e)) throw speechErrorToApp(e);
      throw e;
    }
    // DOPPEL_QUOTAS=enforce: an async job needs its characters left in a SYNTHETICS_SOUND package.
    if (kind === 'ASYNC_JOB') {
      const need = billableChars(request.text);
      const q = { projectId, metric: 'tts_characters' as const, need };
      await checkQuota(this.deps.db, this.deps.quotas, q, this.deps.clock.now());
    }
    const jobId = newId();
    await this.deps.db.transaction().execute(async (trx) => {
      await new TtsRepo(trx).insert({
        projectId,
        jobId,
        kind,
        request,
        voice,
        callbackUrl: request.callback?.url ?? null,
        appUserId: appUserId ?? null,
        now: this.deps.clock.now(),
      });
      await this.deps.queue.enqueue(
        TtsTasks.synthesize,
        { projectId, jobId },
        { trx, projectId, jobKey: `tts:${projectId}:${jobId}`, priority: request.priority },
      );
    });
    return { job_id: jobId };
  }

  private presign = (key: string | undefined): Promise<string | undefined> =>
    key ? this.deps.objects.presignGet(key, { expiresInSec: TTS_URL_TTL_SEC }) : Promise.resolve(undefined);

  private async job(projectId: string, jobId: string, kind: TtsJobRow['kind']): Promise<TtsJobRow> {
    const row = await new TtsRepo(this.deps.db).get(projectId, jobId);
    if (!row || row.kind !== kind) throw TtsErrors.jobNotFound(jobId);
    return row;
  }

  /** Fresh download URLs for what the job produced; keys absent until produced. */
  async urls(row: TtsJobRow): Promise<{ audio?: string; info?: string; srt?: string; action?: string }> {
    const o = row.outputs as TtsOutputs;
    const [audio, info, srt, action] = await Promise.all([
      this.presign(o.audio),
      this.presign(o.info),
      this.presign(o.srt),
      this.presign(o.action),
    ]);
    return { audio, info, srt, action };
  }

  async showAsync(projectId: string, jobId: string): Promise<Types['ShowAsyncTtsJob']['response']> {
    const row = await this.job(projectId, jobId, 'ASYNC_JOB');
    const u = await this.urls(row);
    return {
      state: row.state,
      code: row.code ?? undefined,
      message: row.message ?? undefined,
      audio_file_url: u.audio,
      audio_info_file_url: u.info,
      audio_srt_file_url: u.srt,
      audio_action_file_url: u.action,
    };
  }

  async showAudition(projectId: string, jobId: string): Promise<Types['ShowTtsAuditionFile']['response']> {
    const row = await this.job(projectId, jobId, 'AUDITION');
    const parts = (row.outputs as TtsOutputs).parts ?? [];
    const urls = await Promise.all(parts.map((k) => this.presign(k)));
    return {
      is_file_complete: row.state === 'SUCCEED' || row.state === 'FAILED',
      code: row.code ?? undefined,
      message: row.message ?? undefined,
      files: urls.map((u) => ({ download_url: u ?? '' })),
    };
  }
}
