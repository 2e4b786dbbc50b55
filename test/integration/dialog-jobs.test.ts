// Virtual Avatar Dialog Task Management over HTTP and the chat-command socket, on both
// database legs, with the real stream engine (eSpeak, ffmpeg) and a local OpenAI-compatible
// stand-in answering as SSE: CreateDialogUrl; StartSmartChatJob → WAITING → PROCESSING with
// chat_access_address and rtc_room_info; a question's answer streams as text and plays
// (ANSWER_START / ANSWER_END from the stream's own queue); history follows chat_rounds;
// INTERRUPT_CHAT and a new question cut an answer; the room's concurrency is enforced;
// StopSmartChatJob → SUCCEED NORMAL with JOB_FINISHED; silence → MUTE_TIMEOUT;
// ShowSmartChatJob throughout; refused inputs.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { waitFor } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import {
  type ChatSocketClient,
  chatSocket,
  command,
  type LlmStandIn,
  llmStandIn,
  type Msg,
  ok,
  startListeningPlatform,
} from '../helpers/dialog.ts';
import type { TestPlatform } from '../helpers/platform.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const CHAT = '/v1/{project_id}/digital-human-chat';
const ROOMS = '/v1/{project_id}/smart-chat-rooms';
const JOBS = (room: string) => `${CHAT}/smart-chat-rooms/${room}/smart-chat-jobs`;
const HOST = SYSTEM_AVATARS[0].assetId;

