// A live job's event callbacks, decided purely: which receiver (job over room over platform),
// which types an empty list means, and the `{event_type, message}` body of each stream event.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpeechItem, StreamEvent } from '../../src/engines/stream/index.ts';
import type { LiveSceneScript } from '../../src/modules/live/index.ts';
import {
  eventTargetOf,
  INTERACTION_CALLBACK_TYPE,
  interactionCallbackOf,
  interactionTargetOf,
  liveCallbackOf,
  wants,
} from '../../src/modules/live-jobs/live-callbacks.rules.ts';
import type { Said } from '../../src/modules/live-jobs/live-jobs.run.ts';
import { checkCallbackRules } from '../../src/modules/live-jobs/live-jobs.service.ts';

const scenes = [
  {
    script_name: 'Opening',
    script_id: 's1',
    shoot_scripts: [
      { sequence_no: 1, title: 'Hello', text_config: { text: 'a' } },
      { sequence_no: 2, title: 'Flask', text_config: { text: 'b' } },
    ],
  },
] as unknown as LiveSceneScript[];
const ctx = { roomId: 'r1', jobId: 'j1', scenes, now: new Date(1_700_000_000_000) };
const script: SpeechItem<Said> = {
  id: 'script-0-1',
  kind: 'script',
  payload: {
    text: 'b',
    scene: 0,
    step: { scene: 0, paragraph: 1, sceneEnd: true, roundEnd: true },
    position: { round: 0, step: 1 },
  },
};
const reply = (source: string): SpeechItem<Said> => ({
  id: 'reply-3',
  kind: 'reply',
  payload: { text: 'hi', scene: 0, source },
});
const message = (e: StreamEvent<Said>) => {
  const b = liveCallbackOf(e, ctx);
  return b && { event_type: b.event_type, ...JSON.parse(b.message) };
};

describe('live event callbacks', () => {
  it('takes the job config over the room, and the platform url only when the room inherits', () => {
    const room = { live_event_type_callback_url: 'http://room.example/cb', callback_event_type: [] };
    assert.equal(eventTargetOf(room, undefined, undefined)?.url, 'http://room.example/cb');
    const job = { live_event_type_callback_url: 'http://job.example/cb', auth_type: 'MSS_A', key: 'k' };
    assert.deepEqual(eventTargetOf(room, job, undefined), {
      url: 'http://job.example/cb',
      auth_type: 'MSS_A',
      key: 'k',
      types: [],
    });
    const inherit = { is_inheritance_platform_callback: true, callback_event_type: ['REPLY_COMMAND_FINISH'] };
    const platform = { url: 'http://platform.example/ev', key: 'pk' };
    // Inherited: the platform's url, signed as Doppel signs every call to that platform.
    assert.deepEqual(eventTargetOf(inherit, undefined, platform), {
      url: 'http://platform.example/ev',
      auth_type: 'MSS_A_HEAD',
      key: 'pk',
      types: ['REPLY_COMMAND_FINISH'],
    });
    assert.equal(eventTargetOf({ callback_event_type: [] }, undefined, platform), undefined);
    assert.equal(eventTargetOf(inherit, undefined, undefined), undefined);
    assert.equal(eventTargetOf(undefined, undefined, undefined), undefined);
    // A key without an auth type signs MSS_A, as every other callback config does.
    assert.equal(
      eventTargetOf({ live_event_type_callback_url: 'http://a/', key: 'k' }, undefined, undefined)?.auth_type,
      'MSS_A',
    );
  });

  it('an empty type list wants every type; a list wants only its own', () => {
    const all = eventTargetOf({ live_event_type_callback_url: 'http://a/' }, undefined, undefined);
    assert.ok(all && wants(all, 'SHOOT_SCRIPT_SWITCH') && wants(all, 'RTMP_STREAM_STATE_CHANGE'));
    const some = eventTargetOf(
      { live_event_type_callback_url: 'http://a/', callback_event_type: ['REPLY_COMMAND_FINISH'] },
      undefined,
      undefined,
    );
    assert.ok(some && wants(some, 'REPLY_COMMAND_FINISH'));
    assert.ok(some && !wants(some, 'RTMP_STREAM_STATE_CHANGE'));
  });

  it('turns stream events into bodies with a JSON message', () => {
    assert.deepEqual(message({ type: 'rtmp', state: 'CONNECTED' }), {
      event_type: 'RTMP_STREAM_STATE_CHANGE',
      room_id: 'r1',
      job_id: 'j1',
      timestamp: 1_700_000_000_000,
      state: 'CONNECTED',
    });
    assert.equal(message({ type: 'rtmp', state: 'DISCONNECTED', detail: 'refused' })?.reason, 'refused');
    assert.deepEqual(message({ type: 'start', item: script }), {
      event_type: 'SHOOT_SCRIPT_SWITCH',
      room_id: 'r1',
      job_id: 'j1',
      timestamp: 1_700_000_000_000,
      scene_script_name: 'Opening',
      shoot_script_sequence_no: 2,
      shoot_script_title: 'Flask',
      round: 0,
    });
    const played = message({ type: 'end', item: reply('c0ffee'), reason: 'played' });
    assert.equal(played?.event_type, 'REPLY_COMMAND_FINISH');
    assert.equal(played?.reply_id, 'reply-3');
    assert.equal(played?.command_id, 'c0ffee');
    assert.equal(message({ type: 'end', item: reply('rule:2'), reason: 'played' })?.rule_index, '2');
    // Not finished: removed before the end, or its speech failed; a paragraph ending is no event.
    assert.equal(message({ type: 'end', item: reply('c0ffee'), reason: 'removed' }), undefined);
    assert.equal(message({ type: 'end', item: reply('c0ffee'), reason: 'failed' }), undefined);
    assert.equal(message({ type: 'end', item: script, reason: 'played' }), undefined);
    assert.equal(message({ type: 'start', item: reply('x') }), undefined);
  });
});

