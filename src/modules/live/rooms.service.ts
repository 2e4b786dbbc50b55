// Smart live rooms: create / list / show / update / delete, and what the live jobs read and
// write through the module's index (the room document, rule and scene checks for REWRITE
// commands, the last-job columns, TEMP-room cleanup). Decides; SQL is in the repos.
import type {
  CreateSmartLiveRoomReq,
  LiveRoomInteractionRuleInfo,
  LiveVideoScriptInfo,
  OperationTypes,
  SmartLiveRoomBaseInfo,
} from '../../contract/generated/types.ts';
import type { Db } from '../../core/db/index.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import { visibleLiveAssets } from '../assets/index.ts';
import { existingRobots } from '../dialog-apps/index.ts';
import type { ModuleDeps } from '../types.ts';
import { checkInteractionRules, type LiveInteractionRule } from './interaction-rules.rules.ts';
import { LiveErrors } from './live.errors.ts';
import { checkAssetRefs } from './live.text.ts';
import { PlatformsRepo } from './platforms.repo.ts';
import { ProductsRepo } from './products.repo.ts';
import { type RoomListSpec, type RoomRow, RoomsRepo } from './rooms.repo.ts';
import {
  audioSeconds,
  checkLiveMedia,
  checkScenes,
  type LiveRoomBody,
  type LiveSceneScript,
  MIN_SCENE_AUDIO_SEC,
  type RoomRefs,
  roomBodyFromRequest,
} from './rooms.rules.ts';
import { RuleGroupsRepo } from './rule-groups.repo.ts';

type Types = OperationTypes;

/** A stored room as the live jobs read it: the validated body plus its row's own fields. */
export interface LiveRoomDoc extends LiveRoomBody {
  room_id: string;
  project_id: string;
  room_state: 'ENABLE' | 'DISABLE' | 'BLOCKED';
  script_version: string;
  last_job_id: string | null;
  last_job_status: string | null;
  create_time: Date;
  update_time: Date;
}

/** What a live job reports about itself onto its room (ListSmartLiveRooms shows it). */
export interface RoomJobReport {
  jobId: string;
  status: 'WAITING' | 'PROCESSING' | 'SUCCEED' | 'FAILED' | 'CANCELED' | 'BLOCKED';
  startTime?: Date | null;
  endTime?: Date | null;
}

/** Job states in which a room is busy: it cannot be deleted then. */
const BUSY = new Set(['WAITING', 'PROCESSING']);

/** Strictly increasing epoch-millisecond text: two updates in one millisecond still differ. */
export const nextScriptVersion = (prev: string | undefined, now: Date): string =>
  String(Math.max(now.getTime(), prev === undefined ? 0 : Number(prev) + 1));

export function roomDocOf(row: RoomRow): LiveRoomDoc {
  return {
    ...(row.body as unknown as LiveRoomBody),
    room_id: row.room_id,
    project_id: row.project_id,
    room_state: row.room_state,
    script_version: row.script_version,
    last_job_id: row.last_job_id,
    last_job_status: row.last_job_status,
    create_time: row.create_time,
    update_time: row.update_time,
  };
}

export class RoomsService {
  constructor(private readonly deps: ModuleDeps) {}

  async create(projectId: string, req: CreateSmartLiveRoomReq, appUserId: string | undefined) {
    const { body, refs } = roomBodyFromRequest(req);
    const now = this.deps.clock.now();
    const roomId = newId();
    await this.deps.db.transaction().execute(async (trx) => {
      const names = await this.resolve(trx, projectId, body, refs);
      await new RoomsRepo(trx).insert({
        ...columnsOf(body, names),
        project_id: projectId,
        room_id: roomId,
        script_version: nextScriptVersion(undefined, now),
        app_user_id: appUserId ?? null,
        create_time: now,
        update_time: now,
      });
    });
    return { room_id: roomId };
  }

