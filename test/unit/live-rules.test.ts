// Interaction-rule and room rules (pure): normalisation, rule_index assignment, each refusal
// names its field, and the live output limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveRoomInteractionRuleInfo } from '../../src/contract/generated/types.ts';
import { checkInteractionRules, replyPlayType } from '../../src/modules/live/interaction-rules.rules.ts';
import {
  checkOutputs,
  paragraphDrive,
  playPolicyOf,
  videoConfigOf,
} from '../../src/modules/live/rooms.rules.ts';

const rule = (over: Partial<LiveRoomInteractionRuleInfo> = {}): LiveRoomInteractionRuleInfo => ({
  event_type: 1,
  hit_condition: { tags: [{ tag: 'content', match: 'EQUAL', value: 'hi' }] },
  trigger: { reply_texts: ['hello'] },
  ...over,
});
const check = (rules: LiveRoomInteractionRuleInfo[], sceneNames?: string[]) =>
  checkInteractionRules(rules, { at: 'rules', ...(sceneNames ? { sceneNames: new Set(sceneNames) } : {}) });
const refused = (rules: LiveRoomInteractionRuleInfo[], msg: RegExp, code = 'MSS.00000003') =>
  assert.throws(
    () => check(rules, ['A']),
    (e: Error & { code?: string }) => e.code === code && msg.test(e.message),
  );

describe('interaction rules', () => {
  it('fills the defaults and gives free rule indexes around the ones given', () => {
    const { rules } = check([rule(), rule({ rule_index: 'rule-1' }), rule()]);
    assert.deepEqual(
      rules.map((r) => r.rule_index),
      ['rule-2', 'rule-1', 'rule-3'],
    );
    const r = rules[0]!;
    assert.equal(r.enabled, true);
    assert.deepEqual(r.hit_condition, {
      relation: 'AND',
      priority: 500,
      tags: [{ tag: 'content', operation: 'NONE', match: 'EQUAL', value: 'hi' }],
    });
    assert.equal(r.trigger.reply_mode, 'SYSTEM_REPLY');
    assert.equal(r.trigger.time_window, 0);
    assert.equal(r.trigger.reply_order, 'ORDER');
    assert.equal(r.trigger.reply_role, 'STREAMER');
    assert.equal(replyPlayType(r, undefined), 'APPEND');
    assert.equal(replyPlayType(r, 'PLAY_NOW'), 'PLAY_NOW');
  });

  it('accepts aggregates over a window, numeric matches, REGEX, fallback and layer rules', () => {
    const { rules, assetRefs } = check([
      rule({
        event_type: 4,
        hit_condition: {
          tags: [{ tag: 'gift.totalValue', operation: 'SUM', match: 'MATH_GE', value: '99.5' }],
        },
        trigger: { time_window: -1, reply_texts: ['thanks'] },
      }),
      rule({ hit_condition: { tags: [{ tag: 'content', match: 'REGEX', value: '^价格|\\bprice\\b' }] } }),
      rule({ hit_condition: { relation: 'RESERVED' } }),
      rule({
        trigger: { reply_mode: 'SHOW_LAYER', layer_config: { layer_type: 'IMAGE', asset_id: 'img1' } },
      }),
      rule({ trigger: { reply_mode: 'CALLBACK' } }),
    ]);
    assert.equal(rules.length, 5);
    assert.deepEqual(assetRefs, [
      { field: 'rules[3].trigger.layer_config.asset_id', assetId: 'img1', types: ['IMAGE'] },
    ]);
  });

  it('refuses what the engine could not run, naming the field', () => {
    refused(
      [rule({ trigger: { reply_mode: 'INTELLIGENT_REPLY' } })],
      /rules\[0\]\.trigger\.robot_id: .*dialog robot/,
      'MSS.10004006',
    );
    refused([rule({ event_type: 5 })], /rules\[0\]\.event_type 5/);
    refused([rule({ trigger: undefined })], /trigger is required/);
    refused(
      [rule({ hit_condition: { tags: [{ tag: 'c', match: 'REGEX', value: '[' }] } })],
      /not a valid regular expression/,
    );
    refused(
      [rule({ hit_condition: { tags: [{ tag: 'c', match: 'MATH_LT', value: '' }] } })],
      /must be a number/,
    );
    refused(
      [rule({ hit_condition: { tags: [{ tag: 'c', match: 'MATH_LT', value: 'NaN' }] } })],
      /must be a number/,
    );
    refused(
      [rule({ hit_condition: { tags: [{ tag: '', match: 'EQUAL', value: 'x' }] } })],
      /tag is required/,
    );
    refused([rule({ hit_condition: { tags: [{ tag: 'c', value: 'x' }] } })], /match is required/);
    refused(
      [rule({ hit_condition: { tags: [{ tag: 'c', operation: 'AVG', match: 'REGEX', value: 'x' }] } })],
      /must be MATH_/,
    );
    refused([rule({ hit_condition: { priority: 1000 } })], /priority must be 0-999/);
    refused([rule({ trigger: { reply_texts: ['a', 'b', 'c', 'd', 'e', 'f'] } })], /at most 5/);
    refused([rule({ trigger: { reply_texts: ['x'.repeat(1025)] } })], /1025 characters; at most 1024/);
    refused([rule({ trigger: { reply_texts: ['ok\u0000'] } })], /control characters/);
    refused([rule({ trigger: { reply_texts: ['\uD800'] } })], /lone surrogate/);
    refused([rule({ trigger: { reply_audios: [{ audio_url: 'ftp://x/y.mp3' }] } })], /only http and https/);
    refused(
      [rule({ trigger: { reply_mode: 'SHOW_LAYER', layer_config: { layer_type: 'TEXT' } } })],
      /text_context/,
    );
    refused(
      [
        rule({
          trigger: {
            reply_mode: 'SHOW_LAYER',
            layer_config: { layer_type: 'TEXT', text_config: { text_context: 'Sale!' } },
          },
        }),
      ],
      /layer_config.layer_type TEXT: SHOW_LAYER shows IMAGE layers only/,
    );
    refused([rule({ trigger: { reply_texts: ['x'], robot_id: 'r1' } })], /robot_id is only for/);
    refused([rule({ trigger: { reply_texts: ['x'], time_window: 7201 } })], /time_window/);
    refused([rule({ enabled_scenes: ['B'] })], /enabled_scenes\[0\] "B"/);
    refused([rule({ enabled_scenes: ['A', 'A'] })], /is repeated/);
    refused([rule({ rule_index: 'x' }), rule({ rule_index: 'x' })], /rule_index x is repeated/);
  });
});

