// Video job rules: merging a request with its script, the limits, and the mapping of the
// contract's colours, music volume, subtitle style, layers and list query.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from '../../src/core/errors/index.ts';
import {
  checkVideoRequest,
  colorOf,
  humanPlacement,
  layerBox,
  mergeWithScript,
  musicVolumeDb,
  outputFormatOf,
  subtitleStyleOf,
  type VideoJobRequest,
} from '../../src/modules/videos/videos.rules.ts';
import { listSpec } from '../../src/modules/videos/videos.service.ts';

const scene = (text: string, seq?: number) => ({
  ...(seq !== undefined ? { sequence_no: seq } : {}),
  shoot_script: { script_type: 'TEXT' as const, text_config: { text } },
});

const request = (over: Partial<VideoJobRequest> = {}): VideoJobRequest => ({
  model_asset_id: 'm',
  voice_config: { voice_asset_id: 'v' },
  video_config: { codec: 'H264', width: 1920, height: 1080, bitrate: 4000 },
  shoot_scripts: [scene('Hello.')],
  output_asset_config: { asset_name: 'out' },
  ...over,
});

const refuses = (fn: () => unknown, msg: RegExp) =>
  assert.throws(fn, (e: AppError) => e.status === 400 && e.code === 'MSS.00000003' && msg.test(e.message));

test('mergeWithScript: the script fills in what the request leaves out; explicit fields win', () => {
  const script = {
    script_name: 'Welcome',
    script_description: '',
    view_mode: 'LANDSCAPE' as const,
    model_asset_id: 'script-model',
    voice_config: { voice_asset_id: 'script-voice' },
    video_config: { codec: 'H264' as const, width: 1280, height: 720, bitrate: 2000 },
    shoot_scripts: [scene('From the script.')],
  };
  const merged = mergeWithScript({ script_id: 's1', model_asset_id: 'mine' }, script, 'fallback');
  assert.equal(merged.model_asset_id, 'mine');
  assert.equal(merged.voice_config?.voice_asset_id, 'script-voice');
  assert.equal(merged.video_config.width, 1280);
  assert.equal(merged.script_id, 's1');
  assert.equal(merged.output_asset_config.asset_name, 'Welcome', 'named after the script');
  assert.equal(
    mergeWithScript({ ...request(), output_asset_config: undefined } as never, undefined, 'fallback')
      .output_asset_config.asset_name,
    'fallback',
  );
  refuses(
    () => mergeWithScript({ video_config: request().video_config }, undefined, 'x'),
    /model_asset_id is required/,
  );
});

test('checkVideoRequest: resolutions, 4K, 25 fps, codecs, bitrate, voice and scene order', () => {
  for (const [w, h] of [
    [1920, 1080],
    [1080, 1920],
    [1280, 720],
    [720, 1280],
  ])
    assert.ok(
      checkVideoRequest(request({ video_config: { codec: 'H264', width: w, height: h, bitrate: 4000 } })),
    );
  refuses(
    () => checkVideoRequest(request({ video_config: { width: 1000, height: 1000, bitrate: 4000 } })),
    /must be one of/,
  );
  refuses(
    () => checkVideoRequest(request({ video_config: { width: 2160, height: 3840, bitrate: 4000 } })),
    /4K/,
  );
  // CROP takes any even size: a window onto the avatar canvas.
  assert.ok(
    checkVideoRequest(
      request({ video_config: { clip_mode: 'CROP', width: 600, height: 800, bitrate: 4000 } }),
    ),
  );
  refuses(
    () =>
      checkVideoRequest(
        request({ video_config: { clip_mode: 'CROP', width: 601, height: 800, bitrate: 4000 } }),
      ),
    /even/,
  );
  refuses(
    () =>
      checkVideoRequest(
        request({ video_config: { width: 1920, height: 1080, bitrate: 4000, frame_rate: '24' } }),
      ),
    /25 fps/,
  );
  refuses(
    () => checkVideoRequest(request({ video_config: { width: 1920, height: 1080, bitrate: 39 } })),
    /bitrate/,
  );
  refuses(() => checkVideoRequest(request({ voice_config: undefined })), /voice_asset_id is required/);
  // An audio-only video needs no voice.
  assert.ok(
    checkVideoRequest(
      request({ voice_config: undefined, shoot_scripts: [{ shoot_script: { script_type: 'AUDIO' } }] }),
    ),
  );
  const sorted = checkVideoRequest(request({ shoot_scripts: [scene('b', 5), scene('a', 2)] }));
  assert.deepEqual(
    sorted.shoot_scripts.map((s) => s.sequence_no),
    [2, 5],
  );
  refuses(() => checkVideoRequest(request({ shoot_scripts: [scene('a', 1), scene('b', 1)] })), /repeated/);
  refuses(() => checkVideoRequest(request({ shoot_scripts: [] })), /at least one scene/);
  refuses(
    () =>
      checkVideoRequest(
        request({
          shoot_scripts: [
            { shoot_script: { text_config: { text: 'x' }, layer_config: [{ layer_type: 'IMAGE' }] } },
          ],
        }),
      ),
    /needs asset_id/,
  );
  refuses(
    () => checkVideoRequest(request({ background_music_config: { music_asset_id: 'm', volume: 101 } })),
    /volume/,
  );
  refuses(
    () =>
      checkVideoRequest(
        request({
          video_config: { codec: 'QTRLE', width: 1920, height: 1080, bitrate: 4000 },
          shoot_scripts: [scene('x'.repeat(1500))],
        }),
      ),
    /QTRLE/,
  );
});

