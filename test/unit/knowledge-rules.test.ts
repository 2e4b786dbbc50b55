// Pure knowledge rules: the last-page offset, identifies, id lists, and the skill file parser
// (errors name the place; encode → parse gives the same file).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AppError } from '../../src/core/errors/index.ts';
import { encodeSkillFile, parseSkillFile, type SkillFile } from '../../src/modules/knowledge/index.ts';
import {
  checkIdList,
  checkSkillIdentify,
  effectiveOffset,
  isIntentIdentify,
  newIntentIdentify,
} from '../../src/modules/knowledge/knowledge.rules.ts';

const rejects = (fn: () => unknown, msg: RegExp) =>
  assert.throws(fn, (e) => e instanceof AppError && e.status === 400 && msg.test(e.message));

it('an offset at or past the end answers the last page', () => {
  assert.equal(effectiveOffset(0, 10, 0), 0);
  assert.equal(effectiveOffset(5, 10, 23), 5);
  assert.equal(effectiveOffset(23, 10, 23), 20);
  assert.equal(effectiveOffset(999, 10, 20), 10);
  assert.equal(effectiveOffset(40, 7, 21), 14);
});

it('identifies: skill identifies are ASCII words; generated intent identifies fit the contract', () => {
  assert.equal(checkSkillIdentify('store_qa1'), 'store_qa1');
  rejects(() => checkSkillIdentify('1abc'), /ASCII letter/);
  rejects(() => checkSkillIdentify('售后'), /ASCII letter/);
  rejects(() => checkSkillIdentify('a'.repeat(16)), /1–15/);
  const made = new Set(Array.from({ length: 100 }, newIntentIdentify));
  assert.equal(made.size, 100);
  for (const id of made) assert.ok(isIntentIdentify(id) && id.length <= 32, id);
});

it('delete id lists: non-empty, strings, repeats dropped', () => {
  assert.deepEqual(checkIdList(['a', 'b', 'a']), ['a', 'b']);
  rejects(() => checkIdList([]), /non-empty/);
  rejects(() => checkIdList({}), /non-empty/);
  rejects(() => checkIdList(['a', 3]), /body\[1\]/);
});

it('skill files: encode → parse is the identity; errors name the place', () => {
  const file: SkillFile = {
    format: 'doppel-knowledge-skill',
    version: 1,
    skill: { name: '门店', identify: 'store' },
    intents: [
      { name: 'a', identify: 'intent_000000000001', answer: 'line1\nline2 "q"', questions: ['x', 'y'] },
      { name: 'b', identify: 'intent_000000000002', answer: 'z', questions: [] },
    ],
  };
  assert.deepEqual(parseSkillFile(encodeSkillFile(file)), file);
  const empty = { ...file, intents: [] };
  assert.deepEqual(parseSkillFile(encodeSkillFile(empty)), empty);
  const bad = (doc: unknown, msg: RegExp) => rejects(() => parseSkillFile(JSON.stringify(doc)), msg);
  bad({ ...file, format: 'x' }, /"format"/);
  bad({ ...file, version: 2 }, /version 2/);
  bad({ ...file, skill: { name: '', identify: 'store' } }, /skill\.name/);
  bad(
    { ...file, intents: [file.intents[0], { ...file.intents[1], name: 'a' }] },
    /intents\[1\]\.name repeats/,
  );
  bad({ ...file, intents: [{ ...file.intents[0], questions: ['x', 'x'] }] }, /intents\[0\]\.questions\[1\]/);
  bad({ ...file, intents: [{ ...file.intents[0], answer: 'x'.repeat(2001) }] }, /intents\[0\]\.answer/);
  rejects(() => parseSkillFile(new Uint8Array([0xff, 0xfe])), /not UTF-8 JSON/);
});
