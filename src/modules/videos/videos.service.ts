// 2D video jobs and subtitle-file jobs: create (merge with the script, validate everything that
// can be validated now, record + enqueue in one transaction), show, cancel, list. The work
// itself is in videos.jobs.ts (render) and subtitles.jobs.ts.
import type { OperationTypes } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import { parseSpeechInput } from '../../engines/speech/ssml.ts';
import { isSpeechError, type VoiceSpec } from '../../engines/speech/types.ts';
import { AssetsRepo } from '../assets/assets.repo.ts';
import { parseWireTime } from '../assets/assets.rules.ts';
import { speechErrorToApp, type TtsService } from '../tts/index.ts';
import type { ModuleDeps } from '../types.ts';
import { checkQuota } from '../usage/index.ts';
import { VideoScriptErrors } from '../video-scripts/video-scripts.errors.ts';
import { VideoScriptsRepo } from '../video-scripts/video-scripts.repo.ts';
import {
  assetRefs,
  checkAssetRefs,
  MAX_SCENE_TEXT,
  type ScriptDoc,
} from '../video-scripts/video-scripts.rules.ts';
import { sceneAudioKey, scriptDocOf } from '../video-scripts/video-scripts.service.ts';
import { VideoErrors } from './videos.errors.ts';
import { type SubtitleScene, type VideoJobRow, type VideoListSpec, VideosRepo } from './videos.repo.ts';
import {
  checkCallbackConfig,
  checkVideoRequest,
  mergeWithScript,
  type VideoJobRequest,
} from './videos.rules.ts';

type Types = OperationTypes;

export const VideoTasks = {
  /** Renders one video job; payload {projectId, jobId}. */
  render: 'video.render',
  /** POSTs a finished video job's callback; payload {projectId, jobId}. */
  callback: 'video.callback',
  /** Writes the SRT files of a subtitle-file job; payload {projectId, jobId}. */
  subtitles: 'video.subtitles',
} as const;

/** Output cover and subtitle download URLs live as long as asset download URLs (§5). */
export const VIDEO_URL_TTL_SEC = 24 * 3600;
/** ListDigitalHumanVideo without create_since looks back this far (one month). */
export const DEFAULT_LIST_WINDOW_MS = 30 * 24 * 3600 * 1000;

export const subtitleKey = (projectId: string, jobId: string, sequenceNo: number): string =>
  `subtitles/${projectId}/${jobId}/${sequenceNo}.srt`;

export class VideosService {
  constructor(
    private readonly deps: ModuleDeps,
    private readonly tts: TtsService,
  ) {}

  private get repo(): VideosRepo {
    return new VideosRepo(this.deps.db);
  }

  private async script(projectId: string, scriptId: string): Promise<ScriptDoc> {
    const row = await new VideoScriptsRepo(this.deps.db).get(projectId, scriptId);
    if (!row) throw VideoScriptErrors.scriptNotFound(scriptId);
    return scriptDocOf(row);
  }

  async create(
    projectId: string,
    body: Types['Create2DDigitalHumanVideo']['body'],
    appUserId: string | undefined,
  ): Promise<{ job_id: string }> {
    const script = body.script_id ? await this.script(projectId, body.script_id) : undefined;
    const jobId = newId();
    const request = checkVideoRequest(mergeWithScript(body, script, `video_${jobId.slice(0, 12)}`));
    const refs = assetRefs(request);
    checkAssetRefs(
      refs,
      await new VideoScriptsRepo(this.deps.db).visibleAssetTypes(
        projectId,
        refs.map((r) => r.assetId),
        this.deps.clock.now(),
      ),
    );
    await this.checkSceneAudio(projectId, request);
    const voice = await this.voiceFor(projectId, request);
    const now = this.deps.clock.now();
    // DOPPEL_QUOTAS=enforce: a used-up VIDEO_2D package refuses the job before it is written.
    await checkQuota(this.deps.db, this.deps.quotas, { projectId, metric: 'video_seconds' }, now);
    await this.deps.db.transaction().execute(async (trx) => {
      await new VideosRepo(trx).insert({
        project_id: projectId,
        job_id: jobId,
        state: 'WAITING',
        script_id: request.script_id ?? null,
        asset_name: request.output_asset_config.asset_name,
        request: JSON.stringify(request),
        voice: JSON.stringify(voice ?? {}),
        duration_ms: null,
        asset_id: null,
        error_code: null,
        error_msg: null,
        start_time: null,
        end_time: null,
        callback_url: request.callback_config?.callback_url ?? null,
        callback_state: request.callback_config ? 'PENDING' : null,
        app_user_id: appUserId ?? null,
        create_time: now,
        update_time: now,
      });
      await this.deps.queue.enqueue(
        VideoTasks.render,
        { projectId, jobId },
        { trx, projectId, jobKey: `video:${projectId}:${jobId}` },
      );
    });
    return { job_id: jobId };
  }

