// TTS vocabulary configs: create, list, update and delete a project's custom pronunciations.
// They are applied to a synthesis when its request sets is_vocabulary_config_enable.
import type { OperationTypes } from '../../contract/generated/types.ts';
import { isUniqueViolation } from '../../core/db/sql-helpers.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import type { VocabularyEntry } from '../../engines/speech/types.ts';
import type { ModuleDeps } from '../types.ts';
import { TtsErrors } from './tts.errors.ts';
import { VocabularyRepo, type VocabularyRow, type VocabularyType } from './vocabulary.repo.ts';
import { normaliseVocabulary, VOCABULARY_TYPES, vocabularyProblem } from './vocabulary.rules.ts';

type Types = OperationTypes;
type SaveBody = Types['SaveTtscVocabularyConfigs']['body'];
type ListQuery = Types['ListTtscVocabularyConfigs']['query'];
type ListResponse = Types['ListTtscVocabularyConfigs']['response'];

/** At most this many ids per DeleteTtscVocabularyConfigs call. */
export const MAX_DELETE_IDS = 1000;

export class VocabularyService {
  constructor(private readonly deps: Pick<ModuleDeps, 'db' | 'clock'>) {}

  private get repo(): VocabularyRepo {
    return new VocabularyRepo(this.deps.db);
  }

  private validated(body: SaveBody): { type: VocabularyType; key: string; value: string; groupId: string } {
    const e = normaliseVocabulary({
      type: body.type as VocabularyType,
      key: body.key ?? '',
      value: body.value ?? '',
    });
    const problem = vocabularyProblem(e);
    if (problem) throw TtsErrors.invalid(problem);
    return { ...e, groupId: body.group_id ?? '' };
  }

  async create(projectId: string, body: SaveBody): Promise<{ id: string }> {
    const v = this.validated(body);
    const now = this.deps.clock.now();
    const id = newId();
    try {
      await this.repo.insert(projectId, {
        id,
        type: v.type,
        key: v.key,
        value: v.value,
        group_id: v.groupId,
        create_time: now,
        update_time: now,
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw TtsErrors.invalid(`a ${v.type} entry for "${v.key}" already exists`);
      throw e;
    }
    return { id };
  }

  async save(projectId: string, id: string, body: SaveBody): Promise<{ id: string }> {
    const v = this.validated(body);
    try {
      const ok = await this.repo.update(projectId, id, {
        type: v.type,
        key: v.key,
        value: v.value,
        group_id: v.groupId,
        update_time: this.deps.clock.now(),
      });
      if (!ok) throw TtsErrors.invalid(`vocabulary config not found: ${id}`);
    } catch (e) {
      if (isUniqueViolation(e)) throw TtsErrors.invalid(`a ${v.type} entry for "${v.key}" already exists`);
      throw e;
    }
    return { id };
  }

  async delete(projectId: string, ids: string[] | undefined): Promise<void> {
    const unique = [...new Set(ids ?? [])];
    if (unique.length === 0) throw TtsErrors.invalid('id must list at least one vocabulary config id');
    if (unique.length > MAX_DELETE_IDS) throw TtsErrors.invalid(`at most ${MAX_DELETE_IDS} ids per call`);
    // Ids that are not (or no longer) there are ignored: deleting is idempotent.
    await this.repo.delete(projectId, unique);
  }

  async list(projectId: string, q: ListQuery): Promise<ListResponse> {
    if (q.type !== undefined && !VOCABULARY_TYPES.includes(q.type as VocabularyType)) {
      throw TtsErrors.invalid(`type must be one of ${VOCABULARY_TYPES.join(', ')}`);
    }
    const time = (s: string | undefined, name: string): Date | undefined => {
      if (!s) return undefined;
      const d = new Date(s);
      if (Number.isNaN(d.getTime())) throw TtsErrors.invalid(`${name} is not a time`);
      return d;
    };
    const { count, rows } = await this.repo.list(
      projectId,
      {
        type: q.type as VocabularyType | undefined,
        groupId: q.group_id,
        search: q.search_key || undefined,
        since: time(q.start_time, 'start_time'),
        until: time(q.end_time, 'end_time'),
      },
      { offset: q.offset ?? 0, limit: q.limit ?? 10 },
    );
    return { count, data: rows.map(vocabularyView) };
  }

  /** What a synthesis applies: every entry of the project. */
  async entries(projectId: string): Promise<VocabularyEntry[]> {
    const rows = await this.repo.all(projectId);
    return rows.map((r) => ({ type: r.type, key: r.key, value: r.value }));
  }
}

export const vocabularyView = (r: VocabularyRow) => ({
  id: r.id,
  key: r.key,
  value: r.value,
  type: r.type,
  group_id: r.group_id,
  create_time: wireTime(r.create_time),
  update_time: wireTime(r.update_time),
});