  async list(projectId: string, q: Types['ListSmartLiveRooms']['query']) {
    const csv = (s: string | undefined) =>
      s
        ? s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean)
        : undefined;
    // Every room is confirmed (Doppel asks no tenant for a second confirmation).
    if (q.confirm_state && !csv(q.confirm_state)?.includes('CONFIRMED'))
      return { count: 0, smart_live_rooms: [] };
    const spec: RoomListSpec = {
      offset: q.offset,
      limit: q.limit,
      ...(q.room_name ? { roomName: q.room_name } : {}),
      ...(q.dh_id ? { modelId: q.dh_id } : {}),
      ...(q.model_name ? { modelName: q.model_name } : {}),
      ...(q.room_type ? { roomTypes: csv(q.room_type) } : {}),
      ...(q.live_state ? { jobStates: csv(q.live_state) } : {}),
      ...(q.start_time ? { since: new Date(q.start_time) } : {}),
      ...(q.end_time ? { until: new Date(q.end_time) } : {}),
    };
    const repo = new RoomsRepo(this.deps.db);
    const [rows, count] = await Promise.all([repo.page(projectId, spec), repo.count(projectId, spec)]);
    const models = await visibleLiveAssets(
      this.deps.db,
      projectId,
      rows.flatMap((r) => r.model_asset_ids),
      this.deps.clock.now(),
    );
    return {
      count,
      smart_live_rooms: rows.map((r): SmartLiveRoomBaseInfo => {
        const body = r.body as unknown as LiveRoomBody;
        return {
          room_id: r.room_id,
          project_id: r.project_id,
          room_name: r.room_name,
          room_type: r.room_type,
          room_state: r.room_state,
          view_mode: r.view_mode,
          room_description: r.room_description,
          model_infos: r.model_asset_ids.map((id) => ({
            model_asset_id: id,
            ...(models.get(id) ? { asset_name: models.get(id)?.asset_name } : {}),
            backup_model_asset_ids: body.backup_model_asset_ids,
          })),
          ...(body.shared_config ? { shared_config: body.shared_config } : {}),
          ...(body.priv_data !== undefined ? { priv_data: body.priv_data } : {}),
          create_time: wireTime(r.create_time),
          update_time: wireTime(r.update_time),
          ...(r.last_job_start_time ? { last_job_start_time: wireTime(r.last_job_start_time) } : {}),
          ...(r.last_job_end_time ? { last_job_end_time: wireTime(r.last_job_end_time) } : {}),
          ...(r.last_job_status
            ? { last_job_status: r.last_job_status as SmartLiveRoomBaseInfo['last_job_status'] }
            : {}),
          confirm_state: 'CONFIRMED',
        };
      }),
    };
  }

  async show(projectId: string, roomId: string) {
    const row = await new RoomsRepo(this.deps.db).get(projectId, roomId);
    if (!row) throw LiveErrors.roomNotFound(roomId);
    const doc = roomDocOf(row);
    const {
      project_id,
      last_job_id,
      last_job_status,
      create_time,
      update_time,
      relation_live_platform_info,
      ...wire
    } = doc;
    let platform: Record<string, string> | undefined;
    if (relation_live_platform_info) {
      const p = await new PlatformsRepo(this.deps.db).get(projectId, relation_live_platform_info.platform_id);
      platform = {
        platform_id: relation_live_platform_info.platform_id,
        live_id: relation_live_platform_info.live_id,
        ...(p ? { platform: p.name } : {}),
        ...(p?.account ? { account: p.account } : {}),
      };
    }
    return {
      ...wire,
      ...(platform ? { relation_live_platform_info: platform } : {}),
      confirm_state: 'CONFIRMED' as const,
      create_time: wireTime(create_time),
      update_time: wireTime(update_time),
    };
  }

  /** PUT: the request replaces the room's content whole (ERRATA 61); script_version moves on. */
  async update(projectId: string, roomId: string, req: CreateSmartLiveRoomReq) {
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new RoomsRepo(trx);
      const row = await repo.get(projectId, roomId, { forUpdate: true });
      if (!row) throw LiveErrors.roomNotFound(roomId);
      const old = row.body as unknown as LiveRoomBody;
      const sceneIds = new Map(old.scene_scripts.map((s) => [s.script_name, s.script_id]));
      const { body, refs } = roomBodyFromRequest(req, { sceneIds });
      const names = await this.resolve(trx, projectId, body, refs);
      const now = this.deps.clock.now();
      await repo.update(projectId, roomId, {
        ...columnsOf(body, names),
        script_version: nextScriptVersion(row.script_version, now),
        update_time: now,
      });
    });
    return this.show(projectId, roomId);
  }

  async delete(projectId: string, roomId: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new RoomsRepo(trx);
      const row = await repo.get(projectId, roomId, { forUpdate: true });
      if (!row) throw LiveErrors.roomNotFound(roomId);
      if (row.last_job_status && BUSY.has(row.last_job_status))
        throw LiveErrors.inUse(
          `live room ${roomId} has a ${row.last_job_status} live job (${row.last_job_id}); stop it first`,
        );
      await repo.delete(projectId, roomId);
    });
  }

  // ── for the live jobs (through index.ts) ──────────────────────────────────

  async getDoc(projectId: string, roomId: string, db: Db = this.deps.db): Promise<LiveRoomDoc | undefined> {
    const row = await new RoomsRepo(db).get(projectId, roomId);
    return row ? roomDocOf(row) : undefined;
  }

  /** REWRITE_INTERACTION_RULES: the new rules, checked against the room as a create would. */
  async checkRules(
    projectId: string,
    rules: readonly LiveRoomInteractionRuleInfo[],
    room: LiveRoomBody,
    db: Db = this.deps.db,
  ): Promise<LiveInteractionRule[]> {
    const checked = checkInteractionRules(rules, {
      at: 'interaction_rules',
      sceneNames: new Set(room.scene_scripts.map((s) => s.script_name)),
      hasCoStreamer: room.co_streamer_config !== undefined,
    });
    const refs = emptyRefs();
    refs.assets.push(...checked.assetRefs);
    checked.rules.forEach((r, i) => {
      if (r.group_id)
        refs.ruleGroups.push({ field: `interaction_rules[${i}].group_id`, groupId: r.group_id, rule: i });
    });
    const body = { ...room, interaction_rules: checked.rules };
    await this.resolve(db, projectId, { ...body, scene_scripts: [] }, refs);
    return body.interaction_rules;
  }

  /** REWRITE_PLAY_SCRIPT: new scene scripts, checked with the room's play policy. */
  async checkScenes(
    projectId: string,
    scenes: readonly LiveVideoScriptInfo[],
    room: LiveRoomBody,
    db: Db = this.deps.db,
  ): Promise<LiveSceneScript[]> {
    const refs = emptyRefs();
    const keep = new Map(room.scene_scripts.map((s) => [s.script_name, s.script_id]));
    const checked = checkScenes(scenes, room.play_policy, refs, keep);
    const body = { ...room, scene_scripts: checked, interaction_rules: [] };
    await this.resolve(db, projectId, body, refs);
    return body.scene_scripts;
  }

  async recordJob(
    projectId: string,
    roomId: string,
    job: RoomJobReport,
    db: Db = this.deps.db,
  ): Promise<void> {
    await new RoomsRepo(db).update(projectId, roomId, {
      last_job_id: job.jobId,
      last_job_status: job.status,
      ...(job.startTime !== undefined ? { last_job_start_time: job.startTime } : {}),
      ...(job.endTime !== undefined ? { last_job_end_time: job.endTime } : {}),
    });
  }

  /** After a job of a TEMP room ends, the room goes (SEMANTICS §3.4). True when it was removed. */
  async cleanupTempRoom(projectId: string, roomId: string, db: Db = this.deps.db): Promise<boolean> {
    const repo = new RoomsRepo(db);
    const row = await repo.get(projectId, roomId);
    if (row?.room_type !== 'TEMP') return false;
    return repo.delete(projectId, roomId);
  }

  /**
   * Checks every reference in place (assets, media limits, products, rule libraries, the
   * platform), fills product_title and group_name, and returns the scene models' names.
   */
  private async resolve(db: Db, projectId: string, body: LiveRoomBody, refs: RoomRefs): Promise<string> {
    const now = this.deps.clock.now();
    const assets = await visibleLiveAssets(
      db,
      projectId,
      [...refs.assets, ...refs.mediaAssets]
        .map((r) => r.assetId)
        .concat(refs.sceneAudioAssets.flatMap((s) => s.assetIds)),
      now,
    );
    checkAssetRefs(refs.assets, assets);
    for (const r of refs.mediaAssets)
      checkLiveMedia(r.field, r.assetId, assets.get(r.assetId)?.asset_extra_meta ?? {});
    for (const s of refs.sceneAudioAssets) {
      if (!s.allAssets || s.assetIds.length === 0) continue;
      const secs = s.assetIds.map((id) => audioSeconds(assets.get(id)?.asset_extra_meta ?? {}));
      if (secs.some((x) => x === undefined)) continue;
      const total = secs.reduce<number>((a, b) => a + (b ?? 0), 0);
      if (total <= MIN_SCENE_AUDIO_SEC)
        throw LiveErrors.invalid(
          `scene_scripts[${s.scene}]: its audio lasts ${total} s; an audio-driven live scene needs more than ${MIN_SCENE_AUDIO_SEC} s`,
        );
    }
    const products = await new ProductsRepo(db).many(
      projectId,
      refs.products.map((p) => p.productId),
    );
    for (const ref of refs.products) {
      const p = products.get(ref.productId);
      if (!p || p.state === 'DELETED') throw LiveErrors.productNotFound(ref.field, ref.productId);
      const para = body.scene_scripts[ref.at[0]]?.shoot_scripts[ref.at[1]];
      if (para?.relation_product && !para.relation_product.product_title)
        para.relation_product.product_title = p.name;
    }
    const groups = await new RuleGroupsRepo(db).many(
      projectId,
      refs.ruleGroups.map((g) => g.groupId),
    );
    for (const ref of refs.ruleGroups) {
      const g = groups.get(ref.groupId);
      if (!g) throw LiveErrors.ruleGroupNotFound(ref.field, ref.groupId);
      const rule = body.interaction_rules[ref.rule];
      if (rule) rule.group_name = g.group_name;
    }
    // INTELLIGENT_REPLY rules name a robot of the project (its answer is the reply).
    const robotRefs = body.interaction_rules.flatMap((r, i) =>
      r.trigger.reply_mode === 'INTELLIGENT_REPLY' && r.trigger.robot_id
        ? [{ i, id: r.trigger.robot_id }]
        : [],
    );
    if (robotRefs.length > 0) {
      const known = await existingRobots(db, projectId, [...new Set(robotRefs.map((r) => r.id))]);
      for (const r of robotRefs)
        if (!known.has(r.id))
          throw LiveErrors.intelligentReplyRobot(
            `interaction_rules[${r.i}].trigger.robot_id`,
            `no robot ${r.id} in this project`,
          );
    }
    if (refs.platformId) {
      const p = await new PlatformsRepo(db).get(projectId, refs.platformId);
      if (!p) throw LiveErrors.platformNotFound('relation_live_platform_info.platform_id', refs.platformId);
      if (
        body.live_event_callback_config?.is_inheritance_platform_callback &&
        !p.callback_config.some((c) => c.api_type === 'LIVE_EVENT_CALLBACK')
      )
        throw LiveErrors.invalid(
          `live_event_callback_config.is_inheritance_platform_callback: platform ${p.platform_id} has no LIVE_EVENT_CALLBACK url`,
        );
    }
    return [...new Set(body.scene_scripts.map((s) => s.model_asset_id ?? ''))]
      .map((id) => assets.get(id)?.asset_name ?? '')
      .filter(Boolean)
      .join('\n');
  }
}

const emptyRefs = (): RoomRefs => ({
  assets: [],
  sceneAudioAssets: [],
  mediaAssets: [],
  products: [],
  ruleGroups: [],
});

function columnsOf(body: LiveRoomBody, modelNames: string) {
  return {
    room_name: body.room_name,
    room_description: body.room_description,
    room_type: body.room_type,
    view_mode: body.view_mode,
    model_asset_ids: JSON.stringify([
      ...new Set(body.scene_scripts.map((s) => s.model_asset_id ?? '').filter(Boolean)),
    ]),
    model_names: modelNames,
    platform_id: body.relation_live_platform_info?.platform_id ?? null,
    body: JSON.stringify(body),
  };
}