  /** AUDIO scenes play the audio uploaded to their script; it must be there now. */
  private async checkSceneAudio(projectId: string, req: VideoJobRequest): Promise<void> {
    for (const [i, s] of req.shoot_scripts.entries()) {
      if (s.shoot_script?.script_type !== 'AUDIO') continue;
      const at = `shoot_scripts[${i}]`;
      if (!req.script_id)
        throw VideoErrors.invalid(
          `${at}: an AUDIO scene needs script_id (its audio is uploaded to the script)`,
        );
      if (!(await this.deps.objects.head(sceneAudioKey(projectId, req.script_id, s.sequence_no ?? i))))
        throw VideoErrors.invalid(
          `${at}: no audio has been uploaded for scene ${s.sequence_no ?? i} of the script`,
        );
    }
  }

  /** The voice of the TEXT scenes, resolved now; each scene's text parsed as that voice reads it. */
  private async voiceFor(projectId: string, req: VideoJobRequest): Promise<VoiceSpec | undefined> {
    const voiceId = req.voice_config?.voice_asset_id;
    const texts = req.shoot_scripts
      .filter((s) => (s.shoot_script?.script_type ?? 'TEXT') === 'TEXT')
      .map((s) => s.shoot_script?.text_config?.text ?? '');
    if (!voiceId || texts.length === 0) return undefined;
    const voice = await this.tts.resolveVoice(projectId, voiceId);
    try {
      for (const t of texts) parseSpeechInput(t, { maxChars: MAX_SCENE_TEXT, language: voice.language });
    } catch (e) {
      if (isSpeechError(e)) throw speechErrorToApp(e);
      throw e;
    }
    return voice;
  }

  private async job(projectId: string, jobId: string): Promise<VideoJobRow> {
    const row = await this.repo.get(projectId, jobId);
    if (!row) throw VideoErrors.jobNotFound(jobId);
    return row;
  }

  async show(projectId: string, jobId: string) {
    const row = await this.job(projectId, jobId);
    const req = row.request as unknown as VideoJobRequest;
    return {
      ...(await this.summaries([row]))[0],
      ...(req.script_id ? { script_id: req.script_id } : {}),
      video_making_type: 'MODEL' as const,
      model_asset_id: req.model_asset_id,
      ...(req.voice_config ? { voice_config: req.voice_config } : {}),
      video_config: req.video_config,
      shoot_scripts: req.shoot_scripts,
      ...(req.background_music_config ? { background_music_config: req.background_music_config } : {}),
    };
  }

  /** The DigitalHumanVideo shape (list entries, and the head of show); output covers in one query. */
  private async summaries(rows: VideoJobRow[]) {
    const withAsset = rows.filter((r) => r.asset_id);
    const projectId = rows[0]?.project_id;
    const files = projectId
      ? await new AssetsRepo(this.deps.db).filesOf(
          projectId,
          withAsset.map((r) => r.asset_id as string),
        )
      : [];
    const covers = new Map(
      files.filter((f) => f.asset_file_category === 'COVER').map((f) => [f.asset_id, f.object_key]),
    );
    return Promise.all(rows.map((r) => this.summary(r, covers.get(r.asset_id ?? ''))));
  }

  private async summary(row: VideoJobRow, coverKey: string | undefined) {
    const out = row.asset_id && {
      asset_id: row.asset_id,
      asset_name: row.asset_name,
      ...(coverKey
        ? { cover_url: await this.deps.objects.presignGet(coverKey, { expiresInSec: VIDEO_URL_TTL_SEC }) }
        : {}),
    };
    return {
      job_id: row.job_id,
      state: row.state,
      job_type: row.job_type as '2D_DIGITAL_HUMAN_VIDEO',
      ...(row.start_time ? { start_time: wireTime(row.start_time) } : {}),
      ...(row.end_time ? { end_time: wireTime(row.end_time) } : {}),
      ...(row.duration_ms !== null ? { duration: row.duration_ms / 1000 } : {}),
      ...(out ? { output_asset_config: out } : {}),
      ...(row.error_code
        ? { error_info: { error_code: row.error_code, error_msg: row.error_msg ?? '' } }
        : {}),
      create_time: wireTime(row.create_time),
      lastupdate_time: wireTime(row.update_time),
      // Doppel extension: how far the render is, 0–100 (ERRATA 34).
      progress: row.state === 'SUCCEED' ? 100 : Math.round(row.progress * 100),
    };
  }

  async cancel(projectId: string, jobId: string): Promise<void> {
    const now = this.deps.clock.now();
    if (await this.repo.transition(projectId, jobId, ['WAITING'], { state: 'CANCELED', end_time: now }, now))
      return;
    const row = await this.job(projectId, jobId);
    throw VideoErrors.notCancellable(jobId, row.state);
  }

