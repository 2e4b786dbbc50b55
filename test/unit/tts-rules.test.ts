// The pure TTS rules: request defaults (CreateAsyncTtsJob, CreateTtsAudition), callback
// config, refused options, and vocabulary validation (CreateTtscVocabularyConfigs,
// SaveTtscVocabularyConfigs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ASYNC_MAX_CHARS,
  AUDITION_MAX_CHARS,
  asyncRequest,
  auditionRequest,
  callbackOf,
  outputKey,
  unsupportedOption,
} from '../../src/modules/tts/tts.rules.ts';
import { normaliseVocabulary, vocabularyProblem } from '../../src/modules/tts/vocabulary.rules.ts';

describe('TTS request rules (CreateAsyncTtsJob / CreateTtsAudition)', () => {
  it('applies the documented defaults', () => {
    const r = asyncRequest({ text: 'hello', voice_asset_id: 'v' });
    assert.deepEqual(r.prosody, { speed: 100, pitch: 100, volume: 140 });
    assert.equal(r.format, 'WAV');
    assert.equal(r.channels, 1);
    assert.equal(r.priority, 5);
    assert.equal(r.silenceMs, 2000);
    assert.equal(r.srtLineLimit, 1);
    assert.equal(r.maxChars, ASYNC_MAX_CHARS);
    assert.equal(r.callback, undefined);
    const a = auditionRequest({ text: '', tts_text: '你好', emotion: 'v', channels: 2 });
    assert.equal(a.text, '你好');
    assert.equal(a.channels, 2);
    assert.equal(a.maxChars, AUDITION_MAX_CHARS);
  });

  it('keeps priority 0 (highest) and maps srt_len 0 to "no limit"', () => {
    const r = asyncRequest({ text: 'x', voice_asset_id: 'v', priority: 0, srt_len: 0, srt_line_limit: 2 });
    assert.equal(r.priority, 0);
    assert.equal(r.srtLen, undefined);
    assert.equal(r.srtLineLimit, 2);
  });

  it('callback_config: unsigned without key, MSS_A with a key, refuses bad auth and URLs', () => {
    assert.deepEqual(callbackOf({ callback_url: 'https://a.example/cb' }), {
      url: 'https://a.example/cb',
      authType: 'NONE',
      key: undefined,
    });
    const signed = callbackOf({ callback_url: 'https://a.example/cb', key: 'k' } as never);
    assert.equal(signed?.authType, 'MSS_A');
    const head = callbackOf({
      callback_url: 'https://a.example/cb',
      key: 'k',
      auth_type: 'MSS_A_HEAD',
    } as never);
    assert.equal(head?.authType, 'MSS_A_HEAD');
    assert.throws(() => callbackOf({ callback_url: 'https://a.example/cb', auth_type: 'MSS_A' } as never));
    assert.throws(() =>
      callbackOf({ callback_url: 'https://a.example/cb', auth_type: 'X', key: 'k' } as never),
    );
    assert.throws(() => callbackOf({ callback_url: 'ftp://a.example/cb' }));
  });

  it('refuses external output URLs (ERRATA 30)', () => {
    assert.ok(unsupportedOption({ text: 'x', voice_asset_id: 'v', output_external_url: 'https://x' }));
    assert.equal(unsupportedOption({ text: 'x', voice_asset_id: 'v' }), undefined);
  });

  it('outputs live under tts/{project_id}/{job_id}/', () => {
    assert.equal(outputKey('p', 'j', 'audio.wav'), 'tts/p/j/audio.wav');
  });
});

describe('vocabulary rules (CreateTtscVocabularyConfigs / SaveTtscVocabularyConfigs)', () => {
  const ok = (type: string, key: string, value: string) =>
    vocabularyProblem(normaliseVocabulary({ type: type as never, key, value }));

  it('accepts one good entry of each type', () => {
    assert.equal(ok('ALIAS', 'WHO', 'World Health Organization'), undefined);
    assert.equal(ok('SAY_AS', '110', 'digits'), undefined);
    assert.equal(ok('PHONETIC_SYMBOL', 'Doppel', 'ˈdɒpəl'), undefined);
    assert.equal(ok('CHINESE_G2P', '重庆', 'chong2 qing4'), undefined);
    assert.equal(ok('CHINESE_G2P', '绿色', 'LV4  se4'), undefined);
    assert.equal(ok('CONTINUUM', 'New York', ''), undefined);
  });

  it('refuses entries that break their type', () => {
    assert.ok(ok('ALIAS', 'WHO', ''));
    assert.ok(ok('ALIAS', '', 'x'));
    assert.ok(ok('SAY_AS', '110', 'shout'));
    assert.ok(ok('PHONETIC_SYMBOL', 'two words', 'tuː'));
    assert.ok(ok('CHINESE_G2P', 'abc', 'a1'));
    assert.ok(ok('CHINESE_G2P', '重庆', 'chong qing'));
    assert.ok(ok('CHINESE_G2P', '重庆', 'chong2'));
    assert.ok(ok('CONTINUUM', 'a', ''));
    assert.ok(ok('ALIAS', '<b>', 'x'));
    assert.ok(ok('NOPE', 'a', 'b'));
  });

  it('normalises pinyin: lower case, v → ü, single spaces', () => {
    assert.equal(normaliseVocabulary({ type: 'CHINESE_G2P', key: ' 绿 ', value: ' LV4 ' }).value, 'lü4');
  });
});
