// Voice training requests: create (one of the editions; upload URLs), the upload address
// re-fetch, segment confirmation, commit (→ review job), list / show / delete, audit result,
// op-logs, batch names and the duration config. The review and training work is in
// voice-training.jobs.ts. Every state change is a `transition` (repo), logged with it.
import type { OperationTypes, TrainingJobInfo } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import type { ModuleDeps } from '../types.ts';
import { VoiceTrainingErrors } from './voice-training.errors.ts';
import { loadSegment } from './voice-training.recordings.ts';
import { type VoiceJobRow, VoiceTrainingRepo } from './voice-training.repo.ts';
import { checkRecording, type Transcriber } from './voice-training.review.ts';
import {
  authorizationKey,
  batchJobIds,
  batchName,
  CONTENT_TYPES,
  commitFields,
  createSpec,
  DURATION_LIMITS,
  type Edition,
  jobPrefix,
  listSpec,
  packageKey,
  requireState,
  SENTENCES,
  STATES,
  segmentKey,
  UPLOAD_URL_TTL_SEC,
  type VoiceLanguage,
} from './voice-training.rules.ts';

type Types = OperationTypes;

export const VoiceTrainingTasks = {
  /** Reviews a committed job's recordings; payload {projectId, jobId}. */
  review: 'voice-training.review',
  /** Builds the voice of a reviewed job; payload {projectId, jobId}. */
  train: 'voice-training.train',
} as const;

export type VoiceTrainingDeps = Pick<ModuleDeps, 'db' | 'objects' | 'queue' | 'clock' | 'logger'> & {
  transcriber?: Transcriber;
};

const ms = (d: Date): number => d.getTime();

export class VoiceTrainingService {
  constructor(private readonly deps: VoiceTrainingDeps) {}

  private get repo(): VoiceTrainingRepo {
    return new VoiceTrainingRepo(this.deps.db);
  }

  private async job(projectId: string, jobId: string): Promise<VoiceJobRow> {
    const row = await this.repo.get(projectId, jobId);
    if (!row) throw VoiceTrainingErrors.jobNotFound(jobId);
    return row;
  }

  async create(
    edition: Edition,
    projectId: string,
    body: Types['CreateTrainingBasicJob']['body'],
    appUserId: string | undefined,
  ): Promise<Types['CreateTrainingBasicJob']['response']> {
    const spec = createSpec(edition, body);
    const jobId = newId();
    const now = this.deps.clock.now();
    await this.repo.insert(
      {
        project_id: projectId,
        job_id: jobId,
        job_type: edition,
        state: 'CREATING',
        ...spec,
        app_user_id: appUserId ?? null,
        create_time: now,
        update_time: now,
      },
      {
        action: 'CREATE',
        operator: 'USER',
        externalInfo: { job_type: edition, create_type: spec.create_type },
      },
    );
    const urls = await this.uploadUrls(projectId, jobId, edition, spec.create_type);
    return {
      job_id: jobId,
      ...(urls.package && { training_data_uploading_url: urls.package }),
      ...(urls.segments && { segment_uploading_url: urls.segments }),
      authorization_letter_uploading_url: urls.letter,
    };
  }

  private async uploadUrls(projectId: string, jobId: string, edition: Edition, createType: string) {
    const put = (key: string, contentType?: string) =>
      this.deps.objects.presignPut(key, {
        expiresInSec: UPLOAD_URL_TTL_SEC,
        ...(contentType && { contentType }),
      });
    const letter = await put(authorizationKey(projectId, jobId));
    if (createType === 'PACKAGE')
      return { letter, package: await put(packageKey(projectId, jobId), CONTENT_TYPES.zip) };
    const n = SENTENCES[edition] ?? 0;
    const idx = Array.from({ length: n }, (_, i) => i);
    return {
      letter,
      segments: {
        audio_uploading_url: await Promise.all(
          idx.map((i) => put(segmentKey(projectId, jobId, i, 'wav'), CONTENT_TYPES.wav)),
        ),
        txt_uploading_url: await Promise.all(
          idx.map((i) => put(segmentKey(projectId, jobId, i, 'txt'), CONTENT_TYPES.txt)),
        ),
      },
    };
  }

  /** Fresh upload URLs; only while uploads can still change the job (CREATING, AUDIT_FAILED). */
  async uploadingAddress(
    projectId: string,
    jobId: string,
  ): Promise<Types['ShowJobUploadingAddress']['response']> {
    const row = await this.job(projectId, jobId);
    requireState(jobId, row.state, STATES.editable, 'uploading');
    const urls = await this.uploadUrls(projectId, jobId, row.job_type as Edition, row.create_type);
    return {
      ...(urls.package && { package_url: { training_data_uploading_url: urls.package } }),
      ...(urls.segments && { segment_url: urls.segments }),
      authorization_letter_uploading_url: urls.letter,
    };
  }

