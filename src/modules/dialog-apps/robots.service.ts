// Virtual Avatar Application Management: robots (dialog applications). A robot records how
// Doppel answers it (an LLM endpoint, or the project's knowledge base) and keeps vendor keys
// sealed; Show and List mask them.
import type { OperationTypes, RobotInfo } from '../../contract/generated/types.ts';
import { seal, unseal } from '../../core/auth/secrets.ts';
import { isUniqueViolation } from '../../core/db/sql-helpers.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import { deleteForRobot } from '../robot-content/index.ts';
import type { ModuleDeps } from '../types.ts';
import { ChatRoomsRepo } from './chat-rooms.repo.ts';
import { DialogAppsErrors } from './dialog-apps.errors.ts';
import { checkId, checkIdList, effectiveOffset } from './dialog-apps.rules.ts';
import { type RobotRow, RobotsRepo } from './robots.repo.ts';
import {
  checkRobotName,
  MASKED_KEY,
  ROBOT_TYPE_DEFAULT,
  type RobotSecrets,
  type RobotVendorFields,
  resolveVendor,
  robotLanguage,
  TAIL_SILENCE_DEFAULT_MS,
} from './robots.rules.ts';

type T = OperationTypes;

export class RobotsService {
  constructor(private readonly deps: ModuleDeps) {}

  async create(projectId: string, req: T['CreateRobot']['body'], appUserId: string | undefined) {
    if (!req) throw DialogAppsErrors.invalid('a request body is required');
    const name = checkRobotName(req.name);
    if (req.room_id !== undefined) checkId(req.room_id, 'room_id');
    const robotId = newId();
    const { fields, secrets } = resolveVendor(req.app_type, req, {
      allowPrivate: this.deps.allowPrivateFetch,
    });
    const now = this.deps.clock.now();
    const row: RobotRow = {
      project_id: projectId,
      robot_id: robotId,
      name,
      room_id: req.room_id ?? null,
      robot_type: req.robot_type ?? ROBOT_TYPE_DEFAULT,
      language: robotLanguage(req.language),
      tail_silence_time: req.tail_silence_time ?? TAIL_SILENCE_DEFAULT_MS,
      enable_question_audit: req.enable_question_audit ?? false,
      ...fields,
      secrets_sealed: this.sealSecrets(projectId, robotId, secrets),
      app_key_set: secrets.app_key !== undefined,
      app_user_id: appUserId ?? null,
      create_time: now,
      update_time: now,
    };
    const repo = new RobotsRepo(this.deps.db);
    if (await repo.idByName(projectId, name)) throw DialogAppsErrors.robotNameExists(name);
    try {
      await repo.insert(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw DialogAppsErrors.robotNameExists(name);
      throw e;
    }
    return { robot_id: robotId };
  }

  async list(projectId: string, q: T['ListRobot']['query']) {
    if (q.room_id !== undefined) checkId(q.room_id, 'room_id');
    const repo = new RobotsRepo(this.deps.db);
    const spec = { roomId: q.room_id, robotType: q.robot_type };
    const count = await repo.count(projectId, spec);
    const offset = effectiveOffset(count, q.offset, q.limit);
    const rows = count === 0 ? [] : await repo.page(projectId, spec, offset, q.limit);
    return { offset, limit: q.limit, count, data: rows.map(infoOf) };
  }

  async show(projectId: string, id: string) {
    const row = await new RobotsRepo(this.deps.db).get(projectId, checkId(id, 'robot_id'));
    if (!row) throw DialogAppsErrors.robotNotFound(id);
    return infoOf(row);
  }

  async update(projectId: string, id: string, req: T['UpdateRobot']['body']): Promise<void> {
    checkId(id, 'robot_id');
    if (!req || Object.keys(req).length === 0)
      throw DialogAppsErrors.invalid('the body names no field to change');
    const name = req.name === undefined ? undefined : checkRobotName(req.name);
    if (req.room_id !== undefined) checkId(req.room_id, 'room_id');
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new RobotsRepo(trx);
      const row = await repo.get(projectId, id, true);
      if (!row) throw DialogAppsErrors.robotNotFound(id);
      if (name !== undefined && name !== row.name) {
        const holder = await repo.idByName(projectId, name);
        if (holder && holder !== id) throw DialogAppsErrors.robotNameExists(name);
      }
      const stored = { fields: vendorFieldsOf(row), secrets: this.unsealSecrets(row) };
      const { fields, secrets } = resolveVendor(req.app_type ?? row.app_type, req, {
        allowPrivate: this.deps.allowPrivateFetch,
        stored,
      });
      try {
        await repo.update(projectId, id, {
          name: name ?? row.name,
          room_id: req.room_id ?? row.room_id,
          robot_type: req.robot_type ?? row.robot_type,
          language: req.language === undefined ? row.language : robotLanguage(req.language),
          tail_silence_time: req.tail_silence_time ?? row.tail_silence_time,
          enable_question_audit: req.enable_question_audit ?? row.enable_question_audit,
          ...fields,
          secrets_sealed: this.sealSecrets(projectId, id, secrets),
          app_key_set: secrets.app_key !== undefined,
          update_time: this.deps.clock.now(),
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw DialogAppsErrors.robotNameExists(name ?? row.name);
        throw e;
      }
    });
  }

  /** All or nothing: one unknown id refuses the batch. A robot's content and codes go with it. */
  async delete(projectId: string, body: T['DeleteRobot']['body']): Promise<void> {
    const ids = checkIdList(body, 'robot_id');
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new RobotsRepo(trx);
      const found = new Set(await repo.lock(projectId, ids));
      const missing = ids.find((i) => !found.has(i));
      if (missing !== undefined) throw DialogAppsErrors.robotNotFound(missing);
      // Activation codes (and their credentials) follow by foreign key.
      await repo.delete(projectId, ids);
      await new ChatRoomsRepo(trx).detachRobots(projectId, ids, this.deps.clock.now());
      for (const id of ids) await deleteForRobot(trx, projectId, id);
    });
  }

  /** The stored keys of a robot, for the dialog engine; never for the wire. */
  async secretsOf(projectId: string, robotId: string): Promise<RobotSecrets | undefined> {
    const row = await new RobotsRepo(this.deps.db).get(projectId, robotId);
    return row ? this.unsealSecrets(row) : undefined;
  }

  private sealSecrets(projectId: string, robotId: string, s: RobotSecrets): string | null {
    if (Object.keys(s).length === 0) return null;
    return seal(this.deps.keys.dialog, JSON.stringify(s), `${projectId}/${robotId}`);
  }

  private unsealSecrets(row: RobotRow): RobotSecrets {
    if (!row.secrets_sealed) return {};
    return JSON.parse(unseal(this.deps.keys.dialog, row.secrets_sealed, `${row.project_id}/${row.robot_id}`));
  }
}

