// The matcher's text handling: normalisation (width, case, script, punctuation), the English
// stemmer, and the features Chinese, English and mixed texts give.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { features, normalizeText, stem } from '../../src/engines/dialog/text.ts';

test('normalizeText folds width, case, traditional characters and punctuation', () => {
  assert.equal(normalizeText('ＡＢＣ　１２３！'), 'abc 123');
  assert.equal(normalizeText('請問怎麼申請退貨？'), '请问怎么申请退货');
  assert.equal(normalizeText("Don't   STOP, ok?"), 'dont stop ok');
  assert.equal(normalizeText('iPhone15能用優惠券嗎'), 'iphone15能用优惠券吗');
});

test('stem brings the forms of a word together and leaves short words alone', () => {
  for (const w of ['refund', 'refunds', 'refunded', 'refunding']) assert.equal(stem(w), 'refund');
  assert.equal(stem('deliveries'), stem('delivery'));
  assert.equal(stem('boxes'), 'box');
  assert.equal(stem('ship'), 'ship');
  assert.equal(stem('shipping'), 'ship');
  assert.equal(stem('bus'), 'bus');
});

test('features: stems for English without function words, bigrams and concepts for Chinese', () => {
  const en = [...features('How do I get a REFUND for my orders?').keys()];
  assert.deepEqual(en.sort(), ['l:order', 'l:refund', 's:refund']);
  const zh = features('我想退货');
  assert.ok(zh.has('b:退货'));
  assert.ok(zh.has('s:return'), 'the concept class joins 退货 with return / send back');
  assert.ok(!zh.has('b:我想'), 'question frames make no bigram');
  assert.ok((zh.get('c:退') ?? 0) < (zh.get('b:退货') ?? 0), 'single characters weigh less');
  const mixed = features('iPhone 15 能用优惠券吗');
  assert.ok(mixed.has(`l:${stem('iphone')}`) && mixed.has('l:15') && mixed.has('s:coupon'));
  assert.equal(features('的了吗').size, 0, 'particles alone carry nothing');
});

test('features: the same question in traditional and simplified characters is the same', () => {
  assert.deepEqual([...features('密碼忘了怎麼辦')].sort(), [...features('密码忘了怎么办')].sort());
});

test('features: phrases of several words reach their concept (log in, money back)', () => {
  assert.ok(features('I cannot log in').has('s:login'));
  assert.ok(features('when do I get my money back').has('s:refund'));
  assert.ok(!features('log the time').has('s:login'));
});