  /** Checks sentence `index` of a SEGMENT job against its text; remembers the verdict. */
  async confirmSegment(
    projectId: string,
    query: Types['ConfirmTrainingSegment']['query'],
  ): Promise<Types['ConfirmTrainingSegment']['response']> {
    const { job_id: jobId, index } = query;
    const row = await this.job(projectId, jobId);
    if (row.create_type !== 'SEGMENT')
      throw VoiceTrainingErrors.invalid(
        `job ${jobId} uploads one package (create_type PACKAGE); it has no segments`,
      );
    requireState(jobId, row.state, STATES.editable, 'confirming a segment');
    const n = SENTENCES[row.job_type as Edition] ?? 0;
    if (index >= n) throw VoiceTrainingErrors.invalid(`index must be 0-${n - 1} for a ${row.job_type} job`);
    const s = await loadSegment(this.deps.objects, projectId, jobId, index);
    let reasons: string[];
    if (!s.wav || s.text === undefined)
      reasons = [
        s.tooLarge
          ? 'the upload is too large'
          : s.textUnreadable
            ? 'the text is not UTF-8'
            : !s.wav
              ? 'no recording uploaded'
              : 'no text uploaded',
      ];
    else {
      const c = await checkRecording(
        { audioName: `${index}.wav`, textName: `${index}.txt`, wav: s.wav, text: s.text },
        {
          sentence: true,
          language: (row.language ?? 'CN') as VoiceLanguage,
          transcriber: this.deps.transcriber,
        },
      );
      reasons = c.errors.map((e) => `${e.error_code}: ${e.error_message}`);
    }
    const ok = reasons.length === 0;
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new VoiceTrainingRepo(trx);
      const cur = await repo.get(projectId, jobId, { forUpdate: true });
      if (!cur) throw VoiceTrainingErrors.jobNotFound(jobId);
      requireState(jobId, cur.state, STATES.editable, 'confirming a segment');
      const segments = {
        ...(cur.segments as Record<string, { ok: boolean; reasons: string[] }>),
        [index]: { ok, reasons },
      };
      await repo.update(projectId, jobId, {
        segments: JSON.stringify(segments),
        update_time: this.deps.clock.now(),
      });
    });
    return { confirm_result: ok, unmatched_index_hit: ok ? [] : [index] };
  }

  async segmentInfo(
    projectId: string,
    query: Types['ShowTrainingSegmentInfo']['query'],
  ): Promise<Types['ShowTrainingSegmentInfo']['response']> {
    const row = await this.job(projectId, query.job_id);
    return { confirmed_index: confirmedIndexes(row) };
  }

  /** Commit: fields, then review. PACKAGE needs the zip; SEGMENT needs every sentence confirmed. */
  async commit(
    projectId: string,
    jobId: string,
    body: Types['CommitVoiceTrainingJob']['body'],
  ): Promise<void> {
    const fields = commitFields(body ?? {});
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new VoiceTrainingRepo(trx);
      const row = await repo.get(projectId, jobId, { forUpdate: true });
      if (!row) throw VoiceTrainingErrors.jobNotFound(jobId);
      requireState(jobId, row.state, STATES.editable, 'commit');
      if (row.create_type === 'PACKAGE') {
        if (!(await this.deps.objects.head(packageKey(projectId, jobId))))
          throw VoiceTrainingErrors.invalid(`job ${jobId}: the training data package has not been uploaded`);
      } else {
        const n = SENTENCES[row.job_type as Edition] ?? 0;
        const done = new Set(confirmedIndexes(row));
        const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !done.has(i));
        if (missing.length)
          throw VoiceTrainingErrors.invalid(
            `job ${jobId}: sentences not confirmed yet (ConfirmTrainingSegment): ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`,
          );
      }
      const moved = await repo.transition(
        projectId,
        jobId,
        STATES.editable,
        {
          ...fields,
          language: fields.language ?? row.language ?? 'CN',
          state: 'SYSTEM_AUDITING',
          update_time: this.deps.clock.now(),
        },
        { action: 'COMMIT', operator: 'USER' },
      );
      if (!moved) throw VoiceTrainingErrors.wrongState(jobId, row.state, 'commit', STATES.editable);
      await this.deps.queue.enqueue(
        VoiceTrainingTasks.review,
        { projectId, jobId },
        { trx, projectId, jobKey: `voice-review:${projectId}:${jobId}` },
      );
    });
  }

  async list(projectId: string, query: Types['ListVoiceTrainingJob']['query']) {
    const spec = listSpec(query);
    const [rows, count] = await Promise.all([
      this.repo.page(projectId, spec),
      this.repo.count(projectId, spec),
    ]);
    return { count, jobs: rows.map(jobInfo) };
  }

  async show(projectId: string, jobId: string): Promise<Types['ShowVoiceTrainingJob']['response']> {
    const row = await this.job(projectId, jobId);
    const get = async (key: string) =>
      (await this.deps.objects.head(key))
        ? this.deps.objects.presignGet(key, { expiresInSec: UPLOAD_URL_TTL_SEC })
        : undefined;
    const [letter, source] = await Promise.all([
      get(authorizationKey(projectId, jobId)),
      row.create_type === 'PACKAGE' ? get(packageKey(projectId, jobId)) : Promise.resolve(undefined),
    ]);
    return {
      ...jobInfo(row),
      ...(letter && { voice_authorization_url: letter }),
      ...(source && { training_input_source_url: source }),
    };
  }

  /** Only when nothing runs for the job; its uploads go too. The voice asset, once made, stays. */
  async delete(projectId: string, jobId: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new VoiceTrainingRepo(trx);
      const row = await repo.get(projectId, jobId, { forUpdate: true });
      if (!row) throw VoiceTrainingErrors.jobNotFound(jobId);
      requireState(jobId, row.state, STATES.deletable, 'delete');
      await repo.delete(projectId, jobId);
    });
    try {
      await this.deps.objects.deletePrefix(jobPrefix(projectId, jobId));
    } catch (err) {
      this.deps.logger.warn({ err, projectId, jobId }, 'deleting voice training uploads failed');
    }
  }

  async auditResult(projectId: string, jobId: string): Promise<Types['ShowJobAuditResult']['response']> {
    const row = await this.job(projectId, jobId);
    const audit = row.system_audit as { audit_time: number; errors: unknown[] } | null;
    if (!audit) return {};
    return {
      system_audit_result: audit as NonNullable<
        Types['ShowJobAuditResult']['response']['system_audit_result']
      >,
    };
  }

  async opLogs(projectId: string, jobId: string, query: Types['ListJobOperationLog']['query']) {
    await this.job(projectId, jobId);
    const [rows, count] = await Promise.all([
      this.repo.logs(projectId, jobId, query.offset ?? 0, query.limit ?? 10),
      this.repo.logCount(projectId, jobId),
    ]);
    return {
      count,
      operations: rows.map((r) => ({
        time: ms(r.time),
        action: r.action,
        operator: r.operator,
        ...(r.external_info && { external_info: r.external_info as Record<string, string> }),
      })),
    };
  }

  /** Names a batch of jobs; every id must be a job of the project (else nothing changes). */
  async setBatchName(projectId: string, body: Types['SetJobBatchName']['body']): Promise<void> {
    const name = batchName(body.batch_name);
    const ids = batchJobIds(body.job_ids);
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new VoiceTrainingRepo(trx);
      const found = new Set(await repo.existing(projectId, ids));
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length) throw VoiceTrainingErrors.jobNotFound(missing.join(', '));
      const now = this.deps.clock.now();
      await repo.setBatchName(projectId, ids, name, now);
      for (const id of ids)
        await repo.log(projectId, id, now, { action: 'SET_BATCH_NAME', operator: 'USER', externalInfo: {} });
    });
  }

  durationConfig(projectId: string): Types['ShowTenantDurationCfg']['response'] {
    const d = DURATION_LIMITS;
    return {
      tenant_id: projectId,
      basic_min: d.basic.min,
      basic_max: d.basic.max,
      basic_advice_value: d.basic.advice,
      middle_min: d.middle.min,
      middle_max: d.middle.max,
      middle_advice_value: d.middle.advice,
      advance_min: d.advance.min,
      advance_max: d.advance.max,
      advance_advice_value: d.advance.advice,
    };
  }
}

