// The speech part of loadConfig: pool size, the optional OpenAI-compatible engine.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

test('defaults: a pool per core, no HTTP engine', () => {
  const c = loadConfig({});
  assert.equal(c.speech.poolSize, Math.max(1, os.availableParallelism()));
  assert.equal(c.speech.openai, undefined);
  assert.equal(c.speech.idleMs, 60_000);
});

test('the idle timeout of the engine processes is set in seconds; 0 keeps them', () => {
  assert.equal(loadConfig({ DOPPEL_TTS_IDLE_SECONDS: '300' }).speech.idleMs, 300_000);
  assert.equal(loadConfig({ DOPPEL_TTS_IDLE_SECONDS: '0' }).speech.idleMs, 0);
  assert.throws(
    () => loadConfig({ DOPPEL_TTS_IDLE_SECONDS: '-1' }),
    (e) => e instanceof ConfigError && /DOPPEL_TTS_IDLE_SECONDS/.test(e.message),
  );
});

test('an OpenAI-compatible endpoint with key, model and voice map', () => {
  const c = loadConfig({
    DOPPEL_TTS_POOL_SIZE: '3',
    DOPPEL_TTS_OPENAI_URL: 'https://tts.example.com/',
    DOPPEL_TTS_OPENAI_KEY: 'sk-1',
    DOPPEL_TTS_OPENAI_VOICES: '{"xiaoqing":"nova"}',
  });
  assert.equal(c.speech.poolSize, 3);
  assert.deepEqual(c.speech.openai, {
    url: 'https://tts.example.com',
    apiKey: 'sk-1',
    model: 'tts-1',
    voices: { xiaoqing: 'nova' },
  });
});

test('bad values are reported together', () => {
  assert.throws(
    () =>
      loadConfig({
        DOPPEL_TTS_POOL_SIZE: '0',
        DOPPEL_TTS_OPENAI_URL: 'ftp://x',
      }),
    (e) => e instanceof ConfigError && e.problems.length === 2,
  );
  assert.throws(
    () => loadConfig({ DOPPEL_TTS_OPENAI_URL: 'http://x', DOPPEL_TTS_OPENAI_VOICES: '["nova"]' }),
    (e) => e instanceof ConfigError && /DOPPEL_TTS_OPENAI_VOICES/.test(e.message),
  );
});
