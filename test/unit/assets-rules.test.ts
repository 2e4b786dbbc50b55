// The asset state machine and field rules (assets.rules.ts), the UpdateDigitalAsset patch
// and the replication token (assets.replication.ts): pure functions, no database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppError } from '../../src/core/errors/index.ts';
import {
  copiedFileId,
  signReplicationInfo,
  verifyReplicationInfo,
} from '../../src/modules/assets/assets.replication.ts';
import type { AssetRow } from '../../src/modules/assets/assets.repo.ts';
import {
  applySystemProperties,
  checkEditable,
  checkName,
  checkUserCreatableType,
  checkUserStateChange,
  normaliseTags,
  parseShareParams,
  parseWireTime,
  purgeCutoff,
  restoreTarget,
  shareConfigOf,
  softDeleteAction,
} from '../../src/modules/assets/assets.rules.ts';
import { updatePatch } from '../../src/modules/assets/assets.service.ts';

const ID = 'a'.repeat(32);
const P1 = '1'.repeat(32);
const P2 = '2'.repeat(32);
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return `${(e as AppError).status} ${(e as AppError).code}`;
  }
};

describe('asset state machine', () => {
  it('UpdateDigitalAsset asset_state: UNACTIVED ↔ ACTIVED → WAITING_DELETE, only from UNACTIVED/ACTIVED', () => {
    for (const from of ['UNACTIVED', 'ACTIVED']) {
      for (const to of ['UNACTIVED', 'ACTIVED', 'WAITING_DELETE'])
        assert.equal(
          code(() => checkUserStateChange(ID, from, to)),
          undefined,
        );
    }
    for (const from of ['CREATING', 'FAILED', 'DELETING', 'BLOCK', 'WAITING_DELETE']) {
      assert.equal(
        code(() => checkUserStateChange(ID, from, 'ACTIVED')),
        '400 MSS.00000003',
        from,
      );
    }
    for (const to of ['CREATING', 'DELETING', 'DELETED', 'BLOCK', 'FAILED']) {
      assert.equal(
        code(() => checkUserStateChange(ID, 'ACTIVED', to)),
        '400 MSS.00000003',
        to,
      );
    }
  });

  it('fields are editable except in the recycle bin or frozen', () => {
    for (const s of ['CREATING', 'FAILED', 'UNACTIVED', 'ACTIVED', 'WAITING_DELETE'])
      assert.equal(
        code(() => checkEditable(ID, s)),
        undefined,
      );
    for (const s of ['DELETING', 'BLOCK'])
      assert.equal(
        code(() => checkEditable(ID, s)),
        '400 MSS.00000003',
      );
  });

  it('DeleteAsset moves to the bin from any live state and is a no-op in the bin', () => {
    assert.equal(softDeleteAction('ACTIVED'), 'move');
    assert.equal(softDeleteAction('CREATING'), 'move');
    assert.equal(softDeleteAction('DELETING'), 'noop');
  });

  it('RestoreAsset returns to the pre-delete state; only from DELETING', () => {
    assert.equal(restoreTarget(ID, 'DELETING', 'ACTIVED'), 'ACTIVED');
    assert.equal(restoreTarget(ID, 'DELETING', 'CREATING'), 'CREATING');
    assert.equal(restoreTarget(ID, 'DELETING', null), 'UNACTIVED');
    assert.equal(restoreTarget(ID, 'DELETING', 'DELETED'), 'UNACTIVED');
    assert.equal(
      code(() => restoreTarget(ID, 'ACTIVED', null)),
      '400 MSS.00000003',
    );
  });

  it('the recycle bin keeps 7 days', () => {
    assert.equal(purgeCutoff(new Date('2024-01-08T00:00:00Z')).toISOString(), '2024-01-01T00:00:00.000Z');
  });

  it('CreateDigitalAsset: VOICE_MODEL and HUMAN_MODEL_2D are 403 MSS.00000004', () => {
    assert.equal(
      code(() => checkUserCreatableType('VOICE_MODEL')),
      '403 MSS.00000004',
    );
    assert.equal(
      code(() => checkUserCreatableType('HUMAN_MODEL_2D')),
      '403 MSS.00000004',
    );
    assert.equal(
      code(() => checkUserCreatableType('VIDEO')),
      undefined,
    );
  });
});