function vendorFieldsOf(row: RobotRow): RobotVendorFields {
  return {
    app_type: row.app_type,
    backing: row.backing,
    app_id: row.app_id,
    llm_url: row.llm_url,
    is_stream: row.is_stream,
    chat_rounds: row.chat_rounds,
    is_ifly_production: row.is_ifly_production,
    sis_region: row.sis_region,
    sis_project_id: row.sis_project_id,
    enable_hot_words: row.enable_hot_words,
    asr_type: row.asr_type,
    asr_account: row.asr_account,
  };
}

/** The wire robot: stored fields only, keys masked (ERRATA 91). */
export function infoOf(row: RobotRow): RobotInfo {
  const out: RobotInfo = {
    robot_id: row.robot_id,
    name: row.name,
    app_type: row.app_type,
    robot_type: row.robot_type,
    language: row.language as RobotInfo['language'],
    tail_silence_time: row.tail_silence_time,
    enable_question_audit: row.enable_question_audit,
    create_time: wireTime(row.create_time),
    update_time: wireTime(row.update_time),
  };
  if (row.room_id !== null) out.room_id = row.room_id;
  if (row.app_id !== null) out.app_id = row.app_id;
  // Whether a key is stored shows as the mask; the sealed value never leaves the server.
  if (row.app_key_set) out.app_key = MASKED_KEY;
  if (row.llm_url !== null) out.llm_url = row.llm_url;
  if (row.is_stream !== null) out.is_stream = row.is_stream;
  if (row.chat_rounds !== null) out.chat_rounds = row.chat_rounds;
  if (row.is_ifly_production !== null) out.is_ifly_production = row.is_ifly_production;
  if (row.sis_region !== null) out.sis_region = row.sis_region;
  if (row.sis_project_id !== null) out.sis_project_id = row.sis_project_id;
  if (row.enable_hot_words !== null) out.enable_hot_words = row.enable_hot_words;
  if (row.asr_type !== null) out.asr_type = row.asr_type as RobotInfo['asr_type'];
  if (row.asr_account !== null) out.asr_account = row.asr_account;
  return out;
}
