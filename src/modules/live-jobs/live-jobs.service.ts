// Live jobs: StartSmartLive (the room's snapshot with the request's overrides, checked now;
// row + queue task in one transaction), ShowSmartLive, ListSmartLive (one room),
// ListSmartLiveJobs (the tenant), StopSmartLive. The streaming is the `live.run` task.
import type { OperationTypes, StartSmartLiveResponse } from '../../contract/generated/types.ts';
import type { BlockedAddressError } from '../../core/net/safe-fetch.ts';
import { checkUrlShape } from '../../core/net/ssrf.ts';
import { newId } from '../../core/util/ids.ts';
import { parseWireTime } from '../assets/index.ts';
import {
  checkEventCallbackConfig,
  checkOutputs,
  type LiveRoomDoc,
  type LiveRooms,
  playPolicyOf,
  videoConfigOf,
} from '../live/index.ts';
import type { ModuleDeps } from '../types.ts';
import { eventTargetOf, interactionTargetOf } from './live-callbacks.rules.ts';
import { jobReportUrl } from './live-events.service.ts';
import { LiveJobErrors } from './live-jobs.errors.ts';
import { LiveJobTasks } from './live-jobs.jobs.ts';
import type { LiveJobRegistry } from './live-jobs.registry.ts';
import { type LiveJobListSpec, type LiveJobRow, type LiveJobState, LiveJobsRepo } from './live-jobs.repo.ts';
import { ENDED, jobWire, startWarnings } from './live-jobs.rules.ts';
import type { LiveJobConfig } from './live-jobs.run.ts';

type Types = OperationTypes;

const STATES: readonly LiveJobState[] = ['WAITING', 'PROCESSING', 'SUCCEED', 'FAILED', 'BLOCKED'];
const SORT_KEYS = ['create_time', 'start_time', 'end_time', 'update_time'] as const;
export const MAX_LIVE_HOURS = 168;
export const MAX_EXCEPTION_WAIT_MIN = 60;

export class LiveJobsService {
  constructor(
    private readonly deps: ModuleDeps,
    private readonly rooms: LiveRooms,
    private readonly registry: LiveJobRegistry,
  ) {}

  private async room(projectId: string, roomId: string): Promise<LiveRoomDoc> {
    const room = await this.rooms.get(projectId, roomId);
    if (!room) throw LiveJobErrors.roomNotFound(roomId);
    return room;
  }

