// SQL of the TTS jobs (voices are read through the assets module's visibility rule).
// Every query takes the project first.
import type { Selectable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { TtsJobsTable } from '../../core/db/schema.ts';
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

export class TtsRepo {
  constructor(private readonly db: Db) {}

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
