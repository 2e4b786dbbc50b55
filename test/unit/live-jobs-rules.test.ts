// The live jobs' pure decisions: start warnings, the play order over rounds (repeat_count,
// random_play_mode from the second round), live_exit_config boundaries, the wire shape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveSceneScript } from '../../src/modules/live/index.ts';
import { playPolicyOf } from '../../src/modules/live/index.ts';
import type { LiveJobRow } from '../../src/modules/live-jobs/live-jobs.repo.ts';
import {
  exitDeadline,
  exitsAt,
  jobWire,
  roundOrder,
  roundsOf,
  startWarnings,
  stepAt,
} from '../../src/modules/live-jobs/live-jobs.rules.ts';

const scene = (name: string, n: number): LiveSceneScript =>
  ({
    script_name: name,
    script_id: name,
    model_asset_id: 'm',
    shoot_scripts: Array.from({ length: n }, (_, i) => ({
      sequence_no: i + 1,
      text_config: { text: `${name}${i}` },
    })),
  }) as unknown as LiveSceneScript;

describe('live job rules', () => {
  const scenes = [scene('A', 2), scene('B', 3)];

  it('plays the scenes in order, once per round, as many rounds as repeat_count says', () => {
    assert.equal(roundsOf(-1), Infinity);
    assert.equal(roundsOf(0), 1);
    assert.equal(roundsOf(2), 3);
    const policy = { repeat_count: 1, random_play_mode: 'NONE' as const };
    const played: string[] = [];
    let pos = { round: 0, step: 0 };
    for (;;) {
      const at = stepAt(scenes, policy, pos, 1);
      if (!at) break;
      played.push(at.paragraph.text_config?.text ?? '');
      pos = at.next;
    }
    assert.deepEqual(played, ['A0', 'A1', 'B0', 'B1', 'B2', 'A0', 'A1', 'B0', 'B1', 'B2']);
  });

  it('marks scene and round ends; shuffles only from the second round, the same way on resume', () => {
    const first = roundOrder(scenes, 'SCENE_AND_SCRIPT_ITEM', 0, 5);
    assert.deepEqual(
      first.map((s) => [s.scene, s.paragraph]),
      [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
        [1, 2],
      ],
    );
    assert.deepEqual(
      first.map((s) => s.sceneEnd),
      [false, true, false, false, true],
    );
    assert.deepEqual(
      first.map((s) => s.roundEnd),
      [false, false, false, false, true],
    );
    const later = roundOrder(scenes, 'SCENE_AND_SCRIPT_ITEM', 3, 5);
    assert.deepEqual(later, roundOrder(scenes, 'SCENE_AND_SCRIPT_ITEM', 3, 5));
    assert.equal(later.length, 5);
    // Each scene's paragraphs stay together.
    const sceneRuns = later.map((s) => s.scene).filter((s, i, a) => i === 0 || a[i - 1] !== s);
    assert.equal(sceneRuns.length, 2);
  });

  it('an empty script has no step', () => {
    assert.equal(
      stepAt([scene('A', 0)], { repeat_count: -1, random_play_mode: 'NONE' }, { round: 0, step: 0 }, 1),
      undefined,
    );
  });

  it('exit modes end the job at their boundary', () => {
    const step = { scene: 0, paragraph: 0, sceneEnd: false, roundEnd: false };
    assert.equal(exitsAt('FORCE_EXIT', undefined), true);
    assert.equal(exitsAt('SEGMENT_END', undefined), false);
    assert.equal(exitsAt('SEGMENT_END', step), true);
    assert.equal(exitsAt('SCENE_END', step), false);
    assert.equal(exitsAt('SCENE_END', { ...step, sceneEnd: true }), true);
    assert.equal(exitsAt('SCRIPT_END', { ...step, sceneEnd: true }), false);
    assert.equal(exitsAt('SCRIPT_END', { ...step, roundEnd: true }), true);
    const t = new Date('2026-01-01T00:00:00Z');
    assert.equal(exitDeadline(t, 0), undefined);
    assert.equal(exitDeadline(t, 2)?.toISOString(), '2026-01-01T02:00:00.000Z');
  });

  it('start warnings come from the room', () => {
    const room = {
      scene_scripts: scenes,
      interaction_rules: [],
      play_policy: playPolicyOf(undefined),
      backup_model_asset_ids: [],
    };
    assert.deepEqual(
      startWarnings(room).map((w) => w.warning_type),
      ['TOO_SHORT_SCRIPT_TIME', 'TOO_LESS_DANMAKU_RULES', 'RANDOM_PLAY_CLOSED', 'ROTATION_MODEL_CLOSED'],
    );
    const rich = {
      scene_scripts: [scene('A', 5)].map((s) => ({
        ...s,
        shoot_scripts: s.shoot_scripts.map((p) => ({ ...p, text_config: { text: 'x'.repeat(600) } })),
      })),
      interaction_rules: [1, 2, 3].map(() => ({ event_type: 1 })) as never,
      play_policy: playPolicyOf({ random_play_mode: 'SCENE' }),
      backup_model_asset_ids: ['b'],
    };
    assert.deepEqual(startWarnings(rich), []);
  });

  it('the wire shape counts duration from start to end, stream_duration from the pushed time', () => {
    const row = {
      job_id: 'j',
      room_id: 'r',
      room_name: 'n',
      state: 'SUCCEED',
      stream_ms: 61_500,
      start_time: new Date('2026-01-01T00:00:00Z'),
      end_time: new Date('2026-01-01T00:02:00Z'),
      error_code: null,
      error_msg: null,
      block_reason: null,
      create_time: new Date('2026-01-01T00:00:00Z'),
      update_time: new Date('2026-01-01T00:02:00Z'),
    } as unknown as LiveJobRow;
    const w = jobWire(row, new Date());
    assert.equal(w.duration, 120);
    assert.equal(w.stream_duration, 61);
    assert.equal(w.error_info, undefined);
    const failed = jobWire({ ...row, state: 'FAILED', error_code: 'X', error_msg: 'why' }, new Date());
    assert.deepEqual(failed.error_info, { error_code: 'X', error_msg: 'why' });
  });
});
