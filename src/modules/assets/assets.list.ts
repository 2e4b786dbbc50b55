// ListAssets: the query string → a ListSpec (pure, unit-tested), and the ListSpec → SQL
// conditions (used by the repo). Every condition is written so that the indexes of
// migration 0003 serve it; `count` comes from asset_counts when the spec allows.
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { OperationTypes } from '../../contract/generated/types.ts';
import { type DB, SYSTEM_PROJECT_ID } from '../../core/db/schema.ts';
import { likePattern } from '../../core/db/sql-helpers.ts';
import { AssetErrors } from './assets.errors.ts';
import { ASSET_STATES, ASSET_TYPES, GONE_STATES, parseWireTime } from './assets.rules.ts';

export type ListAssetsQuery = OperationTypes['ListAssets']['query'];

export const SORT_KEYS = ['create_time', 'update_time', 'asset_order'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface ListSpec {
  offset: number;
  limit: number;
  sortKey: SortKey;
  sortDir: 'asc' | 'desc';
  /** Whose assets: the caller's, the system's, or both (asset_source). */
  source: 'SYSTEM' | 'CUSTOMIZATION' | 'ALL';
  /** SHARER: mine that I share; SHAREE: others' shared with me (replaces `source`). */
  role?: 'SHARER' | 'SHAREE';
  name?: { value: string; exact: boolean };
  types?: string[];
  /** undefined: every state but DELETING and DELETED. */
  states?: string[];
  tags?: { values: string[]; all: boolean };
  createdFrom?: Date;
  createdTo?: Date;
  /** All must be present (jsonb containment on system_properties). */
  systemProperties?: Array<{ key: string; value: string }>;
  assetIds?: string[];
  appUserId?: string;
  supportedService?: string;
  /** Each must be contained in asset_extra_meta (voice and 2D-model filters). */
  metaIncludes: Array<Record<string, unknown>>;
  /** None may be contained in asset_extra_meta. */
  metaExcludes: Array<Record<string, unknown>>;
}

const commaList = (s: string | undefined): string[] | undefined => {
  if (s === undefined) return undefined;
  const items = s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  return items.length ? [...new Set(items)] : undefined;
};

function enumList(field: string, raw: string | undefined, allowed: readonly string[]): string[] | undefined {
  const items = commaList(raw);
  for (const i of items ?? []) {
    if (!allowed.includes(i)) throw AssetErrors.invalid(`${field}: unknown value ${i}`);
  }
  return items;
}

/** `KEY:Value,KEY2:Value` → pairs; the value is everything after the first colon. */
export function parseSystemPropertyFilter(raw: string): Array<{ key: string; value: string }> {
  return (commaList(raw) ?? []).map((item) => {
    const at = item.indexOf(':');
    if (at <= 0)
      throw AssetErrors.invalid(`system_property must look like KEY:Value,KEY2:Value (got ${item})`);
    return { key: item.slice(0, at), value: item.slice(at + 1) };
  });
}

/** Validates and normalises ListAssets' query (limit/offset ranges are checked by the contract). */
export function parseListQuery(q: ListAssetsQuery): ListSpec {
  const sortKey = (q.sort_key ?? 'create_time') as SortKey;
  if (!SORT_KEYS.includes(sortKey))
    throw AssetErrors.invalid(`sort_key must be one of ${SORT_KEYS.join(', ')}`);
  const dir = (q.sort_dir ?? 'asc').toLowerCase();
  if (dir !== 'asc' && dir !== 'desc') throw AssetErrors.invalid('sort_dir must be asc or desc');

  const spec: ListSpec = {
    offset: q.offset,
    limit: q.limit,
    sortKey,
    sortDir: dir,
    source: q.asset_source ?? 'CUSTOMIZATION',
    role: q.role,
    types: enumList('asset_type', q.asset_type, ASSET_TYPES),
    states: enumList('asset_state', q.asset_state, ASSET_STATES),
    metaIncludes: [],
    metaExcludes: [],
  };
  if (q.name) spec.name = { value: q.name, exact: (q.accurate_query_field ?? []).includes('name') };
  const tags = commaList(q.tag);
  if (tags) spec.tags = { values: tags, all: q.tag_combination_type === 'INTERSECTION' };
  if (q.start_time) spec.createdFrom = parseWireTime('start_time', q.start_time);
  if (q.end_time) spec.createdTo = parseWireTime('end_time', q.end_time);

  const props = q.system_property ? parseSystemPropertyFilter(q.system_property) : [];
  if (q.style_id) props.push({ key: 'STYLE_ID', value: q.style_id });
  if (props.length) spec.systemProperties = props;

  if (q.asset_id?.length) spec.assetIds = [...new Set(q.asset_id)];
  if (q.app_user_id) spec.appUserId = q.app_user_id;
  if (q.supported_service) spec.supportedService = q.supported_service;

  // Voice and 2D-model filters read the asset's own metadata (asset_extra_meta).
  const voice = (m: Record<string, unknown>) => spec.metaIncludes.push({ voice_model_meta: m });
  const model2d = (m: Record<string, unknown>) => spec.metaIncludes.push({ human_model_2d_meta: m });
  if (q.sex) voice({ sex: q.sex });
  if (q.language) voice({ language: q.language });
  if (q.is_realtime_voice !== undefined) voice({ is_realtime_voice: q.is_realtime_voice });
  if (q.action_editable !== undefined) model2d({ is_action_editable: q.action_editable });
  if (q.is_with_action_library !== undefined) model2d({ is_with_action_library: q.is_with_action_library });
  // ERRATA 8: V3.2 in requests, V3_2 in asset metadata.
  if (q.human_model_2d_version) model2d({ model_version: q.human_model_2d_version.replace('.', '_') });
  if (q.include_device_name) model2d({ device_names: [q.include_device_name] });
  if (q.exclude_device_name) {
    spec.metaExcludes.push({ human_model_2d_meta: { device_names: [q.exclude_device_name] } });
  }
  return spec;
}

/** Projects whose rows the list reads (SHAREE reads others' rows through asset_shares). */
export function projectsOf(spec: ListSpec, projectId: string): string[] {
  if (spec.role === 'SHAREE') return [];
  if (spec.source === 'SYSTEM') return [SYSTEM_PROJECT_ID];
  if (spec.source === 'ALL') return [projectId, SYSTEM_PROJECT_ID];
  return [projectId];
}

/**
 * True when `count` can be summed from asset_counts: the spec filters by nothing but
 * projects, types and states. (System assets of an ALL list are live only, so an explicit
 * state filter naming DELETING/DELETED counts rows instead.)
 */
export function countableFromCounters(spec: ListSpec): boolean {
  const plain =
    !spec.role &&
    !spec.name &&
    !spec.tags &&
    !spec.createdFrom &&
    !spec.createdTo &&
    !spec.systemProperties &&
    !spec.assetIds &&
    !spec.appUserId &&
    !spec.supportedService &&
    spec.metaIncludes.length === 0 &&
    spec.metaExcludes.length === 0;
  const goneAsked = (spec.states ?? []).some((s) => (GONE_STATES as readonly string[]).includes(s));
  return plain && !(spec.source === 'ALL' && goneAsked);
}

/** `%` and `_` match literally in a fuzzy name filter. */

type AssetsEb = ExpressionBuilder<DB, 'assets'>;

const textArray = (values: readonly string[]) => sql`ARRAY[${sql.join(values)}]::text[]`;

/**
 * Everything of the spec but paging and order, as one WHERE condition on `assets`;
 * `onlyProject` narrows a multi-project list (ALL) to one of its projects.
 */
export function listCondition(
  eb: AssetsEb,
  spec: ListSpec,
  projectId: string,
  now: Date,
  onlyProject?: string,
): Expression<SqlBool> {
  const and: Expression<SqlBool>[] = [];
  const live = eb('asset_state', 'not in', [...GONE_STATES]);
  if (spec.role === 'SHAREE') {
    and.push(
      sql<SqlBool>`(project_id, asset_id) IN (
        SELECT project_id, asset_id FROM asset_shares
        WHERE sharee_project_id = ${projectId} AND (expires_at IS NULL OR expires_at > ${now}))`,
      live,
    );
  } else {
    const projects = onlyProject ? [onlyProject] : projectsOf(spec, projectId);
    and.push(projects.length === 1 ? eb('project_id', '=', projects[0]) : eb('project_id', 'in', projects));
    // Other projects' assets (the system's) are visible only while live.
    if (projects.some((p) => p !== projectId)) {
      and.push(projects.includes(projectId) ? eb.or([eb('project_id', '=', projectId), live]) : live);
    }
    if (spec.role === 'SHARER') {
      and.push(
        eb.exists(
          eb
            .selectFrom('asset_shares')
            .select(sql`1`.as('one'))
            .whereRef('asset_shares.project_id', '=', 'assets.project_id')
            .whereRef('asset_shares.asset_id', '=', 'assets.asset_id'),
        ),
      );
    }
  }
  and.push(spec.states ? eb('asset_state', 'in', spec.states) : live);
  if (spec.types)
    and.push(
      spec.types.length === 1 ? eb('asset_type', '=', spec.types[0]) : eb('asset_type', 'in', spec.types),
    );
  if (spec.name) {
    and.push(
      spec.name.exact
        ? eb('asset_name', '=', spec.name.value)
        : sql<SqlBool>`asset_name ILIKE ${likePattern(spec.name.value)}`,
    );
  }
  if (spec.tags) {
    const op = spec.tags.all ? sql`@>` : sql`&&`;
    and.push(sql<SqlBool>`tags ${op} ${textArray(spec.tags.values)}`);
  }
  if (spec.createdFrom) and.push(eb('create_time', '>=', spec.createdFrom));
  if (spec.createdTo) and.push(eb('create_time', '<=', spec.createdTo));
  if (spec.systemProperties) {
    and.push(sql<SqlBool>`system_properties @> ${JSON.stringify(spec.systemProperties)}::jsonb`);
  }
  if (spec.assetIds) and.push(eb('asset_id', 'in', spec.assetIds));
  if (spec.appUserId) and.push(eb('app_user_id', '=', spec.appUserId));
  if (spec.supportedService)
    and.push(sql<SqlBool>`supported_service @> ${textArray([spec.supportedService])}`);
  for (const m of spec.metaIncludes) and.push(sql<SqlBool>`asset_extra_meta @> ${JSON.stringify(m)}::jsonb`);
  for (const m of spec.metaExcludes)
    and.push(sql<SqlBool>`NOT (asset_extra_meta @> ${JSON.stringify(m)}::jsonb)`);
  return eb.and(and);
}