describe('CALLBACK rule hits (ERRATA 100)', () => {
  it('go to the interaction URL, signed with the event config, or unsigned without one', () => {
    const events = eventTargetOf(
      { live_event_type_callback_url: 'https://hooks.example/e', auth_type: 'MSS_A', key: 'k1' },
      undefined,
      undefined,
    );
    assert.deepEqual(interactionTargetOf('https://hooks.example/hit?t=1', events), {
      url: 'https://hooks.example/hit?t=1',
      auth_type: 'MSS_A',
      key: 'k1',
      types: [],
    });
    assert.deepEqual(interactionTargetOf('https://hooks.example/hit', undefined), {
      url: 'https://hooks.example/hit',
      auth_type: 'NONE',
      types: [],
    });
    assert.equal(interactionTargetOf(undefined, events), undefined);
    // Every hit is wanted, whatever the event config filters.
    assert.ok(wants({ url: 'x', auth_type: 'NONE', types: [] }, INTERACTION_CALLBACK_TYPE));
  });

  it('carry the rule, the event and the spoken reply', () => {
    const b = interactionCallbackOf(
      {
        ruleIndex: 'gift',
        rule: { rule_name: 'thanks', event_type: 4, trigger: { reply_mode: 'SYSTEM_REPLY_AND_CALLBACK' } },
        event: { timestamp: 5, type: 4, content: { gift: { giftNum: 2 } } },
        replyId: 'reply-7',
      },
      { roomId: 'r1', jobId: 'j1', now: new Date(1_700_000_000_000), sceneName: 'Opening' },
    );
    assert.equal(b.event_type, 'INTERACTION_RULE_HIT');
    assert.deepEqual(JSON.parse(b.message), {
      room_id: 'r1',
      job_id: 'j1',
      timestamp: 1_700_000_000_000,
      rule_index: 'gift',
      rule_name: 'thanks',
      reply_mode: 'SYSTEM_REPLY_AND_CALLBACK',
      scene_script_name: 'Opening',
      reply_id: 'reply-7',
      event: { type: 4, timestamp: 5, content: { gift: { giftNum: 2 } } },
    });
  });

  it('need the job URL when a rule calls back', () => {
    const rules = [{ trigger: { reply_mode: 'SYSTEM_REPLY' } }, { trigger: { reply_mode: 'CALLBACK' } }];
    assert.throws(
      () => checkCallbackRules(rules, false, 'interaction_rules'),
      (e: { code?: string; message: string }) => /interaction_rules\[1\]/.test(e.message),
    );
    checkCallbackRules(rules, true, 'interaction_rules');
    checkCallbackRules(rules.slice(0, 1), false, 'interaction_rules');
  });
});