  async list(projectId: string, q: Types['ListDigitalHumanVideo']['query']) {
    const spec = listSpec(q, this.deps.clock.now());
    const [rows, count] = await Promise.all([
      this.repo.page(projectId, spec),
      this.repo.count(projectId, spec),
    ]);
    return { count, jobs: await this.summaries(rows) };
  }

  // ── subtitle files ─────────────────────────────────────────────────────────

  async createSubtitleFile(
    projectId: string,
    body: Types['CreateSubtitleFile']['body'],
    appUserId: string | undefined,
  ): Promise<{ job_id: string }> {
    if (!body.script_id) throw VideoErrors.invalid('script_id is required');
    checkCallbackConfig(body.callback_config);
    const script = await this.script(projectId, body.script_id);
    const scenes = (script.shoot_scripts ?? []).map((s, i) => s.sequence_no ?? i);
    if (body.sequence_no !== undefined && !scenes.includes(body.sequence_no))
      throw VideoErrors.invalid(`sequence_no: the script has no scene ${body.sequence_no}`);
    const wanted = body.sequence_no === undefined ? scenes : [body.sequence_no];
    const jobId = newId();
    const now = this.deps.clock.now();
    const initial: SubtitleScene[] = wanted.map((n) => ({ sequence_no: n, state: 'GENERATING' }));
    await this.deps.db.transaction().execute(async (trx) => {
      await new VideosRepo(trx).insertSubtitleJob({
        project_id: projectId,
        job_id: jobId,
        script_id: body.script_id as string,
        job_state: 'GENERATING',
        scenes: JSON.stringify(initial),
        callback_url: body.callback_config?.callback_url ?? null,
        callback_state: body.callback_config ? 'PENDING' : null,
        app_user_id: appUserId ?? null,
        create_time: now,
        update_time: now,
      });
      await this.deps.queue.enqueue(
        VideoTasks.subtitles,
        { projectId, jobId, callback: body.callback_config ?? null },
        { trx, projectId, jobKey: `subtitles:${projectId}:${jobId}` },
      );
    });
    return { job_id: jobId };
  }

  async showSubtitleFile(projectId: string, jobId: string) {
    const row = await this.repo.getSubtitleJob(projectId, jobId);
    if (!row) throw VideoErrors.subtitleJobNotFound(jobId);
    const scenes = row.scenes as unknown as SubtitleScene[];
    return {
      job_state: row.job_state,
      subtitle_file_info: await Promise.all(
        scenes.map(async (s) => ({
          sequence_no: s.sequence_no,
          subtitle_file_state: s.state,
          ...(s.object_key
            ? {
                subtitle_file_download_url: await this.deps.objects.presignGet(s.object_key, {
                  expiresInSec: VIDEO_URL_TTL_SEC,
                }),
              }
            : {}),
          ...(s.generate_time ? { generate_time: s.generate_time } : {}),
          ...(s.error_code ? { error_info: { error_code: s.error_code, error_msg: s.error_msg ?? '' } } : {}),
        })),
      ),
    };
  }
}

const STATES = new Set(['WAITING', 'PROCESSING', 'SUCCEED', 'FAILED', 'CANCELED', 'BLOCK']);

/** ListDigitalHumanVideo's query → the list spec: filters, sort and the one-month default window. */
export function listSpec(q: Types['ListDigitalHumanVideo']['query'], now: Date): VideoListSpec {
  const until = q.create_until ? parseWireTime('create_until', q.create_until) : undefined;
  const since = q.create_since
    ? parseWireTime('create_since', q.create_since)
    : new Date((until ?? now).getTime() - DEFAULT_LIST_WINDOW_MS);
  const states = q.state ? q.state.split(',').map((s) => s.trim().toUpperCase()) : undefined;
  for (const s of states ?? [])
    if (!STATES.has(s))
      throw VideoErrors.invalid(`state: unknown state "${s}" (one of ${[...STATES].join(', ')})`);
  const sortKey = q.sort_key ?? 'create_time';
  if (sortKey !== 'create_time' && sortKey !== 'lastupdate_time')
    throw VideoErrors.invalid('sort_key must be create_time or lastupdate_time');
  const sortDir = (q.sort_dir ?? 'desc').toLowerCase();
  if (sortDir !== 'asc' && sortDir !== 'desc') throw VideoErrors.invalid('sort_dir must be asc or desc');
  const jobIds = [...(q.job_ids ?? []), ...(q.job_id ? [q.job_id] : [])];
  return {
    offset: q.offset,
    limit: q.limit,
    since,
    ...(until ? { until } : {}),
    ...(states ? { states } : {}),
    ...(q.script_id ? { scriptId: q.script_id } : {}),
    ...(q.asset_name ? { assetName: q.asset_name } : {}),
    ...(q.job_type ? { jobType: q.job_type } : {}),
    ...(jobIds.length ? { jobIds } : {}),
    sortKey: sortKey === 'create_time' ? 'create_time' : 'update_time',
    sortDir,
  };
}