test('colours, formats, music volume and subtitle style', () => {
  assert.equal(colorOf('#1a2B3c', 'f'), '#1A2B3C');
  assert.equal(colorOf('1a2b3c', 'f'), '#1A2B3C');
  assert.equal(colorOf('26, 43, 60', 'f'), '#1A2B3C');
  refuses(() => colorOf('256,0,0', 'f'), /colour/);
  refuses(() => colorOf('red', 'f'), /colour/);
  assert.deepEqual(
    [outputFormatOf('H264'), outputFormatOf(undefined), outputFormatOf('VP8'), outputFormatOf('QTRLE')],
    ['mp4', 'mp4', 'webm', 'mov'],
  );
  assert.equal(musicVolumeDb(undefined), -18);
  assert.equal(musicVolumeDb(100), 0);
  assert.equal(musicVolumeDb(10), -20);
  assert.equal(musicVolumeDb(0), undefined, 'volume 0: no music');
  assert.deepEqual(
    subtitleStyleOf(
      {
        font_size: 60,
        font_color: '#FFFF00',
        stroke_color: '000000',
        stroke_thickness: 4,
        dy: 900,
        h: 100,
        w: 1536,
      },
      { width: 1920, height: 1080 },
    ),
    {
      fontSize: 60,
      color: '#FFFF00',
      strokeColor: '#000000',
      strokeWidth: 4,
      bottomPercent: 80 / 10.8,
      boxWidthPercent: 80,
    },
  );
});

test('layers: the HUMAN layer places and scales the avatar; other layers keep their aspect ratio', () => {
  assert.equal(humanPlacement(undefined, { width: 1080, height: 1080 }), undefined);
  assert.deepEqual(
    humanPlacement(
      [{ layer_type: 'HUMAN', position: { dx: 100, dy: 50, layer_index: 3 }, size: { height: 540 } }],
      { width: 1080, height: 1080 },
    ),
    { x: 100, y: 50, scale: 0.5, z: 3 },
  );
  assert.deepEqual(
    layerBox(
      { layer_type: 'IMAGE', position: { dx: 10, dy: 20, layer_index: 2 }, size: { width: 320 } },
      { width: 160, height: 90 },
    ),
    { x: 10, y: 20, width: 320, height: 180, z: 2 },
  );
});

test('listSpec: one-month default window, states, sort and job ids', () => {
  const now = new Date('2026-11-28T00:00:00Z');
  const s = listSpec({ offset: 0, limit: 10 }, now);
  assert.equal(s.since.toISOString(), '2026-10-29T00:00:00.000Z');
  assert.equal(s.sortKey, 'create_time');
  assert.equal(s.sortDir, 'desc');
  const t = listSpec(
    {
      offset: 5,
      limit: 10,
      state: 'WAITING,processing',
      sort_key: 'lastupdate_time',
      sort_dir: 'ASC',
      create_until: '2026-06-01T00:00:00Z',
      job_id: 'a',
      job_ids: ['b'],
    },
    now,
  );
  assert.deepEqual(t.states, ['WAITING', 'PROCESSING']);
  assert.equal(t.sortKey, 'update_time');
  assert.equal(t.sortDir, 'asc');
  assert.equal(t.since.toISOString(), '2026-05-02T00:00:00.000Z', 'a month before create_until');
  assert.deepEqual(t.jobIds, ['b', 'a']);
  refuses(() => listSpec({ offset: 0, limit: 1, state: 'DONE' }, now), /unknown state/);
  refuses(() => listSpec({ offset: 0, limit: 1, sort_key: 'name' }, now), /sort_key/);
  assert.throws(() => listSpec({ offset: 0, limit: 1, create_since: 'yesterday' }, now));
});