  async start(
    projectId: string,
    roomId: string,
    body: Types['StartSmartLive']['body'],
    appUserId: string | undefined,
  ): Promise<StartSmartLiveResponse> {
    const room = await this.room(projectId, roomId);
    if (room.room_type === 'TEMPLATE')
      throw LiveJobErrors.roomUnusable(roomId, 'a TEMPLATE room is not streamed');
    if (room.room_state !== 'ENABLE')
      throw LiveJobErrors.roomUnusable(roomId, `the room is ${room.room_state}`);
    const platformId = room.live_event_callback_config?.is_inheritance_platform_callback
      ? room.relation_live_platform_info?.platform_id
      : undefined;
    const platform = platformId ? await this.rooms.platformEventCallback(projectId, platformId) : undefined;
    const config = jobConfigOf(room, body ?? {}, platform);
    const jobId = newId();
    const now = this.deps.clock.now();
    const single = body?.job_run_config?.single_job_in_room === true;
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new LiveJobsRepo(trx);
      await repo.lockRoom(projectId, roomId);
      // single_job_in_room on either side: the new job, or a running job that asked for it.
      const running = await repo.running(projectId, roomId);
      const blocker = running.find((r) => single || r.single_job);
      if (blocker) throw LiveJobErrors.roomBusy(roomId, blocker.job_id);
      await repo.insert({
        project_id: projectId,
        job_id: jobId,
        room_id: roomId,
        room_name: room.room_name,
        state: 'WAITING',
        config: JSON.stringify(config),
        single_job: single,
        command_log: '[]',
        error_code: null,
        error_msg: null,
        block_reason: null,
        position: null,
        app_user_id: appUserId ?? null,
        start_time: null,
        end_time: null,
        create_time: now,
        update_time: now,
      });
      await this.rooms.recordJob(projectId, roomId, { jobId, status: 'WAITING' }, trx);
      await this.deps.queue.enqueue(
        LiveJobTasks.run,
        { projectId, jobId },
        { trx, projectId, jobKey: `live:${projectId}:${jobId}` },
      );
    });
    const hours = config.play_policy.live_exit_config.max_live_duration;
    return {
      job_id: jobId,
      live_event_report_url: jobReportUrl(this.deps, { projectId, roomId, jobId }),
      live_warning_info: startWarnings({ ...room, ...config }),
      ...(hours > 0 ? { limit_duration: hours * 60 } : {}),
    };
  }

  /** The job, when it belongs to the room. */
  async row(projectId: string, roomId: string, jobId: string): Promise<LiveJobRow> {
    const row = await new LiveJobsRepo(this.deps.db).get(projectId, jobId);
    if (!row || row.room_id !== roomId) throw LiveJobErrors.jobNotFound(jobId);
    return row;
  }

  async show(projectId: string, roomId: string, jobId: string) {
    return this.wire(await this.row(projectId, roomId, jobId));
  }

  async listRoom(projectId: string, roomId: string, q: Types['ListSmartLive']['query']) {
    await this.room(projectId, roomId);
    return this.list(projectId, { ...listSpecOf(q), roomId });
  }

  listTenant(projectId: string, q: Types['ListSmartLiveJobs']['query']) {
    return this.list(projectId, { ...listSpecOf(q), ...(q.room_name ? { roomName: q.room_name } : {}) });
  }

  private async list(projectId: string, spec: LiveJobListSpec) {
    const repo = new LiveJobsRepo(this.deps.db);
    const [rows, count] = await Promise.all([repo.page(projectId, spec), repo.count(projectId, spec)]);
    const now = this.deps.clock.now();
    return { count, smart_live_jobs: rows.map((r) => this.wire(r, now)) };
  }

  /** The job on the wire; one that has not ended carries a fresh report URL. */
  private wire(row: LiveJobRow, now = this.deps.clock.now()) {
    const w = jobWire(row, now);
    if (ENDED.has(row.state)) return w;
    const t = { projectId: row.project_id, roomId: row.room_id, jobId: row.job_id };
    return { ...w, live_event_report_url: jobReportUrl(this.deps, t) };
  }

  /**
   * A WAITING job ends SUCCEED at once; a PROCESSING one is asked to stop (its worker ends it
   * SUCCEED within about a second). An ended job answers 400.
   */
  async stop(projectId: string, roomId: string, jobId: string): Promise<void> {
    const row = await this.row(projectId, roomId, jobId);
    if (ENDED.has(row.state)) throw LiveJobErrors.notRunning(jobId, row.state);
    const repo = new LiveJobsRepo(this.deps.db);
    const now = this.deps.clock.now();
    if (
      row.state === 'WAITING' &&
      (await repo.transition(
        projectId,
        jobId,
        ['WAITING'],
        { state: 'SUCCEED', end_time: now, stop_requested: true },
        now,
      ))
    ) {
      await this.rooms.recordJob(projectId, roomId, { jobId, status: 'SUCCEED', endTime: now });
      await this.rooms.cleanupTempRoom(projectId, roomId);
      return;
    }
    await repo.transition(projectId, jobId, ['WAITING', 'PROCESSING'], { stop_requested: true }, now);
    this.registry.get(projectId, jobId)?.stop();
  }
}

/**
 * The room with the request's overrides, checked as a room update would check them;
 * `platform` is the room's platform's LIVE_EVENT_CALLBACK receiver when the room inherits it.
 */
