// The chat-command protocol without a network: ChatConnection against a stand-in session,
// for what the socket suite cannot reach (a command before START_CHAT, AUDIO_DRIVE without a
// recogniser, too many questions, a failing recogniser, a start that fails).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatConnection } from '../../src/modules/dialog-jobs/chat-command.ts';
import type { ChatSession } from '../../src/modules/dialog-jobs/chat-session.ts';

function rig(opts: { join?: () => Promise<void>; transcribe?: (a: Buffer) => Promise<string> } = {}) {
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON messages.
  const sent: Array<Record<string, any>> = [];
  const closes: Array<[number, string]> = [];
  const asked: string[] = [];
  const session = {
    jobId: 'job1',
    ended: false,
    join: opts.join ?? (async () => {}),
    leave: () => {},
    ask: (q: string) => {
      asked.push(q);
      return 'a1';
    },
    interrupt: () => true,
    end: async () => {},
  } as unknown as ChatSession;
  const conn = new ChatConnection(
    { send: (t) => sent.push(JSON.parse(t)), close: (c, r) => closes.push([c, r]) },
    session,
    {
      idleMs: 60_000,
      ...(opts.transcribe
        ? { transcribe: (a) => (opts.transcribe as (a: Buffer) => Promise<string>)(a) }
        : {}),
    },
  );
  const msg = (command: string, data?: unknown) =>
    conn.message(JSON.stringify({ request_id: 'r1', payload: { command, ...(data ? { data } : {}) } }));
  return { conn, sent, closes, asked, msg };
}

describe('ChatConnection', () => {
  it('a command before START_CHAT is an error; HEARTBEAT is always answered', async () => {
    let release!: () => void;
    const r = rig({ join: () => new Promise<void>((res) => (release = res)) });
    const opened = r.conn.open();
    await r.msg('TEXT_DRIVE', { text: 'hi' });
    assert.match(r.sent.at(-1)?.error_msg, /before START_CHAT/);
    await r.msg('HEARTBEAT');
    assert.equal(r.sent.at(-1)?.payload.command, 'HEARTBEAT');
    release();
    await opened;
    await r.msg('TEXT_DRIVE', { text: 'hi' });
    assert.deepEqual(r.asked, ['hi']);
    r.conn.close(1000, 'done');
  });

  it('AUDIO_DRIVE without a recogniser names the missing configuration', async () => {
    const r = rig();
    await r.conn.open();
    await r.msg('AUDIO_DRIVE', { audio: Buffer.from('RIFF').toString('base64') });
    assert.equal(r.sent.at(-1)?.error_code, 'MSS.47010150');
    assert.match(r.sent.at(-1)?.error_msg, /DOPPEL_ASR_URL/);
    r.conn.close(1000, 'done');
  });

  it('a recogniser that fails is reported; one that works asks its text', async () => {
    const bad = rig({ transcribe: async () => Promise.reject(new Error('model not loaded')) });
    await bad.conn.open();
    await bad.msg('AUDIO_DRIVE', { audio: 'AAAA' });
    assert.equal(bad.sent.at(-1)?.error_code, 'MSS.47010151');
    bad.conn.close(1000, 'done');
    const good = rig({ transcribe: async () => 'where is it' });
    await good.conn.open();
    await good.msg('AUDIO_DRIVE', { audio: 'AAAA' });
    assert.equal(good.sent.at(-1)?.payload.command, 'ASR_TEXT');
    assert.deepEqual(good.asked, ['where is it']);
    good.conn.close(1000, 'done');
  });

  it('more than 5 questions a second: MSS.47010004 request too frequent', async () => {
    const r = rig();
    await r.conn.open();
    for (let i = 0; i < 7; i++) await r.msg('TEXT_DRIVE', { text: `q${i}` });
    assert.equal(r.asked.length, 5);
    assert.equal(r.sent.filter((m) => m.error_code === 'MSS.47010004').length, 2);
    r.conn.close(1000, 'done');
  });

  it('a dialog that cannot start tells the client and closes with a reason', async () => {
    const r = rig({ join: async () => Promise.reject(new Error('the encoder exited')) });
    await r.conn.open();
    assert.equal(r.sent[0]?.error_code, 'MSS.00000000');
    assert.match(r.sent[1]?.error_msg, /cannot start: the encoder exited/);
    assert.deepEqual(r.closes, [[4410, 'dialog ended']]);
  });
});
