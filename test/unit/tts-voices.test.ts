// The shipped voices (VOICE_MODEL system assets used by CreateAsyncTtsJob and
// CreateTtsAudition): at least four Mandarin and four English, each a distinct engine voice,
// with contract-valid meta.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_ASSETS, SYSTEM_VOICES } from '../../src/modules/assets/system-catalog.ts';
import { voiceSpecOf } from '../../src/modules/tts/index.ts';

describe('system voices (CreateAsyncTtsJob voice_asset_id, CreateTtsAudition emotion)', () => {
  it('ships ≥ 4 Mandarin and ≥ 4 English voices, both sexes in each', () => {
    for (const [lang, meta] of [
      ['zh', 'CN'],
      ['en', 'EN'],
    ] as const) {
      const vs = SYSTEM_VOICES.filter((v) => v.voice.language === lang);
      assert.ok(vs.length >= 4, lang);
      assert.ok(vs.every((v) => v.meta.language === meta));
      assert.ok(vs.some((v) => v.meta.sex === 'MALE') && vs.some((v) => v.meta.sex === 'FEMALE'), lang);
    }
  });

  it('every voice is a distinct engine voice with unique fixed ids and names', () => {
    const ids = [...SYSTEM_VOICES.map((v) => v.assetId), ...SYSTEM_ASSETS.map((a) => a.assetId)];
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(new Set(SYSTEM_VOICES.map((v) => v.name)).size, SYSTEM_VOICES.length);
    const sig = SYSTEM_VOICES.map((v) => JSON.stringify(v.voice.params));
    assert.equal(new Set(sig).size, sig.length);
    for (const v of SYSTEM_VOICES) {
      assert.match(v.assetId, /^[0-9a-f]{32}$/);
      assert.ok(v.tags.includes(v.voice.language));
      assert.deepEqual(voiceSpecOf({ voice_model_meta: v.meta, doppel_voice: v.voice }), v.voice);
    }
  });

  it('an asset without doppel_voice maps to no engine voice', () => {
    assert.equal(voiceSpecOf({}), undefined);
    assert.equal(voiceSpecOf({ doppel_voice: { engine: 'espeak' } }), undefined);
  });
});