export function confirmedIndexes(row: VoiceJobRow): number[] {
  const seg = row.segments as Record<string, { ok: boolean }>;
  return Object.entries(seg)
    .filter(([, v]) => v.ok)
    .map(([k]) => Number(k))
    .sort((a, b) => a - b);
}

/** The contract's TrainingJobInfo of a row; times are epoch milliseconds (ERRATA 76). */
export function jobInfo(row: VoiceJobRow): TrainingJobInfo {
  const opt = <K extends string, V>(k: K, v: V | null) => (v === null || v === undefined ? {} : { [k]: v });
  return {
    job_type: row.job_type as TrainingJobInfo['job_type'],
    job_id: row.job_id,
    voice_name: row.voice_name,
    state: row.state as TrainingJobInfo['state'],
    create_type: row.create_type,
    create_time: ms(row.create_time),
    lastupdate_time: ms(row.update_time),
    is_ondemand_resource: row.is_ondemand_resource,
    ...opt('app_user_id', row.app_user_id),
    ...opt('sex', row.sex),
    ...opt('language', row.language),
    ...(row.reject_times > 0 && { reject_times: row.reject_times }),
    ...opt('asset_id', row.asset_id),
    ...opt('job_failed_code', row.job_failed_code),
    ...opt('job_failed_reason', row.job_failed_reason),
    ...opt('tag', row.tag as TrainingJobInfo['tag'] | null),
    ...opt('phone', row.phone),
    ...opt('dhtms_job_id', row.dhtms_job_id),
    ...opt('batch_name', row.batch_name),
    ...opt('output_language', row.output_language),
  } as TrainingJobInfo;
}
