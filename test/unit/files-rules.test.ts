// The pure rules behind File Management (CreateFile, CreateLargeFile): file types, categories,
// SEMANTICS §5 limits, object keys, generated cover ids, meta merging.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertValidKey } from '../../src/core/object-store/key.ts';
import {
  checkFormat,
  checkSize,
  coverFileIdFor,
  keySafeName,
  mergeExtraMeta,
  objectKeyFor,
  parseCategory,
  resolveFileType,
} from '../../src/modules/assets/files.rules.ts';

const code = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('files rules (CreateFile / CreateLargeFile)', () => {
  it('file_type defaults to the extension (ERRATA 3); none at all is MSS.10001003', () => {
    assert.equal(resolveFileType('Clip.MP4', undefined), 'mp4');
    assert.equal(resolveFileType('clip', 'mov'), 'mov');
    assert.equal(resolveFileType('clip.mp4', '.MKV'), 'MKV');
    assert.equal(
      code(() => resolveFileType('clip', undefined)),
      'MSS.10001003',
    );
    assert.equal(
      code(() => resolveFileType('clip.', '  ')),
      'MSS.10001003',
    );
  });

  it('categories are the seven of SEMANTICS §4.1, case-insensitive', () => {
    assert.equal(parseCategory('main'), 'MAIN');
    assert.equal(parseCategory('PACKAGE'), 'PACKAGE');
    assert.equal(
      code(() => parseCategory('THUMBNAIL')),
      'MSS.00000003',
    );
  });

  it('MAIN formats per asset type; COVER must be a picture; other categories are free', () => {
    assert.equal(
      code(() => checkFormat('VIDEO', 'MAIN', 'WEBM')),
      undefined,
    );
    assert.equal(
      code(() => checkFormat('VIDEO', 'MAIN', 'png')),
      'MSS.00000003',
    );
    assert.equal(
      code(() => checkFormat('IMAGE', 'MAIN', 'gif')),
      undefined,
    );
    assert.equal(
      code(() => checkFormat('MUSIC', 'MAIN', 'm4a')),
      undefined,
    );
    assert.equal(
      code(() => checkFormat('PPT', 'MAIN', 'key')),
      'MSS.00000003',
    );
    assert.equal(
      code(() => checkFormat('COMMON_FILE', 'MAIN', 'zip')),
      undefined,
    );
    assert.equal(
      code(() => checkFormat('VIDEO', 'COVER', 'mp4')),
      'MSS.00000003',
    );
    assert.equal(
      code(() => checkFormat('VIDEO', 'OTHER', 'anything')),
      undefined,
    );
  });

  it('MAIN sizes per asset type → MSS.10001007', () => {
    const MB = 1024 ** 2;
    assert.equal(
      code(() => checkSize('IMAGE', 'MAIN', 50 * MB)),
      undefined,
    );
    assert.equal(
      code(() => checkSize('IMAGE', 'MAIN', 50 * MB + 1)),
      'MSS.10001007',
    );
    assert.equal(
      code(() => checkSize('AUDIO', 'MAIN', 100 * MB + 1)),
      'MSS.10001007',
    );
    assert.equal(
      code(() => checkSize('VIDEO', 'MAIN', 5 * 1024 ** 3 + 1)),
      'MSS.10001007',
    );
    assert.equal(
      code(() => checkSize('COMMON_FILE', 'MAIN', 400 * 1024 ** 3)),
      undefined,
    );
    assert.equal(
      code(() => checkSize('VIDEO', 'COVER', 51 * MB)),
      'MSS.10001007',
    );
    // Parts lift the big-media cap to 500 GB, never a picture's or a cover's.
    const GB = 1024 ** 3;
    assert.equal(
      code(() => checkSize('VIDEO', 'MAIN', 500 * GB, 'multipart')),
      undefined,
    );
    assert.equal(
      code(() => checkSize('VIDEO', 'MAIN', 500 * GB + 1, 'multipart')),
      'MSS.10001007',
    );
    assert.equal(
      code(() => checkSize('COMMON_FILE', 'MAIN', 500 * GB + 1, 'multipart')),
      'MSS.10001007',
    );
    assert.equal(
      code(() => checkSize('IMAGE', 'MAIN', 50 * MB + 1, 'multipart')),
      'MSS.10001007',
    );
    assert.equal(
      code(() => checkSize('VIDEO', 'COVER', 51 * MB, 'multipart')),
      'MSS.10001007',
    );
  });

  it('object keys share the asset prefix and are valid store keys whatever the file name', () => {
    const k = objectKeyFor('p'.repeat(32), 'a'.repeat(32), 'f-1', 'my clip (1).mp4');
    assert.equal(k, `assets/${'p'.repeat(32)}/${'a'.repeat(32)}/f-1/my_clip__1_.mp4`);
    for (const name of ['../../etc/passwd', '..', '.', '视频.mp4', 'a..b', `${'x'.repeat(300)}.png`, '~!']) {
      const key = objectKeyFor('p', 'a', 'f', name);
      assert.doesNotThrow(() => assertValidKey(key), key);
    }
    assert.equal(keySafeName('视频.mp4'), '__.mp4');
    assert.ok(keySafeName(`${'x'.repeat(300)}.png`).endsWith('.png'));
  });

  it('the generated cover id is a stable dashed UUID derived from the MAIN file id', () => {
    const a = coverFileIdFor('24bad716-87b1-45e5-8912-6102f7693265');
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(a, coverFileIdFor('24bad716-87b1-45e5-8912-6102f7693265'));
    assert.notEqual(a, coverFileIdFor('24bad716-87b1-45e5-8912-6102f7693266'));
  });

  it('probed meta merges over the asset meta field by field', () => {
    const merged = mergeExtraMeta(
      { material_meta: { x: 1 }, video_meta: { width: 1, mode: 'Vertical' } },
      { video_meta: { width: 1280, height: 720 } },
    );
    assert.deepEqual(merged, {
      material_meta: { x: 1 },
      video_meta: { width: 1280, height: 720, mode: 'Vertical' },
    });
  });
});
