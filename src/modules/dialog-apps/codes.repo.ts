// All SQL for one-off codes and activation codes; every query is scoped by project.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { DialogActiveCodesTable, DialogOnceCodesTable } from '../../core/db/schema.ts';

export type ActiveCodeRow = Selectable<DialogActiveCodesTable>;

export class CodesRepo {
  constructor(private readonly db: Db) {}

  // ── one-off codes ──────────────────────────────────────────────────────────
  async insertOnceCode(row: Insertable<DialogOnceCodesTable>): Promise<void> {
    await this.db.insertInto('dialog_once_codes').values(row).execute();
  }

  /**
   * Marks the code used when it is unused, unexpired and admits the room, in one statement,
   * so two connections racing with one code cannot both win. True when this call used it.
   */
  async useOnceCode(projectId: string, codeHash: string, now: Date, roomId?: string): Promise<boolean> {
    let q = this.db
      .updateTable('dialog_once_codes')
      .set({ used_time: now })
      .where('project_id', '=', projectId)
      .where('code_hash', '=', codeHash)
      .where('used_time', 'is', null)
      .where('expire_time', '>', now);
    if (roomId !== undefined)
      q = q.where((eb) => eb.or([eb('room_id', 'is', null), eb('room_id', '=', roomId)]));
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  getOnceCode(projectId: string, codeHash: string) {
    return this.db
      .selectFrom('dialog_once_codes')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
  }

  /** Housekeeping: codes that expired before `before` (used or not) are of no further use. */
  async purgeOnceCodes(projectId: string, before: Date): Promise<void> {
    await this.db
      .deleteFrom('dialog_once_codes')
      .where('project_id', '=', projectId)
      .where('expire_time', '<', before)
      .execute();
  }

  // ── activation codes ───────────────────────────────────────────────────────
  async insertActiveCode(row: Insertable<DialogActiveCodesTable>): Promise<void> {
    await this.db.insertInto('dialog_active_codes').values(row).execute();
  }

  getActiveCode(projectId: string, id: string, forUpdate = false): Promise<ActiveCodeRow | undefined> {
    let q = this.db
      .selectFrom('dialog_active_codes')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('active_code_id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  findActiveCode(projectId: string, robotId: string, code: string): Promise<ActiveCodeRow | undefined> {
    return this.db
      .selectFrom('dialog_active_codes')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('robot_id', '=', robotId)
      .where('active_code', '=', code)
      .forUpdate()
      .executeTakeFirst();
  }

  async updateActiveCode(projectId: string, id: string, patch: Updateable<DialogActiveCodesTable>) {
    await this.db
      .updateTable('dialog_active_codes')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('active_code_id', '=', id)
      .execute();
  }

  async lockActiveCodes(projectId: string, ids: string[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom('dialog_active_codes')
      .select('active_code_id')
      .where('project_id', '=', projectId)
      .where('active_code_id', 'in', ids)
      .forUpdate()
      .execute();
    return rows.map((r) => r.active_code_id);
  }

  async deleteActiveCodes(projectId: string, ids: string[]): Promise<void> {
    await this.db
      .deleteFrom('dialog_active_codes')
      .where('project_id', '=', projectId)
      .where('active_code_id', 'in', ids)
      .execute();
  }

  async deleteActiveCodesOfRoom(projectId: string, roomId: string): Promise<void> {
    await this.db
      .deleteFrom('dialog_active_codes')
      .where('project_id', '=', projectId)
      .where('room_id', '=', roomId)
      .execute();
  }

  async countActiveCodes(projectId: string, robotId: string): Promise<number> {
    const r = await this.db
      .selectFrom('dialog_active_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('robot_id', '=', robotId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  pageActiveCodes(projectId: string, robotId: string, offset: number, limit: number) {
    return this.db
      .selectFrom('dialog_active_codes')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('robot_id', '=', robotId)
      .orderBy('create_time')
      .orderBy('active_code_id')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  // ── activation-code credentials ────────────────────────────────────────────
  async credentialHashes(projectId: string, activeCodeId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('dialog_active_code_credentials')
      .select('credential_hash')
      .where('project_id', '=', projectId)
      .where('active_code_id', '=', activeCodeId)
      .execute();
    return rows.map((r) => r.credential_hash);
  }

  async addCredential(projectId: string, activeCodeId: string, hash: string, now: Date): Promise<void> {
    await this.db
      .insertInto('dialog_active_code_credentials')
      .values({
        project_id: projectId,
        active_code_id: activeCodeId,
        credential_hash: hash,
        first_use_time: now,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async clearCredentials(projectId: string, activeCodeId: string): Promise<void> {
    await this.db
      .deleteFrom('dialog_active_code_credentials')
      .where('project_id', '=', projectId)
      .where('active_code_id', '=', activeCodeId)
      .execute();
  }
}
