// Virtual Avatar Dialog Management: smart chat rooms. A room names the avatar, voices,
// video and layout of a dialog, the robot that answers, and how many dialogs may run at once.
import type {
  OperationTypes,
  ShowSmartChatRoomResponse,
  SmartChatRoomBaseInfo,
  VoiceConfigRsp,
} from '../../contract/generated/types.ts';
import type { Db } from '../../core/db/index.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import { visibleLiveAssets } from '../assets/index.ts';
import type { ModuleDeps } from '../types.ts';
import { type ChatRoomRow, ChatRoomsRepo } from './chat-rooms.repo.ts';
import { type ChatRoomBody, checkChatRoom, type RoomAssetRef } from './chat-rooms.rules.ts';
import { CodesRepo } from './codes.repo.ts';
import { DialogAppsErrors } from './dialog-apps.errors.ts';
import { checkId } from './dialog-apps.rules.ts';
import { RobotsRepo } from './robots.repo.ts';

type T = OperationTypes;

const LANGUAGE_DESC: Record<string, string> = {
  CN: 'Chinese',
  EN: 'English',
  ESP: 'Spanish',
  por: 'Portuguese',
  Arabic: 'Arabic',
  Thai: 'Thai',
};

export class ChatRoomsService {
  constructor(private readonly deps: ModuleDeps) {}

  async create(projectId: string, req: T['CreateSmartChatRoom']['body'], appUserId: string | undefined) {
    if (!req) throw DialogAppsErrors.invalid('a request body is required');
    const body = await this.checked(this.deps.db, projectId, req);
    const now = this.deps.clock.now();
    const roomId = newId();
    await new ChatRoomsRepo(this.deps.db).insert({
      project_id: projectId,
      room_id: roomId,
      ...columnsOf(body),
      body: JSON.stringify(body),
      app_user_id: appUserId ?? null,
      create_time: now,
      update_time: now,
    });
    return { room_id: roomId };
  }

  async list(projectId: string, q: T['ListSmartChatRooms']['query']) {
    const since = q.start_time === undefined ? undefined : parseTime(q.start_time, 'start_time');
    const until = q.end_time === undefined ? undefined : parseTime(q.end_time, 'end_time');
    let rows = await new ChatRoomsRepo(this.deps.db).all(projectId, {
      roomName: q.room_name,
      createSince: since,
      createUntil: until,
    });
    const models = await visibleLiveAssets(
      this.deps.db,
      projectId,
      rows.flatMap((r) => (r.model_asset_id ? [r.model_asset_id] : [])),
      this.deps.clock.now(),
    );
    if (q.model_name) {
      const needle = q.model_name.toLowerCase();
      rows = rows.filter((r) => {
        const name = r.model_asset_id ? models.get(r.model_asset_id)?.asset_name : undefined;
        return name?.toLowerCase().includes(needle) ?? false;
      });
    }
    const page = rows.slice(q.offset, q.offset + q.limit);
    return {
      count: rows.length,
      count_concurrency: rows.reduce((n, r) => n + r.concurrency, 0),
      count_client_nums: rows.reduce((n, r) => n + r.client_nums, 0),
      count_client_nums_token: 0,
      smart_chat_rooms: page.map((r) => baseInfoOf(r, models.get(r.model_asset_id ?? '')?.asset_name)),
    };
  }

  async show(projectId: string, roomId: string) {
    const row = await new ChatRoomsRepo(this.deps.db).get(projectId, checkId(roomId, 'room_id'));
    if (!row) throw DialogAppsErrors.chatRoomNotFound(roomId);
    return detailOf(row);
  }

  /** The body replaces the room's settings whole (the contract's update body is the create body). */
  async update(projectId: string, roomId: string, req: T['UpdateSmartChatRoom']['body']) {
    checkId(roomId, 'room_id');
    if (!req) throw DialogAppsErrors.invalid('a request body is required');
    return this.deps.db.transaction().execute(async (trx) => {
      const repo = new ChatRoomsRepo(trx);
      const row = await repo.get(projectId, roomId, true);
      if (!row) throw DialogAppsErrors.chatRoomNotFound(roomId);
      const body = await this.checked(trx, projectId, req);
      const now = this.deps.clock.now();
      await repo.update(projectId, roomId, {
        ...columnsOf(body),
        body: JSON.stringify(body),
        update_time: now,
      });
      return detailOf({
        ...row,
        ...columnsOf(body),
        body: body as unknown as Record<string, unknown>,
        update_time: now,
      });
    });
  }

