// video.subtitles: one SRT per requested scene of a script, from the same speech the renderer
// makes (same text parsing, voice, prosody and cue builder), so a downloaded subtitle file and
// the burned subtitles and lips of a video of that script agree. Each scene is stored and
// marked as soon as it is done (GENERATING → GENERATE_SUCCEED | GENERATE_FAILED); the job is
// GENERATED when every scene is settled. Re-runnable: settled scenes are skipped.

import type { CallBackConfig } from '../../contract/generated/types.ts';
import { isAppError } from '../../core/errors/index.ts';
import type { GiveUpContext, TaskHelpers } from '../../core/jobs/index.ts';
import { postCallback } from '../../core/net/callback.ts';
import { wireTime } from '../../core/util/time.ts';
import { WebhookLog } from '../../core/webhooks/webhook-log.ts';
import { buildSrt } from '../../engines/speech/srt.ts';
import { isSpeechError } from '../../engines/speech/types.ts';
import { speechErrorToApp, type TtsService, type VocabularyService } from '../tts/index.ts';
import type { ModuleDeps, TaskDefinition } from '../types.ts';
import { VideoScriptsRepo } from '../video-scripts/video-scripts.repo.ts';
import { scriptDocOf } from '../video-scripts/video-scripts.service.ts';
import { speakScene } from './scene-speech.ts';
import { VideoCodes } from './videos.errors.ts';
import { type SubtitleScene, VideosRepo } from './videos.repo.ts';
import { prosodyOfVoice } from './videos.rules.ts';
import { subtitleKey, VideoTasks } from './videos.service.ts';

interface SubtitlePayload {
  projectId: string;
  jobId: string;
  callback: CallBackConfig | null;
}

export function subtitleTasks(
  deps: ModuleDeps & { vocabulary: VocabularyService },
  tts: TtsService,
): TaskDefinition[] {
  return [
    {
      name: VideoTasks.subtitles,
      spec: {
        queue: 'tts',
        maxAttempts: 3,
        onGiveUp: (p: SubtitlePayload, ctx: GiveUpContext) => giveUp(deps, p, ctx),
      },
      handler: ((p: SubtitlePayload, h: TaskHelpers) =>
        generate(deps, tts, p, h)) as TaskDefinition['handler'],
    },
  ];
}

async function generate(
  deps: ModuleDeps & { vocabulary: VocabularyService },
  tts: TtsService,
  p: SubtitlePayload,
  h: TaskHelpers,
): Promise<void> {
  const repo = new VideosRepo(deps.db);
  const job = await repo.getSubtitleJob(p.projectId, p.jobId);
  if (!job || job.job_state === 'GENERATED') return;
  const scenes = (job.scenes as unknown as SubtitleScene[]).map((s) => ({ ...s }));
  const scriptRow = await new VideoScriptsRepo(deps.db).get(p.projectId, job.script_id);
  const doc = scriptRow && scriptDocOf(scriptRow);
  const save = () => repo.updateSubtitleJob(p.projectId, p.jobId, { scenes }, deps.clock.now());

  for (const s of scenes) {
    if (s.state !== 'GENERATING') continue;
    const fail = (code: string, msg: string) =>
      Object.assign(s, { state: 'GENERATE_FAILED', error_code: code, error_msg: msg });
    const item = doc?.shoot_scripts?.find((x, i) => (x.sequence_no ?? i) === s.sequence_no);
    const text = item?.shoot_script?.text_config?.text;
    try {
      if (!doc || !item) fail(VideoCodes.invalidParameter, 'the script or this scene no longer exists');
      else if ((item.shoot_script?.script_type ?? 'TEXT') === 'AUDIO' || !text)
        fail(VideoCodes.invalidParameter, 'an audio-driven scene has no text to make subtitles from');
      else if (!doc.voice_config?.voice_asset_id)
        fail(VideoCodes.invalidParameter, 'the script names no voice');
      else {
        const voice = await tts.resolveVoice(p.projectId, doc.voice_config.voice_asset_id);
        const vocabulary = doc.video_config?.is_vocabulary_config_enable
          ? await deps.vocabulary.entries(p.projectId)
          : [];
        const { synthesis, original } = await speakScene(deps.speech, {
          text,
          voice,
          prosody: prosodyOfVoice(doc.voice_config),
          vocabulary,
          signal: h.signal,
        });
        const key = subtitleKey(p.projectId, p.jobId, s.sequence_no);
        await deps.objects.put(key, Buffer.from(buildSrt(synthesis.words, original)), {
          contentType: 'application/x-subrip; charset=utf-8',
        });
        Object.assign(s, {
          state: 'GENERATE_SUCCEED',
          object_key: key,
          generate_time: wireTime(deps.clock.now()),
        });
      }
    } catch (e) {
      if (h.signal.aborted) throw e;
      if (isSpeechError(e)) {
        if (e.retryable && h.job.attempts < h.job.max_attempts) throw e;
        const app = speechErrorToApp(e);
        fail(app.code, app.message);
      } else if (isAppError(e)) fail(e.code, e.message);
      else throw e;
    }
    await save();
  }
  await repo.updateSubtitleJob(p.projectId, p.jobId, { scenes, job_state: 'GENERATED' }, deps.clock.now());
  await sendCallback(deps, p, job.script_id, h.logger, h.signal);
}