await describeEachDb(
  'Dialog jobs (CreateDialogUrl, StartSmartChatJob, ShowSmartChatJob, StopSmartChatJob) and the chat socket',
  (leg) => {
    let p: TestPlatform & { base: string; port: number };
    let llm: LlmStandIn;
    let robotId: string;
    const room = async (extra: Msg = {}) =>
      ok(
        await p.call('POST', ROOMS, {
          body: {
            room_name: `Shop ${Math.random().toString(16).slice(2, 8)}`,
            model_asset_id: HOST,
            voice_config_list: [{ voice_asset_id: EN_VOICE, language: 'EN' }],
            default_language: 'EN',
            video_config: { width: 640, height: 360, bitrate: 800 },
            robot_id: robotId,
            concurrency: 1,
            ...extra,
          },
        }),
      ).room_id as string;
    const start = (roomId: string, body: Msg = {}) =>
      p.call('POST', JOBS(roomId), { query: { robot_id: robotId }, body });
    const show = (roomId: string, jobId: string) => p.call('GET', `${JOBS(roomId)}/${jobId}/state`);
    const connect = async (roomId: string, jobId: string, address: string): Promise<ChatSocketClient> => {
      const code = ok(await p.call('POST', `${CHAT}/once-code`, { body: { room_id: roomId } })).once_code;
      return chatSocket(
        `ws://${address}/v1/${p.tenant.projectId}/digital-human-chat/chat-command/${jobId}?token=${code}`,
      );
    };

    before(async () => {
      llm = await llmStandIn();
      p = await startListeningPlatform(leg);
      robotId = ok(
        await p.call('POST', `${CHAT}/robot`, {
          body: {
            name: 'shop assistant',
            app_type: 6,
            language: 'en_US',
            third_party_model_config: {
              llm_url: llm.url,
              app_id: 'stand-in-model',
              app_key: 'sk-test-123',
              is_stream: true,
              chat_rounds: 3,
            },
          },
        }),
      ).robot_id as string;
    });
    after(async () => {
      await p?.close();
      await llm?.close();
    });

    it('CreateDialogUrl points at the dialog page for the room and robot', async () => {
      const roomId = await room();
      const { url } = ok(
        await p.call('POST', `${CHAT}/create-dialog-url`, { body: { room_id: roomId, robot_id: robotId } }),
      );
      const u = new URL(url);
      assert.equal(u.origin, p.base);
      assert.equal(u.pathname, '/dialog/');
      assert.equal(u.searchParams.get('room_id'), roomId);
      assert.equal(u.searchParams.get('robot_id'), robotId);
      assert.equal(u.searchParams.get('project_id'), p.tenant.projectId);
      const bad = await p.call('POST', `${CHAT}/create-dialog-url`, {
        body: { room_id: 'nope', robot_id: robotId },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error_code, 'MSS.47010001');
    });

    it('a job answers questions with streamed text and speech, keeps history, is interrupted, and stops SUCCEED', async () => {
      const roomId = await room();
      const started = ok(await start(roomId, { extend_param: JSON.stringify({ client_id: 'shopper-1' }) }));
      assert.match(started.job_id, /^[0-9a-f]{32}$/);
      assert.equal(started.chat_access_address, `127.0.0.1:${p.port}`);
      assert.equal(started.rtc_room_info.room_id, started.job_id);
      assert.equal(started.rtc_room_info.users[0].user_type, 'END_USER');
      assert.match(started.rtc_room_info.users[0].signature, /^[0-9a-f]{64}$/);
      assert.deepEqual(started.video_config, { width: 640, height: 360 });
      const jobId = started.job_id as string;

      // Concurrency 1: a second dialog in the room is refused while this one runs.
      const second = await start(roomId);
      assert.equal(second.status, 400);
      assert.equal(second.body.error_code, 'MSS.47010040');

      const processing = await waitFor('PROCESSING', 60_000, async () => {
        const s = ok(await show(roomId, jobId));
        return s.state === 'PROCESSING' ? s : undefined;
      });
      assert.equal(processing.chat_state, 0);
      assert.equal(processing.client_id, 'shopper-1');
      assert.ok(processing.start_time);

      const sock = await connect(roomId, jobId, started.chat_access_address);
      const ack = await sock.next(() => true);
      assert.equal(ack.error_code, 'MSS.00000000');
      const startChat = await sock.next((m) => m.payload?.command === 'START_CHAT');
      assert.equal(startChat.payload.job_id, jobId);
      const chatId = startChat.payload.chat_id as string;
      assert.equal(ok(await show(roomId, jobId)).chat_state, 2);

      // A question: its text streams, then it is spoken (start and end come from the stream's queue).
      sock.send(
        command('TEXT_DRIVE', {
          job_id: jobId,
          chat_id: chatId,
          robot_id: robotId,
          data: { text: 'Who are you?' },
        }),
      );
      const last = await sock.next((m) => m.payload?.command === 'ANSWER_TEXT' && m.payload.is_last);
      const answerId = last.payload.answer_id as string;
      const text = sock.messages
        .filter((m) => m.payload?.command === 'ANSWER_TEXT' && m.payload.answer_id === answerId)
        .map((m) => m.payload.text)
        .join('');
      assert.equal(text, 'Hello there. I am the avatar of this shop. Ask me anything.');
      await sock.next((m) => m.payload?.command === 'ANSWER_START' && m.payload.answer_id === answerId);
      const ended = await sock.next(
        (m) => m.payload?.command === 'ANSWER_END' && m.payload.answer_id === answerId,
        90_000,
      );
      assert.equal(ended.payload.interrupted, false);
      const first = llm.requests.at(-1);
      assert.equal(first?.headers.authorization, 'Bearer sk-test-123');
      assert.equal(first?.body.model, 'stand-in-model');
      assert.equal(first?.body.stream, true);
      assert.deepEqual(first?.body.messages, [{ role: 'user', content: 'Who are you?' }]);

      // A long, slow answer is interrupted while it plays; the next question carries history.
      llm.reply = () => ({
        pieces: Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1} of a long answer. `),
        delayMs: 150,
      });
      const mark = sock.messages.length;
      sock.send(command('TEXT_DRIVE', { data: { text: 'Tell me everything.' } }));
      const longStart = await sock.next((m) => m.payload?.command === 'ANSWER_START', 60_000, mark);
      sock.send(command('INTERRUPT_CHAT'));
      const cut = await sock.next(
        (m) => m.payload?.command === 'ANSWER_END' && m.payload.answer_id === longStart.payload.answer_id,
        30_000,
        mark,
      );
      assert.equal(cut.payload.interrupted, true);
      const history = llm.requests.at(-1)?.body.messages as Msg[];
      assert.deepEqual(
        history.map((m) => m.role),
        ['user', 'assistant', 'user'],
      );

      // A new question while an answer plays cuts it too.
      const mark2 = sock.messages.length;
      sock.send(command('TEXT_DRIVE', { data: { text: 'Again, everything.' } }));
      const again = await sock.next((m) => m.payload?.command === 'ANSWER_START', 60_000, mark2);
      llm.reply = () => ({ pieces: ['Short answer.'] });
      sock.send(command('TEXT_DRIVE', { data: { text: 'Short please.' } }));
      const cut2 = await sock.next(
        (m) => m.payload?.command === 'ANSWER_END' && m.payload.answer_id === again.payload.answer_id,
        30_000,
        mark2,
      );
      assert.equal(cut2.payload.interrupted, true);

      // Stop: the client hears JOB_FINISHED, the socket closes, the job is SUCCEED NORMAL.
      const stop = await p.call('POST', `${JOBS(roomId)}/${jobId}/stop`);
      assert.equal(stop.status, 200, JSON.stringify(stop.body));
      const fin = await sock.next((m) => m.payload?.command === 'JOB_FINISHED');
      assert.equal(fin.payload.job_id, jobId);
      assert.equal((await sock.closed).code, 1000);
      const done = ok(await show(roomId, jobId));
      assert.equal(done.state, 'SUCCEED');
      assert.equal(done.job_finish_reason, 'NORMAL');
      assert.ok(done.duration > 0, JSON.stringify(done));
      assert.ok(done.end_time);
      // Stopping again is harmless; the room's slot is free for the next dialog.
      assert.equal((await p.call('POST', `${JOBS(roomId)}/${jobId}/stop`)).status, 200);
      const next = ok(await start(roomId));
      ok(await p.call('POST', `${JOBS(roomId)}/${next.job_id}/stop`));
    });

    it('a dialog nobody talks to ends MUTE_TIMEOUT after the room’s exit_mute_threshold', async () => {
      const roomId = await room({ exit_mute_threshold: 2 });
      const { job_id: jobId } = ok(await start(roomId));
      const done = await waitFor('MUTE_TIMEOUT', 90_000, async () => {
        const s = ok(await show(roomId, jobId));
        return s.state === 'SUCCEED' ? s : undefined;
      });
      assert.equal(done.job_finish_reason, 'MUTE_TIMEOUT');
    });

    it('refuses what cannot start: no concurrency, unknown room, robot or job, bad extend_param', async () => {
      const none = await room({ concurrency: 0 });
      const r0 = await start(none);
      assert.equal(r0.status, 400);
      assert.equal(r0.body.error_code, 'MSS.47010013');
      const r1 = await start('0123456789abcdef0123456789abcdef');
      assert.equal(r1.body.error_code, 'MSS.47010001');
      const roomId = await room();
      const r2 = await p.call('POST', JOBS(roomId), { query: { robot_id: 'nope' } });
      assert.equal(r2.body.error_code, 'MSS.47010034');
      const r3 = await start(roomId, { extend_param: 'not json' });
      assert.equal(r3.status, 400);
      assert.equal(r3.body.error_code, 'MSS.00000003');
      const r4 = await show(roomId, '0123456789abcdef0123456789abcdef');
      assert.equal(r4.body.error_code, 'MSS.47010001');
      const r5 = await p.call('POST', `${JOBS(roomId)}/0123456789abcdef0123456789abcdef/stop`);
      assert.equal(r5.body.error_code, 'MSS.47010001');
      // Another tenant sees none of it.
      const r6 = await p.call('GET', `${JOBS(roomId)}/0123456789abcdef0123456789abcdef/state`, {
        as: p.other,
      });
      assert.equal(r6.status, 400);
    });
  },
);
