// SQL of the TTS jobs, and the one read of the assets table the TTS module needs (the voice).
// Every query takes the project first.
import type { Selectable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import { SYSTEM_PROJECT_ID, type TtsJobsTable } from '../../core/db/schema.ts';
import type { VoiceSpec } from '../../engines/speech/types.ts';

export type TtsJobRow = Selectable<TtsJobsTable>;
export type TtsState = TtsJobRow['state'];

export interface TtsOutputs {
  audio?: string;
  info?: string;
  srt?: string;
  action?: string;
  /** Audition: one WAV per sentence, in order, as they are produced. */
  parts?: string[];
}

export interface VoiceAssetRow {
  project_id: string;
  asset_id: string;
  asset_state: string;
  asset_extra_meta: Record<string, unknown>;
}

export class TtsRepo {
  constructor(private readonly db: Db) {}

  /** A VOICE_MODEL asset the project may use: its own, or a system one. Not in the recycle bin. */
  async findVoice(projectId: string, assetId: string): Promise<VoiceAssetRow | undefined> {
    const rows = await this.db
      .selectFrom('assets')
      .select(['project_id', 'asset_id', 'asset_state', 'asset_extra_meta'])
      .where('project_id', 'in', [projectId, SYSTEM_PROJECT_ID])
      .where('asset_id', '=', assetId)
      .where('asset_type', '=', 'VOICE_MODEL')
      .where('asset_state', 'not in', ['DELETING', 'DELETED'])
      .execute();
    // The project's own asset wins over a system one with the same id (cannot happen with hex ids).
    return rows.find((r) => r.project_id === projectId) ?? rows[0];
  }

  async insert(row: {
    projectId: string;
    jobId: string;
    kind: TtsJobRow['kind'];
    request: object;
    voice: VoiceSpec;
    callbackUrl: string | null;
    appUserId: string | null;
    now: Date;
  }): Promise<void> {
    await this.db
      .insertInto('tts_jobs')
      .values({
        project_id: row.projectId,
        job_id: row.jobId,
        kind: row.kind,
        state: 'WAITING',
        request: JSON.stringify(row.request),
        voice: JSON.stringify(row.voice),
        outputs: '{}',
        duration_ms: null,
        code: null,
        message: null,
        callback_url: row.callbackUrl,
        callback_state: row.callbackUrl ? 'PENDING' : null,
        app_user_id: row.appUserId,
        create_time: row.now,
        update_time: row.now,
      })
      .execute();
  }

  async get(
    projectId: string,
    jobId: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<TtsJobRow | undefined> {
    let q = this.db
      .selectFrom('tts_jobs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId);
    if (opts.forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async setProcessing(projectId: string, jobId: string, now: Date): Promise<void> {
    await this.db
      .updateTable('tts_jobs')
      .set({ state: 'PROCESSING', update_time: now })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .where('state', 'in', ['WAITING', 'PROCESSING'])
      .execute();
  }

  /** Records what has been produced so far (audition parts appear while the job runs). */
  async setOutputs(projectId: string, jobId: string, outputs: TtsOutputs, now: Date): Promise<void> {
    await this.db
      .updateTable('tts_jobs')
      .set({ outputs: JSON.stringify(outputs), update_time: now })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .execute();
  }

  async finish(
    projectId: string,
    jobId: string,
    end: {
      state: 'SUCCEED' | 'FAILED';
      outputs: TtsOutputs;
      durationMs: number | null;
      code?: string;
      message?: string;
    },
    now: Date,
  ): Promise<void> {
    await this.db
      .updateTable('tts_jobs')
      .set({
        state: end.state,
        outputs: JSON.stringify(end.outputs),
        duration_ms: end.durationMs,
        code: end.code ?? null,
        message: end.message ?? null,
        update_time: now,
      })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .execute();
  }

  async setCallbackState(projectId: string, jobId: string, state: 'DELIVERED' | 'FAILED'): Promise<void> {
    await this.db
      .updateTable('tts_jobs')
      .set({ callback_state: state })
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .execute();
  }
}
