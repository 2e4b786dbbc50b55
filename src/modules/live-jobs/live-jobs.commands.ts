// ExecuteSmartLiveCommand: what a running job does with each command. Commands reach the stream
// through live-jobs.delivery (this process's registry, or the bus to the worker that streams the
// job, which runs `runOn` there; ERRATA 87). Every command that runs is written to the job's
// command_log with its result; a command the job cannot honour is a 400, never a no-op.
import type { ExecuteSmartLiveCommandResponse, OperationTypes } from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { parseSpeechInput } from '../../engines/speech/ssml.ts';
import { isSpeechError } from '../../engines/speech/types.ts';
import type { PlayMode } from '../../engines/stream/index.ts';
import { checkOutputs, type LiveRooms, playPolicyOf } from '../live/index.ts';
import type { ModuleDeps } from '../types.ts';
import { AudioUnusable, fetchAudioUrl } from './live-audio.ts';
import { hlsUrl } from './live-hls.ts';
import type { LiveDelivery } from './live-jobs.delivery.ts';
import { LiveJobErrors } from './live-jobs.errors.ts';
import { LiveJobsRepo } from './live-jobs.repo.ts';
import { type LiveRun, pushUrl } from './live-jobs.run.ts';
import {
  checkCallbackRules,
  type LiveJobsService,
  MAX_EXCEPTION_WAIT_MIN,
  MAX_LIVE_HOURS,
} from './live-jobs.service.ts';

