// Image layers in a running live stream, on both database legs, pushed over RTMP to a receiver
// on 127.0.0.1: a paragraph with a relation_product shows the product's cover (a white square
// drawn by the test) in the default layer box while it plays and not in the next paragraph; a
// comment that hits a SHOW_LAYER rule shows the rule's picture in its own box for its
// display_duration, then REPLY_COMMAND_FINISH arrives; the stream stays at 25 fps across the
// encoder restarts the layers cost.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { runToolBinary } from '../../src/core/media/index.ts';
import { FlvSplitter } from '../../src/engines/stream/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { insertAsset, insertFileRow, waitFor } from '../helpers/assets.ts';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callbacks.ts';
import { describeEachDb } from '../helpers/db.ts';
import { freePort, type RtmpReceiver, regionFrames, rtmpReceiver } from '../helpers/live-media.ts';
import { envTools } from '../helpers/media-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const TEXT =
  'Good evening. This flask keeps tea hot for twelve hours, and it fits in any bag you own. The lid seals tight, the steel does not rust, and it comes in four colours. Ask me anything about it in the comments.';
const tools = envTools();
// The default product box on 1920×1080: 480×480 at (1363, 54); its middle is sampled.
const PRODUCT_BOX = { x: 1363 + 140, y: 54 + 140, width: 200, height: 200 };
const RULE_LAYER = { x: 100, y: 700, width: 200, height: 200 };
const RULE_BOX = { x: 150, y: 750, width: 100, height: 100 };

async function whitePng(): Promise<Buffer> {
  const r = await runToolBinary(tools.ffmpeg.path, [
    '-hide_banner',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=c=white:s=64x64',
    '-frames:v',
    '1',
    '-c:v',
    'png',
    '-f',
    'image2pipe',
    'pipe:1',
  ]);
  return r.stdout;
}

const mean = (b: Buffer) => b.reduce((s, v) => s + v, 0) / b.length;