describe('asset fields', () => {
  it('names: digits, underscores, CJK are fine; control characters are not', () => {
    assert.equal(checkName('asset_name', '产品_intro 2 (final).mp4'), '产品_intro 2 (final).mp4');
    assert.equal(
      code(() => checkName('asset_name', 'a\tb')),
      '400 MSS.00000003',
    );
    assert.equal(
      code(() => checkName('asset_name', 'a\u0085b')),
      '400 MSS.00000003',
    );
  });

  it('tags: at most 50 of at most 128 characters, duplicates collapse', () => {
    assert.deepEqual(normaliseTags(['b', 'a', 'b']), ['b', 'a']);
    assert.equal(normaliseTags(Array.from({ length: 50 }, (_, i) => `${i}`)).length, 50);
    assert.equal(
      code(() => normaliseTags(Array.from({ length: 51 }, (_, i) => `${i}`))),
      '400 MSS.00000003',
    );
    assert.equal(
      code(() => normaliseTags(['x'.repeat(129)])),
      '400 MSS.00000003',
    );
  });

  it('system properties: ADD upserts in place, DELETE removes, value needed to ADD, ≤ 50', () => {
    const start = [
      { key: 'A', value: '1' },
      { key: 'B', value: '2' },
    ];
    assert.deepEqual(
      applySystemProperties(start, [
        { action: 'ADD', key: 'A', value: '9' },
        { action: 'DELETE', key: 'B' },
        { key: 'C', value: '3' },
        { action: 'DELETE', key: 'Z' },
      ]),
      [
        { key: 'A', value: '9' },
        { key: 'C', value: '3' },
      ],
    );
    assert.deepEqual(start[0], { key: 'A', value: '1' }, 'the input is not modified');
    assert.equal(
      code(() => applySystemProperties([], [{ key: 'A' }])),
      '400 MSS.00000003',
    );
    assert.equal(
      code(() => applySystemProperties([], [{ value: 'x' }])),
      '400 MSS.00000003',
    );
    const many = Array.from({ length: 51 }, () => ({ key: 'A', value: 'x' }));
    assert.equal(
      code(() => applySystemProperties([], many)),
      '400 MSS.00000003',
    );
  });

  it('UpdateDigitalAsset patch: only what is given, extra meta merged by part', () => {
    const row = {
      asset_id: ID,
      asset_type: 'VIDEO',
      asset_state: 'ACTIVED',
      system_properties: [{ key: 'A', value: '1' }],
      asset_extra_meta: { video_meta: { width: 1 }, ppt_meta: { x: 1 } },
    } as unknown as AssetRow;
    const now = new Date();
    assert.deepEqual(updatePatch(row, {}, now), { update_time: now });
    const p = updatePatch(
      row,
      { asset_description: 'd', asset_extra_meta: { ppt_meta: {} } as never, asset_type: 'VIDEO' },
      now,
    );
    assert.deepEqual(p, {
      update_time: now,
      asset_description: 'd',
      asset_extra_meta: JSON.stringify({ video_meta: { width: 1 }, ppt_meta: {} }),
    });
    assert.equal(
      code(() => updatePatch(row, { asset_type: 'VOICE_MODEL' }, now)),
      '403 MSS.00000004',
    );
  });

  it('times: RFC 3339 in, anything else 400', () => {
    assert.equal(parseWireTime('t', '2024-01-10T08:43:17Z').toISOString(), '2024-01-10T08:43:17.000Z');
    assert.equal(parseWireTime('t', '2024-01-10T08:43:17+08:00').toISOString(), '2024-01-10T00:43:17.000Z');
    for (const bad of ['2024-01-10', 'yesterday', '2024-13-40T99:00:00Z']) {
      assert.equal(
        code(() => parseWireTime('t', bad)),
        '400 MSS.00000003',
        bad,
      );
    }
  });
});

