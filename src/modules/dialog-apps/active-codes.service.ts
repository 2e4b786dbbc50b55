// Virtual Avatar Activation Code Management: codes end users type into a robot's dialog
// page. A code belongs to a robot and a chat room, has a validity window (valid_period days
// from creation or the last reset, 0 = no end), admits at most the room's concurrency of
// users (credentials), and is spent by useActiveCode when the dialog page signs in.
import type { ActiveCodeInfo, OperationTypes } from '../../contract/generated/types.ts';
import { hashToken } from '../../core/auth/secrets.ts';
import type { Db } from '../../core/db/index.ts';
import { isUniqueViolation } from '../../core/db/sql-helpers.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import type { ModuleDeps } from '../types.ts';
import { ChatRoomsRepo } from './chat-rooms.repo.ts';
import { type ActiveCodeRow, CodesRepo } from './codes.repo.ts';
import {
  type ActiveCodeState,
  activeCodeExpiry,
  activeCodeState,
  generateActiveCode,
} from './codes.rules.ts';
import { DialogAppsErrors } from './dialog-apps.errors.ts';
import { checkId, checkIdList, effectiveOffset } from './dialog-apps.rules.ts';
import { RobotsRepo } from './robots.repo.ts';

type T = OperationTypes;

export interface ActiveCodeUse {
  robotId: string;
  code: string;
  /** What identifies the end user's client (e.g. a browser id); stored hashed. */
  credential: string;
  /** Users the code may admit; the room's concurrency when not given. */
  maxUsers?: number;
}

export class ActiveCodes {
  constructor(private readonly deps: Pick<ModuleDeps, 'db' | 'clock'>) {}

  async create(projectId: string, req: T['CreateActiveCode']['body'], appUserId: string | undefined) {
    if (!req) throw DialogAppsErrors.invalid('a request body is required');
    checkId(req.robot_id, 'robot_id');
    checkId(req.room_id, 'room_id');
    const robot = await new RobotsRepo(this.deps.db).get(projectId, req.robot_id);
    if (!robot) throw DialogAppsErrors.robotNotFound(req.robot_id);
    const room = await new ChatRoomsRepo(this.deps.db).get(projectId, req.room_id);
    if (!room) throw DialogAppsErrors.chatRoomNotFound(req.room_id);
    const now = this.deps.clock.now();
    const repo = new CodesRepo(this.deps.db);
    // A collision in 31^12 codes is astronomically rare; one retry covers it.
    for (let attempt = 0; ; attempt++) {
      const row: ActiveCodeRow = {
        project_id: projectId,
        active_code_id: newId(),
        active_code: generateActiveCode(),
        robot_id: req.robot_id,
        room_id: req.room_id,
        valid_period: req.valid_period,
        valid_from: now,
        app_user_id: appUserId ?? null,
        create_time: now,
        update_time: now,
      };
      try {
        await repo.insertActiveCode(row);
        return infoOf(row);
      } catch (e) {
        if (!isUniqueViolation(e) || attempt > 0) throw e;
      }
    }
  }

  async list(projectId: string, q: T['ListActiveCode']['query']) {
    checkId(q.robot_id, 'robot_id');
    const repo = new CodesRepo(this.deps.db);
    const count = await repo.countActiveCodes(projectId, q.robot_id);
    const offset = effectiveOffset(count, q.offset, q.limit);
    const rows = count === 0 ? [] : await repo.pageActiveCodes(projectId, q.robot_id, offset, q.limit);
    return { offset, limit: q.limit, count, data: rows.map(infoOf) };
  }

  async show(projectId: string, id: string) {
    const row = await new CodesRepo(this.deps.db).getActiveCode(projectId, checkId(id, 'active_code_id'));
    if (!row) throw DialogAppsErrors.activeCodeNotFound(id);
    return infoOf(row);
  }

  /** Changes the window's length; the window still starts at creation or the last reset. */
  async update(projectId: string, id: string, req: T['UpdateActiveCode']['body']) {
    checkId(id, 'active_code_id');
    if (!req || req.valid_period === undefined) throw DialogAppsErrors.invalid('valid_period is required');
    const validPeriod = req.valid_period;
    return this.deps.db.transaction().execute(async (trx) => {
      const repo = new CodesRepo(trx);
      const row = await repo.getActiveCode(projectId, id, true);
      if (!row) throw DialogAppsErrors.activeCodeNotFound(id);
      const next = { ...row, valid_period: validPeriod, update_time: this.deps.clock.now() };
      await repo.updateActiveCode(projectId, id, {
        valid_period: next.valid_period,
        update_time: next.update_time,
      });
      return infoOf(next);
    });
  }