await describeEachDb('Live jobs: image layers (relation_product, SHOW_LAYER)', (leg) => {
  let p: TestPlatform;
  let receiver: RtmpReceiver;
  let cb: CallbackReceiver;
  let port: number;
  before(async () => {
    p = await startTestPlatform(leg, { env: { DOPPEL_ALLOW_PRIVATE_FETCH: 'true' } });
    port = await freePort();
    receiver = await rtmpReceiver(tools.ffmpeg.path, port, path.join(p.dataDir, 'received.flv'));
    cb = await startCallbackReceiver();
  });
  after(async () => {
    await receiver?.close();
    await cb?.close();
    await p?.close();
  });

  const image = async (name: string, bytes?: Buffer) => {
    const id = await insertAsset(p, { name, type: 'IMAGE', projectId: p.tenant.projectId });
    await insertFileRow(p, p.tenant.projectId, id, {
      name: `${name}.png`,
      bytes: bytes ?? (await whitePng()),
    });
    return id;
  };

  it('a related product whose picture does not decode fails the job at its start', async () => {
    const cover = await image('broken', Buffer.from('not a picture'));
    const product = await p.call('POST', '/v1/{project_id}/products', {
      body: { name: 'Broken', cover: { asset_id: cover }, auto_active: true },
    });
    assert.equal(product.status, 200, JSON.stringify(product.body));
    const r = await p.call('POST', ROOMS, {
      body: {
        room_name: 'Broken picture',
        scene_scripts: [
          {
            script_name: 'Flask',
            model_asset_id: SYSTEM_AVATARS[0].assetId,
            shoot_scripts: [
              { text_config: { text: TEXT }, relation_product: { product_id: product.body.product_id } },
            ],
          },
        ],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const jobs = `${ROOMS}/${r.body.room_id}/smart-live-jobs`;
    const start = await p.call('POST', jobs, { body: { output_urls: [] } });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const done = await waitFor('the job ended', 60_000, async () => {
      const s = await p.call('GET', `${jobs}/${start.body.job_id}`);
      return s.body.state === 'SUCCEED' || s.body.state === 'FAILED' ? s.body : undefined;
    });
    assert.equal(done.state, 'FAILED', JSON.stringify(done));
    assert.equal(done.error_info.error_code, 'MSS.10004111');
    assert.match(
      done.error_info.error_msg,
      /shoot_scripts\[0\]\.relation_product\.product_id.*not a picture/,
    );
  });

  it('the related product shows while its paragraph plays; a SHOW_LAYER hit shows its picture, then finishes', async () => {
    const cover = await image('cover');
    const product = await p.call('POST', '/v1/{project_id}/products', {
      body: { name: 'Flask', cover: { asset_id: cover }, auto_active: true },
    });
    assert.equal(product.status, 200, JSON.stringify(product.body));
    const picture = await image('badge');
    const r = await p.call('POST', ROOMS, {
      body: {
        room_name: 'Layers',
        scene_scripts: [
          {
            script_name: 'Flask',
            model_asset_id: SYSTEM_AVATARS[0].assetId,
            voice_config: { voice_asset_id: EN_VOICE },
            background_config: [{ background_type: 'COLOR', background_color_config: '#203040' }],
            shoot_scripts: [
              {
                title: 'Pitch',
                text_config: { text: TEXT },
                relation_product: { product_id: product.body.product_id },
              },
              { title: 'Chat', text_config: { text: TEXT } },
            ],
          },
        ],
        interaction_rules: [
          {
            rule_name: 'badge',
            event_type: 1,
            hit_condition: { tags: [{ tag: 'content', match: 'REGEX', value: 'badge' }] },
            trigger: {
              reply_mode: 'SHOW_LAYER',
              layer_config: {
                layer_type: 'IMAGE',
                asset_id: picture,
                position: { dx: RULE_LAYER.x, dy: RULE_LAYER.y, layer_index: 1 },
                size: { width: RULE_LAYER.width, height: RULE_LAYER.height },
                image_config: { image_url: '', display_duration: 3 },
              },
            },
          },
        ],
        play_policy: { repeat_count: 1 },
        video_config: { width: 1920, height: 1080, bitrate: 1000 },
        output_urls: [`rtmp://127.0.0.1:${port}/live`],
        stream_keys: ['key'],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const jobs = `${ROOMS}/${r.body.room_id}/smart-live-jobs`;
    const start = await p.call('POST', jobs, {
      body: {
        live_event_callback_config: {
          live_event_type_callback_url: `${cb.base}/events`,
          auth_type: 'NONE',
          callback_event_type: ['REPLY_COMMAND_FINISH'],
        },
      },
    });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const jobId = start.body.job_id;
    await waitFor('the stream playing', 120_000, async () => {
      const c = await p.call('POST', `${jobs}/${jobId}/command`, {
        body: { command: 'GET_CURRENT_PLAYING_SCRIPTS' },
      });
      return c.status === 200 && JSON.parse(c.body.result).playing ? true : undefined;
    });
    const hit = await p.call('POST', `${jobs}/${jobId}/live-event-report`, {
      body: {
        total: 1,
        events: [
          {
            timestamp: Date.now(),
            type: 1,
            content: JSON.stringify({ user: { name: 'Bob' }, content: 'badge please' }),
          },
        ],
      },
    });
    assert.equal(hit.status, 200, JSON.stringify(hit.body));
    const done = await waitFor('the script played', 240_000, async () => {
      const s = await p.call('GET', `${jobs}/${jobId}`);
      return s.body.state === 'SUCCEED' || s.body.state === 'FAILED' ? s.body : undefined;
    });
    assert.equal(done.state, 'SUCCEED', JSON.stringify(done));
    await receiver.close();

    const finishes = cb.received.filter((c) => c.body.event_type === 'REPLY_COMMAND_FINISH');
    assert.equal(finishes.length, 1, JSON.stringify(cb.received.map((c) => c.body)));
    const msg = JSON.parse(finishes[0]?.body.message);
    assert.ok(msg.reply_id && msg.rule_index, JSON.stringify(msg));

    // Timestamps: 25 fps straight through the restarts.
    const tags = new FlvSplitter().push(fs.readFileSync(receiver.file));
    const video = tags.flatMap((u) =>
      u.kind === 'video' && !u.sequenceHeader && u.bytes[12] !== 2 ? [u.ms] : [],
    );
    const odd = video.slice(1).flatMap((ms, i) => {
      const d = ms - (video[i] as number);
      return d < 39 || d > 41 ? [`${d} ms before ${ms}`] : [];
    });
    assert.deepEqual(odd, [], 'video every 40 ms');

    // The product box: white through the first paragraph (its start, after the restart), dark at the end.
    const prod = (await regionFrames(tools.ffmpeg.path, receiver.file, PRODUCT_BOX, 2)).map(mean);
    const seconds = prod.length / 2;
    assert.ok(seconds > 20, `${seconds} s received`);
    const early = prod.slice(6, 20);
    assert.ok(
      early.filter((v) => v > 200).length >= early.length - 2,
      `early product box: ${early.map(Math.round)}`,
    );
    const late = prod.slice(-8);
    assert.ok(
      late.every((v) => v < 120),
      `late product box: ${late.map(Math.round)}`,
    );
    // The rule's box: white for a while (about 3 s), dark before the end.
    const rule = (await regionFrames(tools.ffmpeg.path, receiver.file, RULE_BOX, 2)).map(mean);
    const lit = rule.filter((v) => v > 200).length;
    assert.ok(lit >= 4 && lit <= 10, `rule box lit in ${lit} half-seconds: ${rule.map(Math.round)}`);
    assert.ok(
      rule.slice(-4).every((v) => v < 120),
      'the rule layer is taken down',
    );
  });
});
