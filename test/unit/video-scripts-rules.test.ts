// Video script rules (video-scripts.rules.ts): the SEMANTICS §5 limits, asset references
// and their types, update merging, copy names — pure functions, no database. These back
// CreateVideoScripts, UpdateVideoScript and CopyVideoScripts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CreateVideoScriptsReq } from '../../src/contract/generated/types.ts';
import { likePattern } from '../../src/core/db/sql-helpers.ts';
import type { AppError } from '../../src/core/errors/index.ts';
import {
  assetRefs,
  audioUploadScenes,
  checkAssetRefs,
  copyName,
  docFromCreate,
  firstScene,
  MAX_SCENE_TEXT,
  MAX_SSML_SCENE,
  mergeUpdate,
  spokenText,
} from '../../src/modules/video-scripts/video-scripts.rules.ts';

const text = (t: string, seq?: number) => ({
  ...(seq === undefined ? {} : { sequence_no: seq }),
  shoot_script: { script_type: 'TEXT' as const, text_config: { text: t } },
});
const req = (over: Partial<CreateVideoScriptsReq> = {}): CreateVideoScriptsReq => ({
  script_name: 'demo',
  shoot_scripts: [text('你好，欢迎。'), text('Hello and welcome.')],
  ...over,
});
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return `${(e as AppError).code} ${(e as AppError).message}`;
  }
  return 'no error';
};

describe('video script limits (CreateVideoScripts, UpdateVideoScript)', () => {
  it('applies defaults and numbers scenes that have no sequence_no', () => {
    const doc = docFromCreate(req());
    assert.equal(doc.view_mode, 'LANDSCAPE');
    assert.equal(doc.script_description, '');
    assert.deepEqual(
      doc.shoot_scripts?.map((s) => s.sequence_no),
      [0, 1],
    );
  });

  it('requires a name and at least one scene; refuses repeated sequence numbers', () => {
    assert.match(
      code(() => docFromCreate({ shoot_scripts: [text('a')] })),
      /MSS.00000003 .*script_name/,
    );
    assert.match(
      code(() => docFromCreate({ script_name: 'x' })),
      /shoot_scripts is required/,
    );
    assert.match(
      code(() => docFromCreate(req({ shoot_scripts: [] }))),
      /at least one scene/,
    );
    assert.match(
      code(() => docFromCreate(req({ script_name: '   ' }))),
      /script_name/,
    );
    assert.match(
      code(() => docFromCreate(req({ shoot_scripts: [text('a', 3), text('b', 3)] }))),
      /shoot_scripts\[1\]\.sequence_no 3 is repeated/,
    );
  });

  it('allows 50 scenes and refuses 51', () => {
    const scenes = (n: number) => Array.from({ length: n }, (_, i) => text(`scene ${i}`));
    assert.equal(docFromCreate(req({ shoot_scripts: scenes(50) })).shoot_scripts?.length, 50);
    assert.match(
      code(() => docFromCreate(req({ shoot_scripts: scenes(51) }))),
      /at most 50 scenes/,
    );
  });

  it('counts characters (not UTF-16 units) per scene and over the script', () => {
    assert.doesNotThrow(() => docFromCreate(req({ shoot_scripts: [text('字'.repeat(MAX_SCENE_TEXT))] })));
    assert.doesNotThrow(() => docFromCreate(req({ shoot_scripts: [text('😀'.repeat(MAX_SCENE_TEXT))] })));
    assert.match(
      code(() => docFromCreate(req({ shoot_scripts: [text('a'.repeat(MAX_SCENE_TEXT + 1))] }))),
      /shoot_scripts\[0\]\.shoot_script\.text_config\.text has 10001 characters/,
    );
    const eleven = Array.from({ length: 11 }, () => text('b'.repeat(MAX_SCENE_TEXT)));
    assert.match(
      code(() => docFromCreate(req({ shoot_scripts: eleven }))),
      /totals 110000 characters/,
    );
  });

  it('counts SSML by its spoken text, and caps the markup under 128K', () => {
    const ssml = `<speak>${'<break time="1s"/>'.repeat(1000)}${'x'.repeat(MAX_SCENE_TEXT)}</speak>`;
    assert.doesNotThrow(() => docFromCreate(req({ shoot_scripts: [text(ssml)] })));
    assert.equal(spokenText('<speak>a &amp; <b>b</b></speak>'), 'a & b');
    const huge = `<speak>${'<break/>'.repeat(MAX_SSML_SCENE / 8)}hi</speak>`;
    assert.match(
      code(() => docFromCreate(req({ shoot_scripts: [text(huge)] }))),
      /SSML must be under 131072/,
    );
  });

  it('needs text for TEXT scenes, not for AUDIO ones; checks background shapes', () => {
    const audio = { shoot_script: { script_type: 'AUDIO' as const } };
    assert.doesNotThrow(() => docFromCreate(req({ shoot_scripts: [audio] })));
    assert.match(
      code(() => docFromCreate(req({ shoot_scripts: [{ shoot_script: { script_type: 'TEXT' } }] }))),
      /text_config\.text is required/,
    );
    const color = {
      shoot_script: { ...text('a').shoot_script, background_config: [{ background_type: 'COLOR' as const }] },
    };
    assert.match(
      code(() => docFromCreate(req({ shoot_scripts: [color] }))),
      /background_color_config is required/,
    );
    const image = {
      shoot_script: { ...text('a').shoot_script, background_config: [{ background_type: 'IMAGE' as const }] },
    };
    assert.match(
      code(() => docFromCreate(req({ shoot_scripts: [image] }))),
      /needs background_asset_id/,
    );
  });

  it('limits description and priv_data', () => {
    assert.match(
      code(() => docFromCreate(req({ script_description: 'd'.repeat(1025) }))),
      /script_description/,
    );
    assert.match(
      code(() => docFromCreate(req({ priv_data: 'p'.repeat(8193) }))),
      /priv_data/,
    );
  });
});

