// ListAssets query parsing (assets.list.ts): defaults, validation, comma lists, filters that
// map onto metadata, and when `count` may come from the counter table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { likePattern } from '../../src/core/db/sql-helpers.ts';
import type { AppError } from '../../src/core/errors/index.ts';
import {
  countableFromCounters,
  type ListAssetsQuery,
  parseListQuery,
  parseSystemPropertyFilter,
  projectsOf,
} from '../../src/modules/assets/assets.list.ts';

const q = (extra: Partial<ListAssetsQuery> = {}): ListAssetsQuery => ({ limit: 10, offset: 0, ...extra });
const P = 'c'.repeat(32);
const SYSTEM = '0'.repeat(32);

describe('ListAssets query parsing', () => {
  it('defaults: create_time asc, CUSTOMIZATION, live states, counted from counters', () => {
    const s = parseListQuery(q());
    assert.equal(s.sortKey, 'create_time');
    assert.equal(s.sortDir, 'asc');
    assert.equal(s.source, 'CUSTOMIZATION');
    assert.equal(s.states, undefined);
    assert.equal(countableFromCounters(s), true);
    assert.deepEqual(projectsOf(s, P), [P]);
  });

  it('sort keys and directions; anything else is 400', () => {
    assert.equal(parseListQuery(q({ sort_key: 'asset_order', sort_dir: 'DESC' })).sortDir, 'desc');
    for (const bad of [{ sort_key: 'asset_name' }, { sort_key: 'CREATE_TIME' }, { sort_dir: 'down' }]) {
      assert.throws(
        () => parseListQuery(q(bad)),
        (e: AppError) => e.code === 'MSS.00000003',
      );
    }
  });

  it('comma lists are trimmed and deduplicated; unknown types and states are 400', () => {
    const s = parseListQuery(q({ asset_type: 'VIDEO, IMAGE,,VIDEO', asset_state: 'ACTIVED' }));
    assert.deepEqual(s.types, ['VIDEO', 'IMAGE']);
    assert.deepEqual(s.states, ['ACTIVED']);
    assert.equal(parseListQuery(q({ asset_type: '' })).types, undefined);
    assert.throws(() => parseListQuery(q({ asset_type: 'VIDEO,MODEL' })));
    assert.throws(() => parseListQuery(q({ asset_state: 'ACTIVE' })));
  });

  it('tags with UNION_SET by default, INTERSECTION on request', () => {
    assert.deepEqual(parseListQuery(q({ tag: 'a,b' })).tags, { values: ['a', 'b'], all: false });
    assert.deepEqual(parseListQuery(q({ tag: 'a', tag_combination_type: 'INTERSECTION' })).tags, {
      values: ['a'],
      all: true,
    });
  });

  it('system_property pairs split on the first colon; style_id adds STYLE_ID', () => {
    assert.deepEqual(parseSystemPropertyFilter('A:1,B:x:y'), [
      { key: 'A', value: '1' },
      { key: 'B', value: 'x:y' },
    ]);
    assert.throws(() => parseSystemPropertyFilter('A'));
    assert.throws(() => parseSystemPropertyFilter(':v'));
    assert.deepEqual(parseListQuery(q({ system_property: 'A:1', style_id: 's' })).systemProperties, [
      { key: 'A', value: '1' },
      { key: 'STYLE_ID', value: 's' },
    ]);
  });

  it('name: fuzzy by default, exact when accurate_query_field names it; LIKE metacharacters escaped', () => {
    assert.deepEqual(parseListQuery(q({ name: 'x' })).name, { value: 'x', exact: false });
    assert.deepEqual(parseListQuery(q({ name: 'x', accurate_query_field: ['name'] })).name, {
      value: 'x',
      exact: true,
    });
    assert.equal(likePattern('50%_off\\'), '%50\\%\\_off\\\\%');
  });

  it('time window and voice/2D filters', () => {
    const s = parseListQuery(
      q({
        start_time: '2024-01-01T00:00:00Z',
        end_time: '2024-02-01T00:00:00Z',
        sex: 'MALE',
        human_model_2d_version: 'V3.3',
        exclude_device_name: 'd',
        is_realtime_voice: false,
      }),
    );
    assert.equal(s.createdFrom?.toISOString(), '2024-01-01T00:00:00.000Z');
    assert.equal(s.createdTo?.toISOString(), '2024-02-01T00:00:00.000Z');
    assert.deepEqual(s.metaIncludes, [
      { voice_model_meta: { sex: 'MALE' } },
      { voice_model_meta: { is_realtime_voice: false } },
      { human_model_2d_meta: { model_version: 'V3_3' } },
    ]);
    assert.deepEqual(s.metaExcludes, [{ human_model_2d_meta: { device_names: ['d'] } }]);
    assert.throws(() => parseListQuery(q({ end_time: '2024-02-01' })));
  });

  it('sources and roles choose the projects read', () => {
    assert.deepEqual(projectsOf(parseListQuery(q({ asset_source: 'SYSTEM' })), P), [SYSTEM]);
    assert.deepEqual(projectsOf(parseListQuery(q({ asset_source: 'ALL' })), P), [P, SYSTEM]);
    assert.deepEqual(projectsOf(parseListQuery(q({ role: 'SHAREE' })), P), []);
  });

  it('count comes from counters only for source/type/state filters', () => {
    assert.equal(
      countableFromCounters(parseListQuery(q({ asset_type: 'VIDEO', asset_state: 'ACTIVED,FAILED' }))),
      true,
    );
    assert.equal(countableFromCounters(parseListQuery(q({ asset_source: 'ALL' }))), true);
    assert.equal(
      countableFromCounters(parseListQuery(q({ asset_source: 'ALL', asset_state: 'DELETING' }))),
      false,
    );
    for (const extra of [
      { name: 'x' },
      { tag: 't' },
      { start_time: '2024-01-01T00:00:00Z' },
      { system_property: 'A:1' },
      { asset_id: ['x'] },
      { app_user_id: 'u' },
      { role: 'SHARER' as const },
      { supported_service: 'VIDEO_2D' as const },
      { sex: 'MALE' },
    ]) {
      assert.equal(countableFromCounters(parseListQuery(q(extra))), false, JSON.stringify(extra));
    }
  });
});
