// Intelligent Live Room Management over HTTP on both database legs: CreateSmartLiveRoom,
// ShowSmartLiveRoom, ListSmartLiveRooms, UpdateSmartLiveRoom, DeleteSmartLiveRoom and the
// rule libraries (CreateInteractionRuleGroup, ListInteractionRuleGroups,
// UpdateInteractionRuleGroup, DeleteInteractionRuleGroup) — the live limits, the rules,
// references, script_version, TEMP cleanup and isolation between projects.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { createLiveRooms } from '../../src/modules/live/index.ts';
import { insertAsset, insertSystemAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { ZH_VOICE } from '../helpers/tts.ts';

const ROOMS = '/v1/{project_id}/smart-live-rooms';
const GROUPS = '/v1/{project_id}/smart-live-interaction-rule-groups';

// More than 200 characters per scene, as a live scene needs.
const LONG_ZH = '欢迎来到直播间，今天给大家介绍一款好用的保温杯，它采用双层不锈钢，保温十二个小时。'.repeat(
  6,
);
const LONG_EN =
  'Welcome back everyone. Today we look at a vacuum flask that keeps tea hot for twelve hours and fits in any bag. '.repeat(
    3,
  );

await describeEachDb(
  'Live rooms (CreateSmartLiveRoom, ShowSmartLiveRoom, ListSmartLiveRooms, UpdateSmartLiveRoom, DeleteSmartLiveRoom, CreateInteractionRuleGroup, ListInteractionRuleGroups, UpdateInteractionRuleGroup, DeleteInteractionRuleGroup)',
  (leg) => {
    let p: TestPlatform;
    let model: string;
    let backup: string;
    let image: string;
    let bigImage: string;
    before(async () => {
      p = await startTestPlatform(leg);
      const own = { projectId: p.tenant.projectId };
      model = await insertAsset(p, { name: `host ${newId()}`, type: 'HUMAN_MODEL_2D', ...own });
      backup = await insertAsset(p, { name: `backup host ${newId()}`, type: 'HUMAN_MODEL_2D', ...own });
      image = await insertSystemAsset(p, { name: `studio ${newId()}`, type: 'IMAGE' });
      bigImage = await insertAsset(p, {
        name: `poster ${newId()}`,
        type: 'IMAGE',
        ...own,
        extraMeta: { image_meta: { width: 3840, height: 2160 } },
      });
    });
    after(async () => {
      await p?.close();
    });

    const room = (over: Record<string, unknown> = {}) => ({
      room_name: 'Flask launch',
      room_description: 'Two scenes and a greeting rule',
      scene_scripts: [
        {
          script_name: 'Opening',
          model_asset_id: model,
          voice_config: { voice_asset_id: ZH_VOICE },
          background_config: [{ background_type: 'IMAGE', background_asset_id: image }],
          shoot_scripts: [
            { sequence_no: 1, title: 'Hello', text_config: { text: LONG_ZH } },
            { sequence_no: 2, title: 'Offer', text_config: { text: '现在下单立减二十元。' } },
          ],
        },
        {
          script_name: 'Details',
          model_asset_id: model,
          background_config: [{ background_type: 'COLOR', background_color_config: '#203040' }],
          shoot_scripts: [{ title: 'Specs', text_config: { text: LONG_EN } }],
        },
      ],
      interaction_rules: [
        {
          rule_name: 'price question',
          event_type: 1,
          hit_condition: {
            relation: 'OR',
            tags: [{ tag: 'content', match: 'REGEX', value: '多少钱|price' }],
          },
          trigger: {
            reply_mode: 'SYSTEM_REPLY',
            reply_texts: ['{nickname}，现在只要九十九元。'],
            play_type: 'INSERT',
          },
          enabled_scenes: ['Opening'],
        },
        {
          rule_name: 'big gift',
          event_type: 4,
          hit_condition: {
            priority: 10,
            tags: [{ tag: 'gift.totalValue', operation: 'SUM', match: 'MATH_GE', value: '100' }],
          },
          trigger: { time_window: 60, reply_texts: ['Thank you for the gifts!'], reply_order: 'RANDOM' },
        },
      ],
      play_policy: { repeat_count: 2, random_play_mode: 'SCENE', live_exit_config: { max_live_duration: 4 } },
      video_config: { width: 1920, height: 1080, bitrate: 3000 },
      output_urls: ['rtmp://127.0.0.1:1935/live'],
      stream_keys: ['flask-launch'],
      backup_model_asset_ids: [backup],
      live_event_callback_config: {
        live_event_type_callback_url: 'https://example.com/live-events',
        auth_type: 'MSS_A',
        key: 'k1',
        callback_event_type: ['SHOOT_SCRIPT_SWITCH', 'REPLY_COMMAND_FINISH'],
      },
      priv_data: '{"campaign":"spring"}',
      ...over,
    });
    const create = (body: Record<string, unknown>, as = p.tenant) => p.call('POST', ROOMS, { body, as });
    const expect400 = async (body: Record<string, unknown>, code: string, msg: RegExp) => {
      const r = await create(body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error_code, code, r.body.error_msg);
      assert.match(r.body.error_msg, msg);
    };
    const withRule = (rule: Record<string, unknown>) => room({ interaction_rules: [rule] });
    const baseRule = {
      event_type: 1,
      hit_condition: { tags: [{ tag: 'content', match: 'EQUAL' as const, value: 'hi' }] },
      trigger: { reply_texts: ['hello'] },
    };

    it('CreateSmartLiveRoom stores a two-scene room; ShowSmartLiveRoom returns it with the defaults filled', async () => {
      const r = await p.call('POST', ROOMS, { body: room(), headers: { 'X-App-UserId': 'u-1' } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.match(r.body.room_id, /^[0-9a-f]{32}$/);
      const s = await p.call('GET', `${ROOMS}/${r.body.room_id}`);
      assert.equal(s.status, 200, JSON.stringify(s.body));
      const b = s.body;
      assert.equal(b.room_name, 'Flask launch');
      assert.equal(b.room_type, 'NORMAL');
      assert.equal(b.room_state, 'ENABLE');
      assert.equal(b.confirm_state, 'CONFIRMED');
      assert.equal(b.view_mode, 'LANDSCAPE');
      assert.match(b.script_version, /^\d{13}$/);
      assert.equal(b.scene_scripts.length, 2);
      assert.match(b.scene_scripts[0].script_id, /^[0-9a-f]{32}$/);
      assert.deepEqual(
        b.scene_scripts[1].shoot_scripts.map((x: { sequence_no: number }) => x.sequence_no),
        [0],
      );
      assert.deepEqual(b.play_policy, {
        repeat_count: 2,
        auto_play_script: true,
        play_mode: 'TEXT',
        random_play_mode: 'SCENE',
        is_rewrite_delay: false,
        need_independent_capture_client: false,
        live_exit_config: {
          max_live_duration: 4,
          auto_stop_mode: 'FORCE_EXIT',
          max_exception_waiting_duration: 3,
        },
      });
      assert.deepEqual(b.video_config, {
        width: 1920,
        height: 1080,
        bitrate: 3000,
        codec: 'H264',
        frame_rate: '25',
      });
      assert.deepEqual(
        b.interaction_rules.map((x: { rule_index: string }) => x.rule_index),
        ['rule-1', 'rule-2'],
      );
      assert.deepEqual(b.interaction_rules[0].hit_condition, {
        relation: 'OR',
        priority: 500,
        tags: [{ tag: 'content', operation: 'NONE', match: 'REGEX', value: '多少钱|price' }],
      });
      assert.equal(b.interaction_rules[1].trigger.reply_mode, 'SYSTEM_REPLY');
      assert.equal(b.interaction_rules[1].trigger.time_window, 60);
      assert.deepEqual(b.output_urls, ['rtmp://127.0.0.1:1935/live']);
      assert.deepEqual(b.backup_model_asset_ids, [backup]);
      assert.equal(b.priv_data, '{"campaign":"spring"}');
      assert.match(b.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it('the live limits: resolution, bitrate, subtitles, one RTMP target, backups, text lengths, media size', async () => {
      const inval = 'MSS.00000003';
      await expect400(
        room({ video_config: { width: 1280, height: 720, bitrate: 3000 } }),
        inval,
        /1920x1080 or 1080x1920/,
      );
      await expect400(
        room({ video_config: { width: 1920, height: 1080, bitrate: 900 } }),
        inval,
        /1000-8000 kbps/,
      );
      await expect400(
        room({ video_config: { width: 1920, height: 1080, bitrate: 9000 } }),
        inval,
        /1000-8000 kbps/,
      );
      await expect400(
        room({ video_config: { width: 1920, height: 1080, bitrate: 3000, is_subtitle_enable: true } }),
        inval,
        /no subtitles/,
      );
      await expect400(
        room({ video_config: { width: 1080, height: 1920, bitrate: 3000 }, view_mode: 'LANDSCAPE' }),
        inval,
        /view_mode LANDSCAPE/,
      );
      await expect400(room({ output_urls: ['rtmp://a/x', 'rtmp://b/y'] }), inval, /one RTMP target/);
      await expect400(room({ output_urls: ['http://127.0.0.1/live'] }), inval, /rtmp:\/\/ and rtmps:\/\//);
      await expect400(room({ output_urls: ['rtmp://user:pw@host/live'] }), inval, /credentials/);
      await expect400(room({ output_urls: [], stream_keys: ['k'] }), inval, /stream_keys needs output_urls/);
      await expect400(room({ backup_model_asset_ids: Array(6).fill(backup) }), inval, /at most 5 hosts/);
      await expect400(room({ backup_model_asset_ids: [image] }), inval, /IMAGE; expected HUMAN_MODEL_2D/);
      await expect400(
        room({ backup_model_asset_ids: [newId()] }),
        'MSS.10001001',
        /backup_model_asset_ids\[0\]/,
      );
      const scene = (shoot: unknown[], extra: Record<string, unknown> = {}) =>
        room({
          scene_scripts: [{ script_name: 'S', model_asset_id: model, shoot_scripts: shoot, ...extra }],
          interaction_rules: [],
        });
      await expect400(scene([{ text_config: { text: 'too short' } }]), inval, /needs more than 200/);
      await expect400(scene([{ text_config: { text: 'x'.repeat(2000) } }]), inval, /under 2000/);
      await expect400(scene([{ text_config: { text: `${LONG_EN}\u0007` } }]), inval, /control characters/);
      await expect400(scene([{ title: 'no drive' }]), inval, /needs text_config.text or audio_config/);
      await expect400(
        room({ play_policy: { play_mode: 'AUDIO' }, interaction_rules: [] }),
        inval,
        /play_mode is AUDIO/,
      );
      await expect400(
        scene([{ text_config: { text: LONG_EN } }], {
          layer_config: [
            { layer_type: 'IMAGE', asset_id: bigImage, position: { dx: 0, dy: 0, layer_index: 1 } },
          ],
        }),
        inval,
        /3840x2160; live media is at most 1080p/,
      );
      await expect400(
        scene([{ text_config: { text: LONG_EN } }], {
          layer_config: Array(4).fill({
            layer_type: 'VIDEO',
            video_config: { video_url: 'https://example.com/v.mp4' },
          }),
        }),
        inval,
        /at most 3 video layers/,
      );
      await expect400(
        scene([{ text_config: { text: LONG_EN }, audio_config: { audio_url: 'file:///etc/passwd' } }]),
        inval,
        /audio_url: only http and https/,
      );
      await expect400(
        scene([{ text_config: { text: LONG_EN } }], { model_asset_id: undefined }),
        inval,
        /model_asset_id is required/,
      );
      await expect400(room({ scene_scripts: [] }), inval, /at least one scene/);
      await expect400(room({ room_name: 'bad\u0007name' }), inval, /room_name must not contain control/);
      await expect400(
        room({ live_event_callback_config: { live_event_type_callback_url: 'ftp://example.com/x' } }),
        inval,
        /only http and https/,
      );
      await expect400(
        room({
          live_event_callback_config: {
            live_event_type_callback_url: 'https://example.com/x',
            auth_type: 'MSS_A',
          },
        }),
        inval,
        /needs key/,
      );
      await expect400(
        room({
          live_event_callback_config: {
            live_event_type_callback_url: 'https://example.com/x',
            callback_event_type: ['NOPE'],
          },
        }),
        inval,
        /callback_event_type\[0\] NOPE/,
      );
      await expect400(
        room({
          scene_scripts: [
            {
              script_name: 'S',
              model_asset_id: model,
              shoot_scripts: [{ text_config: { text: LONG_EN }, relation_product: { product_id: newId() } }],
            },
          ],
          interaction_rules: [],
        }),
        'MSS.10004003',
        /relation_product.product_id/,
      );
      await expect400(
        room({ relation_live_platform_info: { platform_id: newId(), live_id: 'live1' } }),
        'MSS.10004004',
        /platform_id/,
      );
    });

    it('interaction rules are validated fully; INTELLIGENT_REPLY needs a robot of the project', async () => {
      const inval = 'MSS.00000003';
      await expect400(
        withRule({ ...baseRule, trigger: { reply_mode: 'INTELLIGENT_REPLY', robot_id: newId() } }),
        'MSS.10004006',
        /INTELLIGENT_REPLY needs a dialog robot/,
      );
      await expect400(withRule({ ...baseRule, event_type: 7 }), inval, /event_type 7/);
      await expect400(withRule({ ...baseRule, event_type: undefined }), inval, /event_type is required/);
      await expect400(
        withRule({ ...baseRule, hit_condition: { tags: [{ tag: 'content', match: 'REGEX', value: '(' }] } }),
        inval,
        /not a valid regular expression/,
      );
      await expect400(
        withRule({
          ...baseRule,
          hit_condition: { tags: [{ tag: 'level', match: 'MATH_GT', value: 'ten' }] },
        }),
        inval,
        /must be a number for MATH_GT/,
      );
      await expect400(
        withRule({
          ...baseRule,
          hit_condition: { tags: [{ tag: 'content', operation: 'COUNT', match: 'EQUAL', value: 'x' }] },
        }),
        inval,
        /match must be MATH_/,
      );
      await expect400(
        withRule({
          ...baseRule,
          hit_condition: { tags: [{ tag: 'content', operation: 'COUNT', match: 'MATH_GE', value: '3' }] },
        }),
        inval,
        /time_window -1 or > 0/,
      );
      await expect400(
        withRule({
          ...baseRule,
          hit_condition: { relation: 'RESERVED', tags: [{ tag: 'c', match: 'EQUAL', value: 'x' }] },
        }),
        inval,
        /RESERVED \(fallback\) rule takes no tags/,
      );
      await expect400(
        withRule({ ...baseRule, trigger: { reply_texts: Array(6).fill('hi') } }),
        inval,
        /at most 5/,
      );
      await expect400(
        withRule({ ...baseRule, trigger: { reply_texts: ['x'.repeat(1025)] } }),
        inval,
        /at most 1024/,
      );
      await expect400(
        withRule({ ...baseRule, trigger: { reply_mode: 'SYSTEM_REPLY' } }),
        inval,
        /needs reply_texts or reply_audios/,
      );
      await expect400(
        withRule({ ...baseRule, trigger: { reply_mode: 'SHOW_LAYER' } }),
        inval,
        /layer_config is required/,
      );
      await expect400(
        withRule({
          ...baseRule,
          trigger: { reply_mode: 'SHOW_LAYER', layer_config: { layer_type: 'IMAGE', asset_id: newId() } },
        }),
        'MSS.10001001',
        /layer_config.asset_id/,
      );
      await expect400(
        withRule({ ...baseRule, enabled_scenes: ['Nowhere'] }),
        inval,
        /not the script_name of a scene/,
      );
      await expect400(
        withRule({ ...baseRule, enabled_scenes: Array(101).fill('Opening') }),
        inval,
        /at most 100/,
      );
      await expect400(
        withRule({ ...baseRule, trigger: { reply_texts: ['x'], reply_role: 'CO_STREAMER' } }),
        inval,
        /needs the room to have co_streamer_config/,
      );
      await expect400(withRule({ ...baseRule, group_id: newId() }), 'MSS.10004002', /group_id/);
      await expect400(
        room({
          interaction_rules: [
            { ...baseRule, rule_index: 'a' },
            { ...baseRule, rule_index: 'a' },
          ],
        }),
        inval,
        /rule_index a is repeated/,
      );
      // A SHOW_LAYER rule with a visible image, a fallback rule and a callback rule pass.
      const ok = await create(
        room({
          interaction_rules: [
            {
              ...baseRule,
              trigger: { reply_mode: 'SHOW_LAYER', layer_config: { layer_type: 'IMAGE', asset_id: image } },
            },
            {
              event_type: 1,
              hit_condition: { relation: 'RESERVED' },
              trigger: { reply_texts: ['Thanks for the comment'] },
            },
            { event_type: 2, trigger: { reply_mode: 'CALLBACK', time_window: -1 } },
          ],
        }),
      );
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });

    it('UpdateSmartLiveRoom replaces the content, keeps scene ids and bumps script_version', async () => {
      const c = await create(room());
      const id = c.body.room_id;
      const before = (await p.call('GET', `${ROOMS}/${id}`)).body;
      const u = await p.call('PUT', `${ROOMS}/${id}`, {
        body: room({
          room_name: 'Flask launch v2',
          video_config: { width: 1080, height: 1920, bitrate: 6000 },
        }),
      });
      assert.equal(u.status, 200, JSON.stringify(u.body));
      assert.equal(u.body.room_name, 'Flask launch v2');
      assert.equal(u.body.view_mode, 'VERTICAL');
      assert.ok(Number(u.body.script_version) > Number(before.script_version));
      assert.equal(u.body.scene_scripts[0].script_id, before.scene_scripts[0].script_id);
      const u2 = await p.call('PUT', `${ROOMS}/${id}`, { body: room({ room_name: 'Flask launch v3' }) });
      assert.ok(Number(u2.body.script_version) > Number(u.body.script_version));
      const bad = await p.call('PUT', `${ROOMS}/${id}`, {
        body: room({ video_config: { width: 640, height: 480, bitrate: 3000 } }),
      });
      assert.equal(bad.status, 400);
      assert.equal(
        (await p.call('GET', `${ROOMS}/${id}`)).body.room_name,
        'Flask launch v3',
        'a refused update changes nothing',
      );
      const missing = await p.call('PUT', `${ROOMS}/${newId()}`, { body: room() });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error_code, 'MSS.10004001');
    });

    it('ListSmartLiveRooms pages newest first and filters by name, type and model; other projects see nothing', async () => {
      const tag = newId().slice(0, 8);
      const a = (await create(room({ room_name: `list ${tag} a` }))).body.room_id;
      const b = (await create(room({ room_name: `list ${tag} b`, room_type: 'TEMP' }))).body.room_id;
      const all = await p.call('GET', ROOMS, { query: { room_name: `list ${tag}` } });
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.equal(all.body.count, 2);
      assert.deepEqual(
        all.body.smart_live_rooms.map((r: { room_id: string }) => r.room_id),
        [b, a],
      );
      const first = all.body.smart_live_rooms[1];
      assert.equal(first.room_type, 'NORMAL');
      assert.equal(first.confirm_state, 'CONFIRMED');
      assert.equal(first.model_infos[0].model_asset_id, model);
      assert.match(first.model_infos[0].asset_name, /^host /);
      assert.deepEqual(first.model_infos[0].backup_model_asset_ids, [backup]);
      const temp = await p.call('GET', ROOMS, { query: { room_name: `list ${tag}`, room_type: 'TEMP' } });
      assert.deepEqual(
        temp.body.smart_live_rooms.map((r: { room_id: string }) => r.room_id),
        [b],
      );
      const page = await p.call('GET', ROOMS, { query: { room_name: `list ${tag}`, limit: 1, offset: 1 } });
      assert.equal(page.body.count, 2);
      assert.equal(page.body.smart_live_rooms[0].room_id, a);
      const byModel = await p.call('GET', ROOMS, {
        query: { room_name: `list ${tag}`, dh_id: model, model_name: 'host' },
      });
      assert.equal(byModel.body.count, 2);
      const noModel = await p.call('GET', ROOMS, { query: { room_name: `list ${tag}`, dh_id: backup } });
      assert.equal(noModel.body.count, 0);
      const other = await p.call('GET', ROOMS, { as: p.other });
      assert.equal(other.body.count, 0);
      const peek = await p.call('GET', `${ROOMS}/${a}`, { as: p.other });
      assert.equal(peek.body.error_code, 'MSS.10004001');
    });

    it('rule libraries: create, list, update (rule ids kept), import into a room, delete leaves the copies', async () => {
      const c = await p.call('POST', GROUPS, {
        body: {
          group_name: 'Greetings',
          interaction_rules: [{ ...baseRule, rule_index: 'hi', rule_name: 'say hi' }],
        },
      });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      const gid = c.body.group_id;
      const l = await p.call('GET', GROUPS, { query: { group_name: 'greet' } });
      assert.equal(l.status, 200, JSON.stringify(l.body));
      assert.equal(l.body.count, 1);
      const g = l.body.interaction_rule_groups[0];
      assert.equal(g.group_id, gid);
      assert.match(g.interaction_rules[0].rule_id, /^[0-9a-f]{32}$/);
      assert.equal(g.interaction_rules[0].hit_condition.priority, 500);
      const u = await p.call('PUT', `${GROUPS}/${gid}`, {
        body: {
          group_name: 'Greetings 2',
          interaction_rules: [
            { ...baseRule, rule_index: 'hi', rule_name: 'say hello' },
            { ...baseRule, event_type: 3, trigger: { reply_texts: ['thanks for the like'] } },
          ],
        },
      });
      assert.equal(u.status, 200, JSON.stringify(u.body));
      assert.equal(u.body.group_name, 'Greetings 2');
      assert.equal(u.body.interaction_rules[0].rule_id, g.interaction_rules[0].rule_id);
      assert.equal(u.body.interaction_rules[0].rule_name, 'say hello');
      assert.equal(u.body.interaction_rules.length, 2);
      const bad = await p.call('PUT', `${GROUPS}/${gid}`, {
        body: { group_name: 'x', interaction_rules: [{ ...baseRule, enabled_scenes: ['Opening'] }] },
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error_msg, /only a room rule has scenes/);
      const intelligent = await p.call('POST', GROUPS, {
        body: {
          group_name: 'robot',
          interaction_rules: [{ ...baseRule, trigger: { reply_mode: 'INTELLIGENT_REPLY' } }],
        },
      });
      assert.equal(intelligent.body.error_code, 'MSS.10004006');
      const since = await p.call('GET', GROUPS, { query: { create_since: '2999-01-01T00:00:00Z' } });
      assert.equal(since.body.count, 0);

      // A room imports the rule: it names the library and gets its name.
      const r = await create(room({ interaction_rules: [{ ...baseRule, group_id: gid }] }));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const shown = (await p.call('GET', `${ROOMS}/${r.body.room_id}`)).body;
      assert.equal(shown.interaction_rules[0].group_name, 'Greetings 2');
      const d = await p.call('DELETE', `${GROUPS}/${gid}`);
      assert.equal(d.status, 200, JSON.stringify(d.body));
      const after = (await p.call('GET', `${ROOMS}/${r.body.room_id}`)).body;
      assert.equal(after.interaction_rules.length, 1, 'the room keeps its copy');
      assert.equal(after.interaction_rules[0].group_id, undefined);
      assert.ok(Number(after.script_version) > Number(shown.script_version));
      const again = await p.call('DELETE', `${GROUPS}/${gid}`);
      assert.equal(again.body.error_code, 'MSS.10004002');
      const otherList = await p.call('GET', GROUPS, { as: p.other });
      assert.equal(otherList.body.count, 0);
    });

    it('DeleteSmartLiveRoom; a room with a running job is kept; a TEMP room is cleaned after its job', async () => {
      const live = createLiveRooms(p.deps.moduleDeps);
      const id = (await create(room())).body.room_id;
      const doc = await live.get(p.tenant.projectId, id);
      assert.equal(doc?.scene_scripts.length, 2);
      assert.equal(doc?.play_policy.play_mode, 'TEXT');
      await live.recordJob(p.tenant.projectId, id, {
        jobId: 'j1',
        status: 'PROCESSING',
        startTime: new Date(),
      });
      const busy = await p.call('DELETE', `${ROOMS}/${id}`);
      assert.equal(busy.status, 400);
      assert.equal(busy.body.error_code, 'MSS.10004007');
      const listed = await p.call('GET', ROOMS, { query: { room_name: 'Flask', live_state: 'PROCESSING' } });
      assert.ok(listed.body.smart_live_rooms.some((r: { room_id: string }) => r.room_id === id));
      await live.recordJob(p.tenant.projectId, id, { jobId: 'j1', status: 'SUCCEED', endTime: new Date() });
      assert.equal(await live.cleanupTempRoom(p.tenant.projectId, id), false, 'a NORMAL room stays');
      const d = await p.call('DELETE', `${ROOMS}/${id}`);
      assert.equal(d.status, 200, JSON.stringify(d.body));
      assert.equal((await p.call('GET', `${ROOMS}/${id}`)).body.error_code, 'MSS.10004001');
      const temp = (await create(room({ room_type: 'TEMP' }))).body.room_id;
      assert.equal(await live.cleanupTempRoom(p.tenant.projectId, temp), true);
      assert.equal((await p.call('GET', `${ROOMS}/${temp}`)).body.error_code, 'MSS.10004001');
      const missing = await p.call('DELETE', `${ROOMS}/${newId()}`);
      assert.equal(missing.body.error_code, 'MSS.10004001');
    });

    it('the REWRITE checks the live jobs use refuse what a create refuses', async () => {
      const live = createLiveRooms(p.deps.moduleDeps);
      const id = (await create(room())).body.room_id;
      const doc = await live.get(p.tenant.projectId, id);
      assert.ok(doc);
      const rules = await live.checkRules(p.tenant.projectId, [baseRule], doc);
      assert.equal(rules[0]?.rule_index, 'rule-1');
      await assert.rejects(
        live.checkRules(
          p.tenant.projectId,
          [{ ...baseRule, trigger: { reply_mode: 'INTELLIGENT_REPLY' } }],
          doc,
        ),
        (e: Error & { code?: string }) => e.code === 'MSS.10004006',
      );
      const scenes = await live.checkScenes(
        p.tenant.projectId,
        [
          {
            script_name: 'Opening',
            model_asset_id: model,
            shoot_scripts: [{ text_config: { text: LONG_EN } }],
          },
        ],
        doc,
      );
      assert.equal(scenes[0]?.script_id, doc.scene_scripts[0]?.script_id, 'a scene keeps its id by name');
      await assert.rejects(
        live.checkScenes(
          p.tenant.projectId,
          [{ script_name: 'S', model_asset_id: image, shoot_scripts: [{ text_config: { text: LONG_EN } }] }],
          doc,
        ),
        /expected HUMAN_MODEL_2D/,
      );
    });
  },
);
