// Smart chat rooms over HTTP on both database legs: CreateSmartChatRoom, ListSmartChatRooms,
// ShowSmartChatRoom, UpdateSmartChatRoom, DeleteSmartChatRoom — the stored settings and
// defaults, references to robots and assets, validation (4xx, nothing written), filters and
// paging, a deleted robot leaving its rooms, and tenant isolation.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { insertAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ROOMS = '/v1/{project_id}/smart-chat-rooms';
const ROBOT = '/v1/{project_id}/digital-human-chat/robot';
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
type Json = Record<string, any>;

await describeEachDb('Smart chat rooms (CreateSmartChatRoom … DeleteSmartChatRoom)', (leg) => {
  let p: TestPlatform;
  let model: string;
  let voice: string;
  let voiceEn: string;
  let image: string;
  let robot: string;
  before(async () => {
    p = await startTestPlatform(leg, { runJobs: false });
    const own = { projectId: p.tenant.projectId };
    model = await insertAsset(p, { name: `Anna host ${newId()}`, type: 'HUMAN_MODEL_2D', ...own });
    voice = await insertAsset(p, { name: `voice ${newId()}`, type: 'VOICE_MODEL', ...own });
    voiceEn = await insertAsset(p, { name: `voice en ${newId()}`, type: 'VOICE_MODEL' });
    image = await insertAsset(p, { name: `studio ${newId()}`, type: 'IMAGE' });
    robot = ok(await p.call('POST', ROBOT, { body: { name: 'room-robot', app_type: 0 } })).robot_id;
  });
  after(async () => {
    await p?.close();
  });

  function ok(r: { status: number; body: unknown }): Json {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as Json;
  }
  const bad = async (r: Promise<{ status: number; body: unknown }>, code: string, msg?: RegExp) => {
    const res = await r;
    const body = res.body as Json;
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(body.error_code, code, JSON.stringify(body));
    if (msg) assert.match(body.error_msg, msg);
  };
  const full = (): Json => ({
    room_name: 'Front desk',
    room_description: 'Greets visitors',
    model_asset_id: model,
    voice_config_list: [
      { voice_asset_id: voice, language: 'CN', speed: 110 },
      { voice_asset_id: voiceEn, language: 'EN' },
    ],
    video_config: { width: 1080, height: 1920, bitrate: 4000, frame_rate: '25' },
    robot_id: robot,
    concurrency: 2,
    default_language: 'EN',
    exit_mute_threshold: 30,
    chat_video_type: 'MOBILE',
    background_config: { background_type: 'IMAGE', background_asset_id: image },
    layer_config: [
      {
        layer_type: 'HUMAN',
        position: { dx: 0, dy: 0, layer_index: 1 },
        size: { width: 1080, height: 1920 },
      },
      {
        layer_type: 'TEXT',
        position: { dx: 10, dy: 10, layer_index: 2 },
        text_config: { text_context: 'Ask me anything', font_size: 40 },
      },
    ],
    chat_subtitle_config: { dx: 0, dy: 1500, width: 1080, height: 200 },
  });

  it('CreateSmartChatRoom and ShowSmartChatRoom: the settings as given plus defaults', async () => {
    const { room_id } = ok(await p.call('POST', ROOMS, { body: full() }));
    assert.match(room_id, /^[0-9a-f]{32}$/);
    const s = ok(await p.call('GET', `${ROOMS}/${room_id}`));
    assert.equal(s.room_id, room_id);
    assert.equal(s.room_name, 'Front desk');
    assert.equal(s.model_asset_id, model);
    assert.equal(s.robot_id, robot);
    assert.equal(s.concurrency, 2);
    assert.equal(s.default_language, 'EN');
    assert.equal(s.exit_mute_threshold, 30);
    assert.equal(s.billing_mode, 'CONCURRENCY');
    assert.equal(s.chat_video_type, 'MOBILE');
    assert.deepEqual(
      s.video_config,
      { ...full().video_config, codec: 'H264' },
      'the contract default applies',
    );
    assert.deepEqual(s.background_config, full().background_config);
    assert.deepEqual(s.chat_subtitle_config, full().chat_subtitle_config);
    assert.equal(s.layer_config.length, 2);
    assert.equal(s.layer_config[1].text_config.text_context, 'Ask me anything');
    assert.equal(s.voice_config_list[0].speed, 110);
    assert.match(s.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const bare = ok(await p.call('POST', ROOMS, { body: { room_name: 'bare' } }));
    const b = ok(await p.call('GET', `${ROOMS}/${bare.room_id}`));
    assert.deepEqual(
      [b.concurrency, b.default_language, b.billing_mode, b.client_nums, b.robot_id],
      [0, 'CN', 'CONCURRENCY', 0, undefined],
    );
  });

  it('refuses bad rooms with 4xx and writes nothing', async () => {
    const before = ok(await p.call('GET', ROOMS, { query: { limit: 100 } })).count;
    const cases: Array<[Json, string, RegExp?]> = [
      [{ ...full(), robot_id: 'f'.repeat(32) }, 'MSS.47010034'],
      [{ ...full(), model_asset_id: 'a'.repeat(32) }, 'MSS.10001001', /model_asset_id/],
      [{ ...full(), model_asset_id: image }, 'MSS.00000003', /expected HUMAN_MODEL_2D/],
      [{ ...full(), voice_config: { voice_asset_id: model } }, 'MSS.00000003', /expected VOICE_MODEL/],
      [
        {
          ...full(),
          voice_config_list: [{ voice_asset_id: voice }, { voice_asset_id: voice, language: 'CN' }],
        },
        'MSS.00000003',
        /two voices for language CN/,
      ],
      [{ ...full(), room_name: '  ' }, 'MSS.00000003', /blank/],
      [
        { ...full(), background_config: { background_type: 'COLOR' } },
        'MSS.00000003',
        /background_color_config/,
      ],
      [
        { ...full(), background_config: { background_type: 'VIDEO', background_asset_id: image } },
        'MSS.00000003',
        /expected VIDEO/,
      ],
      [
        {
          ...full(),
          layer_config: [
            { layer_type: 'HUMAN', position: { dx: 0, dy: 0, layer_index: 1 } },
            { layer_type: 'IMAGE', asset_id: image, position: { dx: 0, dy: 0, layer_index: 1 } },
          ],
        },
        'MSS.00000003',
        /layer_index 1 is used twice/,
      ],
      [
        { ...full(), layer_config: [{ layer_type: 'HUMAN' }, { layer_type: 'HUMAN' }] },
        'MSS.00000003',
        /one HUMAN/,
      ],
      [{ ...full(), layer_config: [{ layer_type: 'TEXT' }] }, 'MSS.00000003', /text_context/],
      [
        {
          ...full(),
          layer_config: [{ layer_type: 'IMAGE', image_config: { image_url: 'file:///etc/passwd' } }],
        },
        'MSS.00000003',
        /only http and https/,
      ],
    ];
    for (const [body, code, msg] of cases) await bad(p.call('POST', ROOMS, { body }), code, msg);
    // The contract's own checks.
    for (const body of [
      { ...full(), concurrency: 1025 },
      { ...full(), exit_mute_threshold: 1441 },
      { ...full(), default_language: 'Klingon' },
      { room_description: 'no name' },
    ])
      assert.equal((await p.call('POST', ROOMS, { body })).status, 400, JSON.stringify(body));
    assert.equal(ok(await p.call('GET', ROOMS, { query: { limit: 100 } })).count, before);
  });

  it('UpdateSmartChatRoom replaces the settings; a refused update changes nothing', async () => {
    const { room_id } = ok(await p.call('POST', ROOMS, { body: full() }));
    const u = ok(
      await p.call('PUT', `${ROOMS}/${room_id}`, {
        body: { room_name: 'Back office', concurrency: 5, default_language: 'CN', robot_id: robot },
      }),
    );
    assert.equal(u.room_id, room_id);
    assert.equal(u.room_name, 'Back office');
    assert.equal(u.concurrency, 5);
    assert.equal(u.model_asset_id, undefined, 'the body replaces the room whole');
    assert.deepEqual(ok(await p.call('GET', `${ROOMS}/${room_id}`)), u);
    await bad(
      p.call('PUT', `${ROOMS}/${room_id}`, { body: { room_name: 'x', model_asset_id: voice } }),
      'MSS.00000003',
      /expected HUMAN_MODEL_2D/,
    );
    assert.deepEqual(ok(await p.call('GET', `${ROOMS}/${room_id}`)), u);
    await bad(p.call('PUT', `${ROOMS}/${'b'.repeat(32)}`, { body: { room_name: 'x' } }), 'MSS.47010001');
  });

  it('ListSmartChatRooms: paging, name and model filters, time window, concurrency totals', async () => {
    const as = p.other;
    const theirModel = await insertAsset(p, {
      name: 'Bert presenter',
      type: 'HUMAN_MODEL_2D',
      projectId: as.projectId,
    });
    const t0 = new Date(Date.now() - 1000).toISOString();
    for (const [name, concurrency] of [
      ['Lobby one', 1],
      ['Lobby two', 2],
      ['Shop', 3],
    ] as const)
      ok(
        await p.call('POST', ROOMS, {
          as,
          body: { room_name: name, concurrency, ...(name === 'Shop' ? { model_asset_id: theirModel } : {}) },
        }),
      );
    const all = ok(await p.call('GET', ROOMS, { as }));
    assert.equal(all.count, 3);
    assert.equal(all.count_concurrency, 6);
    assert.deepEqual(
      all.smart_chat_rooms.map((r: Json) => r.room_name),
      ['Lobby one', 'Lobby two', 'Shop'],
    );
    const page = ok(await p.call('GET', ROOMS, { as, query: { offset: 1, limit: 1 } }));
    assert.deepEqual([page.count, page.smart_chat_rooms.map((r: Json) => r.room_name)], [3, ['Lobby two']]);
    const lobby = ok(await p.call('GET', ROOMS, { as, query: { room_name: 'lobby' } }));
    assert.equal(lobby.count, 2);
    const byModel = ok(await p.call('GET', ROOMS, { as, query: { model_name: 'bert' } }));
    assert.equal(byModel.count, 1);
    assert.deepEqual(byModel.smart_chat_rooms[0].model_infos, {
      model_asset_id: theirModel,
      asset_name: 'Bert presenter',
    });
    const since = ok(await p.call('GET', ROOMS, { as, query: { start_time: t0 } }));
    assert.equal(since.count, 3);
    const until = ok(await p.call('GET', ROOMS, { as, query: { end_time: t0 } }));
    assert.equal(until.count, 0);
    const mine = ok(await p.call('GET', ROOMS));
    assert.ok(!mine.smart_chat_rooms.some((r: Json) => r.room_name.startsWith('Lobby')));
    const v = ok(await p.call('POST', ROOMS, { body: full() }));
    const listed = ok(await p.call('GET', ROOMS, { query: { limit: 100 } })).smart_chat_rooms.find(
      (r: Json) => r.room_id === v.room_id,
    );
    assert.equal(listed.voice_config_list[1].language_desc, 'English');
    assert.equal(listed.model_infos.model_asset_id, model);
  });

  it('DeleteSmartChatRoom; deleting a robot leaves its rooms without one; tenants isolated', async () => {
    const r2 = ok(await p.call('POST', ROBOT, { body: { name: 'short-lived', app_type: 2 } })).robot_id;
    const { room_id } = ok(await p.call('POST', ROOMS, { body: { room_name: 'temp', robot_id: r2 } }));
    const as = p.other;
    await bad(p.call('GET', `${ROOMS}/${room_id}`, { as }), 'MSS.47010001');
    await bad(p.call('PUT', `${ROOMS}/${room_id}`, { as, body: { room_name: 'theirs' } }), 'MSS.47010001');
    await bad(p.call('DELETE', `${ROOMS}/${room_id}`, { as }), 'MSS.47010001');
    await bad(p.call('POST', ROOMS, { as, body: { room_name: 'x', robot_id: robot } }), 'MSS.47010034');
    await bad(p.call('POST', ROOMS, { as, body: { room_name: 'x', model_asset_id: model } }), 'MSS.10001001');
    ok(await p.call('POST', `${ROBOT}/delete`, { body: [r2] }));
    const s = ok(await p.call('GET', `${ROOMS}/${room_id}`));
    assert.equal(s.robot_id, undefined);
    assert.equal(s.room_name, 'temp');
    assert.equal((await p.call('DELETE', `${ROOMS}/${room_id}`)).status, 200);
    await bad(p.call('GET', `${ROOMS}/${room_id}`), 'MSS.47010001');
    await bad(p.call('DELETE', `${ROOMS}/${room_id}`), 'MSS.47010001');
  });
});