/**
 * The queue gave up (last attempt failed, or its worker died during it): the scenes still
 * GENERATING end GENERATE_FAILED with the reason, the job is GENERATED, the callback is sent.
 */
async function giveUp(deps: ModuleDeps, p: SubtitlePayload, ctx: GiveUpContext): Promise<void> {
  const repo = new VideosRepo(deps.db);
  const job = await repo.getSubtitleJob(p.projectId, p.jobId);
  if (!job || job.job_state === 'GENERATED') return;
  const scenes = (job.scenes as unknown as SubtitleScene[]).map((s) =>
    s.state === 'GENERATING'
      ? { ...s, state: 'GENERATE_FAILED' as const, error_code: VideoCodes.internal, error_msg: ctx.message }
      : s,
  );
  ctx.logger.warn({ projectId: p.projectId, jobId: p.jobId, reason: ctx.reason }, 'subtitle job given up');
  await repo.updateSubtitleJob(p.projectId, p.jobId, { scenes, job_state: 'GENERATED' }, deps.clock.now());
  await sendCallback(deps, p, job.script_id, ctx.logger, ctx.signal);
}

/** One attempt: the job's result stays readable through ShowSubtitleFile either way. */
async function sendCallback(
  deps: ModuleDeps,
  p: SubtitlePayload,
  scriptId: string,
  logger: TaskHelpers['logger'],
  signal: AbortSignal,
): Promise<void> {
  if (!p.callback?.callback_url) return;
  const repo = new VideosRepo(deps.db);
  await postCallback(
    {
      url: p.callback.callback_url,
      authType: p.callback.auth_type ?? 'NONE',
      ...(p.callback.key ? { key: p.callback.key } : {}),
    },
    { job_id: p.jobId, job_state: 'GENERATED', script_id: scriptId },
    {
      now: deps.clock.now().getTime(),
      allowPrivate: deps.allowPrivateFetch,
      signal,
      // One attempt: the subtitle file stays readable through ShowSubtitleFile either way.
      record: {
        log: new WebhookLog(deps.db),
        ref: { projectId: p.projectId, source: 'subtitle', resourceId: p.jobId },
        lastAttempt: true,
      },
    },
  ).then(
    () => repo.updateSubtitleJob(p.projectId, p.jobId, { callback_state: 'DELIVERED' }, deps.clock.now()),
    (err) => {
      logger.warn({ err, jobId: p.jobId }, 'subtitle file callback not delivered');
      return repo.updateSubtitleJob(p.projectId, p.jobId, { callback_state: 'FAILED' }, deps.clock.now());
    },
  );
}