export function jobConfigOf(
  room: LiveRoomDoc,
  body: Types['StartSmartLive']['body'],
  platform?: { url: string; key: string },
): LiveJobConfig {
  const { video } = videoConfigOf(body.video_config ?? room.video_config, body.view_mode);
  const policy = body.play_policy ? playPolicyOf(body.play_policy) : room.play_policy;
  const exit = policy.live_exit_config;
  if (exit.max_live_duration < 0 || exit.max_live_duration > MAX_LIVE_HOURS)
    throw LiveJobErrors.invalid(`play_policy.live_exit_config.max_live_duration: 0-${MAX_LIVE_HOURS} hours`);
  if (exit.max_exception_waiting_duration < 0 || exit.max_exception_waiting_duration > MAX_EXCEPTION_WAIT_MIN)
    throw LiveJobErrors.invalid(
      `play_policy.live_exit_config.max_exception_waiting_duration: 0-${MAX_EXCEPTION_WAIT_MIN} minutes`,
    );
  const outputs = body.output_urls
    ? checkOutputs(body.output_urls, body.stream_keys ?? [], 'output_urls', 'stream_keys')
    : { urls: room.output_urls, keys: room.stream_keys };
  if (body.live_event_callback_config) checkEventCallbackConfig(body.live_event_callback_config);
  const target = eventTargetOf(room.live_event_callback_config, body.live_event_callback_config, platform);
  const interactionUrl = body.interaction_callback_url || undefined;
  if (interactionUrl) {
    try {
      checkUrlShape(interactionUrl);
    } catch (e) {
      throw LiveJobErrors.invalid(`interaction_callback_url: ${(e as BlockedAddressError).reason ?? e}`);
    }
  }
  checkCallbackRules(room.interaction_rules, interactionUrl !== undefined, 'interaction_rules');
  const interaction = interactionTargetOf(interactionUrl, target);
  return {
    ...(target ? { event_callback: target } : {}),
    ...(interaction ? { interaction_callback: interaction } : {}),
    scene_scripts: room.scene_scripts,
    interaction_rules: room.interaction_rules,
    play_policy: policy,
    video_config: { width: video.width, height: video.height, bitrate: video.bitrate },
    output_urls: outputs.urls,
    stream_keys: outputs.keys,
    backup_model_asset_ids: room.backup_model_asset_ids,
  };
}

/** A CALLBACK rule needs somewhere to call: the job's interaction_callback_url (ERRATA 100). */
export function checkCallbackRules(
  rules: readonly { trigger: { reply_mode: string } }[],
  hasUrl: boolean,
  field: string,
): void {
  if (hasUrl) return;
  const i = rules.findIndex(
    (r) => r.trigger.reply_mode === 'CALLBACK' || r.trigger.reply_mode === 'SYSTEM_REPLY_AND_CALLBACK',
  );
  if (i >= 0)
    throw LiveJobErrors.invalid(
      `${field}[${i}].trigger.reply_mode ${rules[i].trigger.reply_mode} needs the job's interaction_callback_url (StartSmartLive)`,
    );
}

function listSpecOf(q: Types['ListSmartLive']['query']): LiveJobListSpec {
  const states = q.state
    ? q.state
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
  for (const s of states ?? [])
    if (!(STATES as readonly string[]).includes(s))
      throw LiveJobErrors.invalid(`state ${s}: one of ${STATES.join(', ')}`);
  const sortKey = q.sort_key || 'create_time';
  if (!(SORT_KEYS as readonly string[]).includes(sortKey))
    throw LiveJobErrors.invalid(`sort_key ${sortKey}: one of ${SORT_KEYS.join(', ')}`);
  const dir = (q.sort_dir || 'desc').toLowerCase();
  if (dir !== 'asc' && dir !== 'desc') throw LiveJobErrors.invalid(`sort_dir ${q.sort_dir}: asc or desc`);
  return {
    offset: q.offset,
    limit: q.limit,
    ...(states ? { states: states as LiveJobState[] } : {}),
    ...(q.create_since ? { since: parseWireTime('create_since', q.create_since) } : {}),
    ...(q.create_until ? { until: parseWireTime('create_until', q.create_until) } : {}),
    sortKey: sortKey as LiveJobListSpec['sortKey'],
    sortDir: dir,
  };
}