type Body = OperationTypes['ExecuteSmartLiveCommand']['body'];
type Command = Body['command'];
const PLAY_TYPES: readonly PlayMode[] = ['PLAY_NOW', 'INSERT', 'APPEND'];
export const MAX_INSERT_TEXT = 131_072;

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export class LiveJobCommands {
  constructor(
    private readonly deps: ModuleDeps,
    private readonly rooms: LiveRooms,
    private readonly delivery: LiveDelivery,
    private readonly jobs: LiveJobsService,
  ) {
    delivery.on('command', (run, projectId, m) =>
      this.runOn(projectId, m.roomId, run, m.command as Command, m.params, m.commandId),
    );
  }

  async execute(
    projectId: string,
    roomId: string,
    jobId: string,
    body: Body,
  ): Promise<ExecuteSmartLiveCommandResponse> {
    const row = await this.jobs.row(projectId, roomId, jobId);
    if (row.state !== 'PROCESSING') throw LiveJobErrors.notRunning(jobId, row.state);
    const commandId = newId();
    const params = obj(body.params);
    const result = await this.delivery.deliver(
      projectId,
      jobId,
      { kind: 'command', roomId, command: body.command, params, commandId },
      body.command,
    );
    const text = typeof result === 'string' ? result : JSON.stringify(result);
    await new LiveJobsRepo(this.deps.db).logCommand(
      projectId,
      jobId,
      {
        command_id: commandId,
        command: body.command,
        params,
        result: text,
        time: this.deps.clock.now().toISOString(),
      },
      this.deps.clock.now(),
    );
    return { command_id: commandId, command: body.command, result: text };
  }

  /** Runs a command on a stream of this process (called by the delivery, here or in the worker). */
  async runOn(
    projectId: string,
    roomId: string,
    run: LiveRun,
    command: Command,
    params: Record<string, unknown>,
    commandId: string,
  ): Promise<unknown> {
    switch (command) {
      case 'INSERT_PLAY_SCRIPT': {
        const text = obj(params.text_config).text;
        if (typeof text !== 'string' || text.length < 1 || text.length > MAX_INSERT_TEXT)
          throw LiveJobErrors.invalid(`params.text_config.text: 1-${MAX_INSERT_TEXT} characters`);
        try {
          parseSpeechInput(text, { maxChars: MAX_INSERT_TEXT });
        } catch (e) {
          if (isSpeechError(e)) throw LiveJobErrors.invalid(`params.text_config.text: ${e.message}`);
          throw e;
        }
        const mode = playTypeOf(params, 'PLAY_NOW');
        checkRole(command, params);
        return { reply_id: run.say(text, mode, commandId), play_type: mode };
      }
      case 'INSERT_PLAY_AUDIO': {
        const url = params.audio_url;
        if (typeof url !== 'string' || !/^https?:\/\//i.test(url))
          throw LiveJobErrors.invalid('params.audio_url: an http(s) URL of an MP3, WAV or M4A file');
        const mode = playTypeOf(params, 'APPEND');
        checkRole(command, params);
        const audio = await this.fetchAudio(url, command);
        return { reply_id: run.say('', mode, commandId, audio), play_type: mode };
      }
      case 'GET_CURRENT_PLAYING_SCRIPTS': {
        const now = run.stream.nowPlaying();
        if (!now) return { playing: false };
        const p = now.item.payload;
        const scene = run.config.scene_scripts[p.scene];
        const para = p.step ? scene?.shoot_scripts[p.step.paragraph] : undefined;
        return {
          playing: true,
          kind: now.item.kind === 'script' ? 'SCRIPT' : 'INSERT',
          scene_script_name: scene?.script_name,
          ...(para
            ? { shoot_script_sequence_no: para.sequence_no, shoot_script_title: para.title ?? '' }
            : {}),
          ...(p.position ? { round: p.position.round } : {}),
          ...(run.hostAssetId ? { model_asset_id: run.hostAssetId } : {}),
          ...(p.source?.startsWith('rule:') ? { rule_index: p.source.slice(5) } : {}),
          ...(p.source && !p.source.startsWith('rule:') ? { command_id: p.source } : {}),
          sentence: now.sentence,
          frame: now.frame,
        };
      }
      case 'REWRITE_PLAY_SCRIPT': {
        const room = await this.rooms.get(projectId, roomId);
        if (!room) throw LiveJobErrors.roomNotFound(roomId);
        const body = { ...room, play_policy: run.config.play_policy };
        const scenes = await this.rooms.checkScenes(
          projectId,
          asArray(params.scene_scripts, 'params.scene_scripts'),
          body,
        );
        run.rewriteScenes(scenes, run.config.play_policy.is_rewrite_delay);
        return { scene_scripts: scenes.length, delayed: run.config.play_policy.is_rewrite_delay };
      }
      case 'REWRITE_INTERACTION_RULES': {
        const room = await this.rooms.get(projectId, roomId);
        if (!room) throw LiveJobErrors.roomNotFound(roomId);
        const rules = await this.rooms.checkRules(
          projectId,
          asArray(params.interaction_rules, 'params.interaction_rules'),
          { ...room, scene_scripts: run.config.scene_scripts },
        );
        checkCallbackRules(rules, run.config.interaction_callback !== undefined, 'params.interaction_rules');
        run.rewriteRules(rules);
        return { interaction_rules: rules.length };
      }
      case 'GET_LIVE_JOB_CONFIG_INFO': {
        const c = run.config;
        return {
          play_policy: c.play_policy,
          video_config: c.video_config,
          output_urls: c.output_urls,
          // Stream keys are secrets: only whether one is set.
          stream_keys: c.stream_keys.map(() => '******'),
          scene_scripts: c.scene_scripts.map((s) => ({
            script_name: s.script_name,
            shoot_scripts: s.shoot_scripts.length,
          })),
          interaction_rules: c.interaction_rules.length,
          // Doppel's own preview of the stream (ERRATA 99).
          hls_url: hlsUrl(this.deps, { projectId, jobId: run.jobId }, this.deps.clock.now().getTime()),
        };
      }
      case 'CLEAN_UP_INSERT_COMMAND':
        return { removed: run.stream.cleanUp().map((i) => i.id) };
      case 'RESET_EXIT_CONFIG': {
        const exit = playPolicyOf({
          live_exit_config: obj(params.live_exit_config) as never,
        }).live_exit_config;
        if (
          !Number.isFinite(exit.max_live_duration) ||
          exit.max_live_duration < 0 ||
          exit.max_live_duration > MAX_LIVE_HOURS
        )
          throw LiveJobErrors.invalid(`params.live_exit_config.max_live_duration: 0-${MAX_LIVE_HOURS} hours`);
        if (
          exit.max_exception_waiting_duration < 0 ||
          exit.max_exception_waiting_duration > MAX_EXCEPTION_WAIT_MIN
        )
          throw LiveJobErrors.invalid(
            `params.live_exit_config.max_exception_waiting_duration: 0-${MAX_EXCEPTION_WAIT_MIN} minutes`,
          );
        if (!['FORCE_EXIT', 'SEGMENT_END', 'SCENE_END', 'SCRIPT_END'].includes(exit.auto_stop_mode))
          throw LiveJobErrors.invalid(
            'params.live_exit_config.auto_stop_mode: FORCE_EXIT, SEGMENT_END, SCENE_END or SCRIPT_END',
          );
        // The duration counts from now (ERRATA 87).
        run.config = {
          ...run.config,
          play_policy: { ...run.config.play_policy, live_exit_config: exit },
          exit_since: this.deps.clock.now().toISOString(),
        };
        return { live_exit_config: exit };
      }
      case 'REFRESH_OUTPUT_URL': {
        const urls = asArray(params.output_urls, 'params.output_urls') as string[];
        const keys = (
          params.stream_keys === undefined ? [] : asArray(params.stream_keys, 'params.stream_keys')
        ) as string[];
        if (urls.length !== 1) throw LiveJobErrors.invalid('params.output_urls: exactly one RTMP URL');
        const out = checkOutputs(urls, keys, 'params.output_urls', 'params.stream_keys');
        run.config = { ...run.config, output_urls: out.urls, stream_keys: out.keys };
        const key = out.keys[0];
        run.stream.retarget(pushUrl(out.urls[0], key));
        return { output_urls: out.urls };
      }
      default:
        throw LiveJobErrors.commandUnsupported(String(command), 'unknown command');
    }
  }

  /** Downloads (SSRF-guarded, size and time limits) and decodes an inserted recording. */
  private async fetchAudio(url: string, command: string) {
    try {
      return await fetchAudioUrl(this.deps, url);
    } catch (e) {
      if (!(e instanceof AudioUnusable)) throw e;
      if (e.stage === 'decode') throw LiveJobErrors.invalid(`params.audio_url: the file ${e.message}`);
      throw LiveJobErrors.commandUnsupported(command, `params.audio_url ${e.message}`);
    }
  }
}

function playTypeOf(params: Record<string, unknown>, fallback: PlayMode): PlayMode {
  const t = params.play_type ?? fallback;
  if (!PLAY_TYPES.includes(t as PlayMode))
    throw LiveJobErrors.invalid(`params.play_type ${String(t)}: one of ${PLAY_TYPES.join(', ')}`);
  return t as PlayMode;
}

/** Doppel streams one host: a CO_STREAMER reply cannot be spoken by anyone else (ERRATA 87). */
function checkRole(command: string, params: Record<string, unknown>): void {
  const role = params.play_role ?? 'STREAMER';
  if (role === 'STREAMER') return;
  if (role === 'CO_STREAMER')
    throw LiveJobErrors.commandUnsupported(command, 'this server streams no co-streamer');
  throw LiveJobErrors.invalid(`params.play_role ${String(role)}: STREAMER or CO_STREAMER`);
}

function asArray(v: unknown, field: string): never[] {
  if (!Array.isArray(v) || v.length === 0) throw LiveJobErrors.invalid(`${field}: a non-empty array`);
  return v as never[];
}
