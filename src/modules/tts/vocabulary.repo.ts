// SQL of the TTS vocabulary configs (custom pronunciations). Project first, always.
import type { Selectable } from 'kysely';
import type { Db } from '../../core/db/index.ts';
import type { TtsVocabularyConfigsTable } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';

export type VocabularyRow = Selectable<TtsVocabularyConfigsTable>;
export type VocabularyType = VocabularyRow['type'];

export interface VocabularyFilter {
  type?: VocabularyType;
  groupId?: string;
  /** Fuzzy match on key or value. */
  search?: string;
  since?: Date;
  until?: Date;
}

/** Postgres unique violation on (project, type, key). */

export class VocabularyRepo {
  constructor(private readonly db: Db) {}

  async insert(projectId: string, row: Omit<VocabularyRow, 'project_id'>): Promise<void> {
    await this.db
      .insertInto('tts_vocabulary_configs')
      .values({ project_id: projectId, ...row })
      .execute();
  }

  async get(projectId: string, id: string): Promise<VocabularyRow | undefined> {
    return this.db
      .selectFrom('tts_vocabulary_configs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async update(
    projectId: string,
    id: string,
    patch: Pick<VocabularyRow, 'type' | 'key' | 'value' | 'group_id' | 'update_time'>,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('tts_vocabulary_configs')
      .set(patch)
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(projectId: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.db
      .deleteFrom('tts_vocabulary_configs')
      .where('project_id', '=', projectId)
      .where('id', 'in', ids)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async list(
    projectId: string,
    f: VocabularyFilter,
    page: { offset: number; limit: number },
  ): Promise<{ count: number; rows: VocabularyRow[] }> {
    let q = this.db.selectFrom('tts_vocabulary_configs').where('project_id', '=', projectId);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.groupId !== undefined) q = q.where('group_id', '=', f.groupId);
    if (f.since) q = q.where('create_time', '>=', f.since);
    if (f.until) q = q.where('create_time', '<=', f.until);
    if (f.search) {
      const like = likePattern(f.search);
      q = q.where((eb) => eb.or([eb('key', 'ilike', like), eb('value', 'ilike', like)]));
    }
    const total = await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const rows = await q
      .selectAll()
      .orderBy('create_time', 'asc')
      .orderBy('id', 'asc')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return { count: Number(total.n), rows };
  }

  /** Every entry of the project, oldest first (what a synthesis applies). */
  async all(projectId: string): Promise<VocabularyRow[]> {
    return this.db
      .selectFrom('tts_vocabulary_configs')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('create_time', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }
}
