// The live callback queue: sends in order, one at a time; a receiver that never answers holds
// at most MAX_QUEUED_CALLBACKS events (the oldest go), pushing never waits, and close() ends
// within its grace by cutting the send in flight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveCallbackBody } from '../../src/modules/live-jobs/live-callbacks.rules.ts';
import {
  LiveCallbackSender,
  MAX_QUEUED_CALLBACKS,
} from '../../src/modules/live-jobs/live-callbacks.sender.ts';

const deps = {
  db: undefined,
  clock: { now: () => new Date() },
  logger: { warn: () => {} },
  allowPrivateFetch: true,
} as never;
const target = { url: 'http://receiver.test/', auth_type: 'NONE' as const, types: [] };
const ref = { projectId: 'p', jobId: 'j' };
const ev = (n: number): LiveCallbackBody => ({ event_type: 'SHOOT_SCRIPT_SWITCH', message: String(n) });

describe('live callback sender', () => {
  it('sends in order, one at a time', async () => {
    const sent: string[] = [];
    let inFlight = 0;
    const s = new LiveCallbackSender(deps, target, ref, async (b) => {
      assert.equal(++inFlight, 1);
      await new Promise((r) => setTimeout(r, 1));
      sent.push(b.message);
      inFlight--;
    });
    for (let i = 0; i < 5; i++) s.push(ev(i));
    await s.close(5_000);
    assert.deepEqual(sent, ['0', '1', '2', '3', '4']);
  });

  it('a hanging receiver: bounded queue, oldest dropped, close cuts the send', async () => {
    const started: string[] = [];
    let aborted = 0;
    const s = new LiveCallbackSender(deps, target, ref, (b, signal) => {
      started.push(b.message);
      return new Promise((_r, reject) =>
        signal.addEventListener('abort', () => {
          aborted++;
          reject(new Error('aborted'));
        }),
      );
    });
    for (let i = 0; i < 150; i++) s.push(ev(i));
    // The first went out and hangs; 100 wait; the 49 oldest after it were dropped.
    assert.deepEqual(started, ['0']);
    assert.equal(s.dropped, 150 - 1 - MAX_QUEUED_CALLBACKS);
    await s.close(10);
    assert.equal(aborted, 1);
    assert.deepEqual(started, ['0']);
    s.push(ev(999));
    assert.deepEqual(started, ['0'], 'closed: nothing more is sent');
  });

  it('only the types asked for are queued', async () => {
    const sent: string[] = [];
    const s = new LiveCallbackSender(deps, { ...target, types: ['REPLY_COMMAND_FINISH'] }, ref, async (b) => {
      sent.push(b.event_type);
    });
    s.push(ev(1));
    s.push({ event_type: 'REPLY_COMMAND_FINISH', message: '{}' });
    await s.close(5_000);
    assert.deepEqual(sent, ['REPLY_COMMAND_FINISH']);
  });
});