describe('video script asset references (CreateVideoScripts)', () => {
  const doc = docFromCreate(
    req({
      model_asset_id: 'm',
      voice_config: { voice_asset_id: 'v' },
      background_music_config: { music_asset_id: 'mu', volume: 30 },
      shoot_scripts: [
        {
          shoot_script: {
            text_config: { text: 'hi' },
            background_config: [
              { background_type: 'IMAGE', background_asset_id: 'img' },
              { background_type: 'COLOR', background_color_config: '#000000' },
            ],
            layer_config: [
              { layer_type: 'VIDEO', asset_id: 'vid' },
              { layer_type: 'TEXT', asset_id: '' },
            ],
          },
        },
      ],
    }),
  );

  it('names each referenced asset with its field and the types that fit', () => {
    assert.deepEqual(
      assetRefs(doc).map((r) => [r.field, r.assetId, r.types.join('|')]),
      [
        ['model_asset_id', 'm', 'HUMAN_MODEL_2D'],
        ['voice_config.voice_asset_id', 'v', 'VOICE_MODEL'],
        ['background_music_config.music_asset_id', 'mu', 'MUSIC|AUDIO'],
        ['shoot_scripts[0].shoot_script.background_config[0].background_asset_id', 'img', 'IMAGE'],
        ['shoot_scripts[0].shoot_script.layer_config[0].asset_id', 'vid', 'VIDEO'],
      ],
    );
  });

  it('unknown → MSS.10001001 naming the field; wrong type → MSS.00000003', () => {
    const all = new Map([
      ['m', 'HUMAN_MODEL_2D'],
      ['v', 'VOICE_MODEL'],
      ['mu', 'AUDIO'],
      ['img', 'IMAGE'],
      ['vid', 'VIDEO'],
    ]);
    assert.doesNotThrow(() => checkAssetRefs(assetRefs(doc), all));
    const missing = new Map(all);
    missing.delete('v');
    assert.match(
      code(() => checkAssetRefs(assetRefs(doc), missing)),
      /^MSS.10001001 .*voice_config\.voice_asset_id = v/,
    );
    const wrong = new Map(all).set('img', 'VIDEO');
    assert.match(
      code(() => checkAssetRefs(assetRefs(doc), wrong)),
      /^MSS.00000003 .*background_asset_id: asset img is VIDEO/,
    );
  });
});

describe('video script update, copy and list helpers (UpdateVideoScript, CopyVideoScripts, ListVideoScripts)', () => {
  it('UpdateVideoScript replaces the named fields and keeps the rest', () => {
    const stored = docFromCreate(
      req({ priv_data: 'keep', voice_config: { voice_asset_id: 'v', speed: 120 } }),
    );
    const merged = mergeUpdate(stored, { script_name: 'renamed', shoot_scripts: [text('only one')] });
    assert.equal(merged.script_name, 'renamed');
    assert.equal(merged.priv_data, 'keep');
    assert.deepEqual(merged.voice_config, { voice_asset_id: 'v', speed: 120 });
    assert.equal(merged.shoot_scripts?.length, 1);
    assert.match(
      code(() => mergeUpdate(stored, { shoot_scripts: [] })),
      /at least one scene/,
    );
  });

  it('CopyVideoScripts names the copy with a suffix within 256 characters', () => {
    assert.equal(copyName('demo'), 'demo_copy');
    const long = copyName('名'.repeat(256));
    assert.equal([...long].length, 256);
    assert.ok(long.endsWith('_copy'));
  });

  it('finds AUDIO scenes needing uploads, the first scene, and escapes LIKE patterns', () => {
    const doc = docFromCreate(
      req({
        shoot_scripts: [
          text('first', 5),
          { sequence_no: 2, shoot_script: { script_type: 'AUDIO' } },
          {
            sequence_no: 9,
            shoot_script: { script_type: 'AUDIO', audio_drive_file_external_url: 'https://x/a.mp3' },
          },
        ],
      }),
    );
    assert.deepEqual(audioUploadScenes(doc), [2]);
    assert.deepEqual(firstScene(doc), { script_type: 'AUDIO' });
    assert.equal(likePattern('50%_a\\'), '%50\\%\\_a\\\\%');
  });
});