describe('sharing rules', () => {
  const now = new Date('2024-01-01T00:00:00Z');
  it('shared_config SHARED lists sharees (not the owner); PRIVATE and PUBLIC share with none', () => {
    assert.deepEqual(shareConfigOf(P1, { shared_type: 'SHARED', allowed_project_ids: [P2, P1, P2] }, now), {
      sharees: [P2],
      expiresAt: null,
    });
    assert.deepEqual(
      shareConfigOf(P1, { shared_type: 'PUBLIC', allowed_project_ids: [P2] }, now).sharees,
      [],
    );
    const exp = shareConfigOf(
      P1,
      { shared_type: 'SHARED', allowed_project_ids: [P2], expire_time: '2024-02-01T00:00:00Z' },
      now,
    );
    assert.equal(exp.expiresAt?.toISOString(), '2024-02-01T00:00:00.000Z');
    assert.equal(
      code(() => shareConfigOf(P1, { shared_type: 'SHARED', allowed_project_ids: ['x'] }, now)),
      '400 MSS.00000003',
    );
    assert.equal(
      code(() => shareConfigOf(P1, { shared_type: 'SHARED', expire_time: '2023-01-01T00:00:00Z' }, now)),
      '400 MSS.00000003',
    );
  });

  it('SHARE/UNSHARE params: a JSON string with allowed_project_ids; UNSHARE without params means all', () => {
    assert.deepEqual(parseShareParams('SHARE', JSON.stringify({ allowed_project_ids: [P2] }), P1), [P2]);
    assert.equal(parseShareParams('UNSHARE', undefined, P1), 'all');
    assert.deepEqual(parseShareParams('UNSHARE', JSON.stringify({ allowed_project_ids: [P2] }), P1), [P2]);
    for (const bad of [undefined, '', '{', '{"allowed_project_ids":[]}', '{"allowed_project_ids":"x"}']) {
      assert.equal(
        code(() => parseShareParams('SHARE', bad, P1)),
        '400 MSS.00000003',
        String(bad),
      );
    }
  });
});

describe('replication info (ShowAssetReplicationInfo / CreateAssetByReplicationInfo)', () => {
  const key = Buffer.alloc(32, 1);
  const now = new Date('2024-01-01T00:00:00Z');
  const src = { projectId: P1, assetId: ID };

  it('round-trips and expires after 24 h', () => {
    const info = signReplicationInfo(key, src, now);
    assert.equal(info.expire_time, now.getTime() + 24 * 3600e3);
    assert.equal(info.encryption_info.algorithm, 'HMAC-SHA256');
    const p = verifyReplicationInfo(key, info.asset_info, new Date(now.getTime() + 3600e3));
    assert.equal(p.p, P1);
    assert.equal(p.a, ID);
    assert.match(
      code(() => verifyReplicationInfo(key, info.asset_info, new Date(info.expire_time))) ?? '',
      /400/,
    );
    assert.notEqual(signReplicationInfo(key, src, now).asset_info, info.asset_info, 'nonce');
  });

  it('refuses another key, any changed byte, and malformed input', () => {
    const info = signReplicationInfo(key, src, now);
    assert.equal(
      code(() => verifyReplicationInfo(Buffer.alloc(32, 2), info.asset_info, now)),
      '400 MSS.00000003',
    );
    const [body, sig] = info.asset_info.split('.') as [string, string];
    const flipped = `${body.slice(0, 5)}${body[5] === 'A' ? 'B' : 'A'}${body.slice(6)}`;
    assert.equal(
      code(() => verifyReplicationInfo(key, `${flipped}.${sig}`, now)),
      '400 MSS.00000003',
    );
    for (const bad of ['', 'x', 'a.b.c', `${body}.`]) {
      assert.equal(
        code(() => verifyReplicationInfo(key, bad, now)),
        '400 MSS.00000003',
        bad,
      );
    }
  });

  it('copied file ids are stable per (new asset, source file) and shaped like MetaStudio file ids', () => {
    const a = copiedFileId(ID, 'f1');
    assert.equal(a, copiedFileId(ID, 'f1'));
    assert.notEqual(a, copiedFileId(ID, 'f2'));
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
