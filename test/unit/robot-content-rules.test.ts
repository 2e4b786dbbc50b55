// The pure rules of the robot-content module: the last-page rule, languages, ids and the
// shape a hot-word record takes on create and update.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  canonLanguage,
  checkIdList,
  effectiveOffset,
  resolveHotWords,
} from '../../src/modules/robot-content/robot-content.rules.ts';

it('effectiveOffset: in range as asked, past the end the last page, empty lists at 0', () => {
  assert.equal(effectiveOffset(5, 2, 2), 2);
  assert.equal(effectiveOffset(5, 5, 2), 4);
  assert.equal(effectiveOffset(5, 99, 10), 0);
  assert.equal(effectiveOffset(6, 6, 3), 3);
  assert.equal(effectiveOffset(0, 7, 10), 0);
});

it('canonLanguage maps the retired names and defaults to CN', () => {
  assert.equal(canonLanguage('zh_CN'), 'CN');
  assert.equal(canonLanguage('en_US'), 'EN');
  assert.equal(canonLanguage(undefined), 'CN');
  assert.equal(canonLanguage('Thai'), 'Thai');
});

it('checkIdList: non-empty, well-formed, at most 100, repeats collapse', () => {
  assert.deepEqual(checkIdList(['a', 'a', 'b'], 'x_id'), ['a', 'b']);
  assert.throws(() => checkIdList([], 'x_id'), /non-empty/);
  assert.throws(() => checkIdList(['ok', 'not ok'], 'x_id'), /body\[1\]/);
  assert.throws(
    () =>
      checkIdList(
        Array.from({ length: 101 }, (_, i) => `i${i}`),
        'x_id',
      ),
    /at most 100/,
  );
});

it('resolveHotWords: each type its own object; updates merge within a type', () => {
  const sis = resolveHotWords(
    'SIS',
    { vocabulary_id: 'v', sis_project_id: 'p', region: 3, language: 'en_US' },
    undefined,
  );
  assert.deepEqual(sis, {
    hot_words_type: 'SIS',
    vocabulary_id: 'v',
    sis_project_id: 'p',
    region: 3,
    language: 'EN',
  });
  assert.throws(() => resolveHotWords('MOBVOI', undefined, undefined), /mobvoi_hot_words is required/);
  assert.throws(
    () => resolveHotWords('SIS', { vocabulary_id: 'v' }, undefined),
    /sis_project_id, region, language/,
  );
  assert.deepEqual(resolveHotWords('SIS', { region: 0 }, undefined, sis).region, 0);
  assert.deepEqual(resolveHotWords('SIS', undefined, undefined, sis), sis);
  const mob = resolveHotWords('MOBVOI', undefined, { vocabulary_id: 'm', language: 'CN' }, sis);
  assert.deepEqual(mob, {
    hot_words_type: 'MOBVOI',
    vocabulary_id: 'm',
    sis_project_id: null,
    region: null,
    language: 'CN',
  });
  assert.throws(() => resolveHotWords('MOBVOI', undefined, { vocabulary_id: 'm' }, sis), /language/);
});