  /** The room's activation codes go with it. */
  async delete(projectId: string, roomId: string): Promise<void> {
    checkId(roomId, 'room_id');
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await new ChatRoomsRepo(trx).delete(projectId, roomId)))
        throw DialogAppsErrors.chatRoomNotFound(roomId);
      await new CodesRepo(trx).deleteActiveCodesOfRoom(projectId, roomId);
    });
  }

  private async checked(db: Db, projectId: string, req: ChatRoomBody): Promise<ChatRoomBody> {
    const { body, refs } = checkChatRoom(req);
    if (body.robot_id !== undefined && !(await new RobotsRepo(db).get(projectId, body.robot_id)))
      throw DialogAppsErrors.robotNotFound(body.robot_id);
    await checkAssets(db, projectId, refs, this.deps.clock.now());
    return body;
  }
}

async function checkAssets(db: Db, projectId: string, refs: RoomAssetRef[], now: Date): Promise<void> {
  if (refs.length === 0) return;
  const found = await visibleLiveAssets(
    db,
    projectId,
    refs.map((r) => r.assetId),
    now,
  );
  for (const r of refs) {
    const a = found.get(r.assetId);
    if (!a) throw DialogAppsErrors.assetNotFound(r.field, r.assetId);
    if (r.types.length > 0 && !r.types.includes(a.asset_type))
      throw DialogAppsErrors.invalid(
        `${r.field}: asset ${r.assetId} is ${a.asset_type}; expected ${r.types.join(' or ')}`,
      );
  }
}

function parseTime(s: string, field: string): Date {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw DialogAppsErrors.invalid(`${field} must be an RFC 3339 time`);
  return new Date(t);
}

function columnsOf(body: ChatRoomBody) {
  return {
    room_name: body.room_name,
    robot_id: body.robot_id ?? null,
    model_asset_id: body.model_asset_id || null,
    concurrency: body.concurrency ?? 0,
    client_nums: body.client_nums ?? 0,
  };
}

function detailOf(row: ChatRoomRow): ShowSmartChatRoomResponse {
  const body = row.body as unknown as ChatRoomBody;
  const out: ShowSmartChatRoomResponse = {
    ...body,
    room_id: row.room_id,
    create_time: wireTime(row.create_time),
    update_time: wireTime(row.update_time),
    is_pool_mode: false,
    chat_resource_config: (body.chat_resource_config ?? []).map((c) => ({ ...c })),
  };
  // A deleted robot leaves the room without one (ERRATA 95).
  if (row.robot_id === null) delete out.robot_id;
  else out.robot_id = row.robot_id;
  return out;
}

function baseInfoOf(row: ChatRoomRow, modelName: string | undefined): SmartChatRoomBaseInfo {
  const body = row.body as unknown as ChatRoomBody;
  const out: SmartChatRoomBaseInfo = {
    room_id: row.room_id,
    room_name: row.room_name,
    billing_mode: body.billing_mode ?? 'CONCURRENCY',
    reuse_resource: body.reuse_resource ?? false,
    concurrency: row.concurrency,
    client_nums: row.client_nums,
    default_language: body.default_language ?? 'CN',
    create_time: wireTime(row.create_time),
    update_time: wireTime(row.update_time),
  };
  if (body.room_description !== undefined) out.room_description = body.room_description;
  if (row.robot_id !== null) out.robot_id = row.robot_id;
  if (row.model_asset_id !== null)
    out.model_infos = { model_asset_id: row.model_asset_id, ...(modelName ? { asset_name: modelName } : {}) };
  if (body.voice_config) out.voice_config = body.voice_config;
  if (body.voice_config_list)
    out.voice_config_list = body.voice_config_list.map((v): VoiceConfigRsp => {
      const language = v.language ?? 'CN';
      return { ...v, language, language_desc: LANGUAGE_DESC[language] ?? language };
    });
  if (body.exit_mute_threshold !== undefined) out.exit_mute_threshold = body.exit_mute_threshold;
  return out;
}