describe('room output rules', () => {
  it('live video is 1920x1080 or 1080x1920 at 1000-8000 kbps, and view_mode follows it', () => {
    assert.equal(videoConfigOf({ width: 1080, height: 1920, bitrate: 8000 }, undefined).viewMode, 'VERTICAL');
    assert.deepEqual(videoConfigOf(undefined, 'VERTICAL').video, {
      codec: 'H264',
      frame_rate: '25',
      bitrate: 4000,
      width: 1080,
      height: 1920,
    });
    assert.throws(
      () => videoConfigOf({ width: 1280, height: 720, bitrate: 3000 }, undefined),
      /1920x1080 or 1080x1920/,
    );
    assert.throws(() => videoConfigOf({ width: 1920, height: 1080, bitrate: 999 }, undefined), /1000-8000/);
    assert.throws(
      () => videoConfigOf({ width: 1920, height: 1080, bitrate: 3000, codec: 'VP8' }, undefined),
      /H264/,
    );
    assert.throws(
      () => videoConfigOf({ width: 1920, height: 1080, bitrate: 3000, frame_rate: '30' }, undefined),
      /25 fps/,
    );
  });

  it('one rtmp(s) target, a key only with it', () => {
    assert.deepEqual(checkOutputs(['rtmps://live.example.com/app'], ['k'], 'u', 'k'), {
      urls: ['rtmps://live.example.com/app'],
      keys: ['k'],
    });
    assert.throws(() => checkOutputs(['https://x/y'], [], 'u', 'k'), /rtmp/);
    assert.throws(() => checkOutputs(['rtmp://a/b', 'rtmp://c/d'], [], 'u', 'k'), /one RTMP target/);
    assert.throws(() => checkOutputs([], ['k'], 'u', 'k'), /needs u/);
  });

  it('play policy defaults and which drive a paragraph plays with', () => {
    const p = playPolicyOf(undefined);
    assert.equal(p.repeat_count, -1);
    assert.equal(p.play_mode, 'TEXT');
    assert.deepEqual(p.live_exit_config, {
      max_live_duration: 0,
      auto_stop_mode: 'FORCE_EXIT',
      max_exception_waiting_duration: 3,
    });
    const both = { text_config: { text: 'hi' }, audio_config: { audio_url: 'https://x/a.mp3' } };
    assert.equal(paragraphDrive(both, 'TEXT'), 'TEXT');
    assert.equal(paragraphDrive(both, 'AUDIO'), 'AUDIO');
    assert.equal(paragraphDrive({ audio_config: { asset_id: 'a' } }, 'TEXT'), 'AUDIO');
  });
});