  /**
   * A new code text and a fresh window from now; with clean_auth_credential the users the
   * old code admitted are forgotten too (the code is free for as many new ones).
   */
  async reset(projectId: string, id: string, req: T['ResetActiveCode']['body']) {
    checkId(id, 'active_code_id');
    return this.deps.db.transaction().execute(async (trx) => {
      const repo = new CodesRepo(trx);
      const row = await repo.getActiveCode(projectId, id, true);
      if (!row) throw DialogAppsErrors.activeCodeNotFound(id);
      const now = this.deps.clock.now();
      const next = { ...row, active_code: generateActiveCode(), valid_from: now, update_time: now };
      await repo.updateActiveCode(projectId, id, {
        active_code: next.active_code,
        valid_from: now,
        update_time: now,
      });
      if (req?.clean_auth_credential) await repo.clearCredentials(projectId, id);
      return infoOf(next);
    });
  }

  /** All or nothing: one unknown id refuses the batch. */
  async delete(projectId: string, body: T['DeleteActiveCode']['body']): Promise<void> {
    const ids = checkIdList(body, 'active_code_id');
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = new CodesRepo(trx);
      const found = new Set(await repo.lockActiveCodes(projectId, ids));
      const missing = ids.find((i) => !found.has(i));
      if (missing !== undefined) throw DialogAppsErrors.activeCodeNotFound(missing);
      await repo.deleteActiveCodes(projectId, ids);
    });
  }

  /** A code's state now, for a given usage limit (not on the wire: the contract has no field). */
  async stateOf(projectId: string, id: string, maxUsers?: number): Promise<ActiveCodeState> {
    const repo = new CodesRepo(this.deps.db);
    const row = await repo.getActiveCode(projectId, id);
    if (!row) throw DialogAppsErrors.activeCodeNotFound(id);
    const admitted = (await repo.credentialHashes(projectId, id)).length;
    return activeCodeState({
      now: this.deps.clock.now(),
      validFrom: row.valid_from,
      validPeriodDays: row.valid_period,
      admitted,
      maxUsers: maxUsers ?? (await this.roomConcurrency(this.deps.db, projectId, row.room_id)),
    });
  }

  /**
   * Signs an end user in with a code: unknown → MSS.47010043, expired → MSS.47010045, every
   * slot (the room's concurrency) taken by others → MSS.20010135. A user already admitted is admitted again.
   * Returns the code's room, which the dialog page joins.
   */
  async useActiveCode(
    projectId: string,
    use: ActiveCodeUse,
  ): Promise<{ activeCodeId: string; roomId: string }> {
    const credential = hashToken(use.credential);
    return this.deps.db.transaction().execute(async (trx) => {
      const repo = new CodesRepo(trx);
      const row = await repo.findActiveCode(projectId, use.robotId, use.code.trim().toUpperCase());
      if (!row) throw DialogAppsErrors.activeCodeAuthFailed();
      const admitted = await repo.credentialHashes(projectId, row.active_code_id);
      const maxUsers = use.maxUsers ?? (await this.roomConcurrency(trx, projectId, row.room_id));
      const now = this.deps.clock.now();
      const state = activeCodeState({
        now,
        validFrom: row.valid_from,
        validPeriodDays: row.valid_period,
        admitted: admitted.length,
        maxUsers,
        alreadyAdmitted: admitted.includes(credential),
      });
      if (state === 'EXPIRED') throw DialogAppsErrors.activeCodeExpired();
      if (state === 'FULL') throw DialogAppsErrors.activeCodeUsersExceeded(maxUsers);
      await repo.addCredential(projectId, row.active_code_id, credential, now);
      return { activeCodeId: row.active_code_id, roomId: row.room_id };
    });
  }

  /** A room's concurrency; 0 (nobody admitted) when the room has gone. */
  private async roomConcurrency(db: Db, projectId: string, roomId: string): Promise<number> {
    return (await new ChatRoomsRepo(db).get(projectId, roomId))?.concurrency ?? 0;
  }
}

function infoOf(row: ActiveCodeRow): ActiveCodeInfo {
  const out: ActiveCodeInfo = {
    active_code_id: row.active_code_id,
    active_code: row.active_code,
    robot_id: row.robot_id,
    room_id: row.room_id,
    valid_period: row.valid_period,
    create_time: wireTime(row.create_time),
    update_time: wireTime(row.update_time),
  };
  const exp = activeCodeExpiry(row.valid_from, row.valid_period);
  // A code that never expires has no expire_time (ERRATA 93).
  if (exp) out.expire_time = wireTime(exp);
  return out;
}
