// The chat-command WebSocket on both database legs, against a real dialog job: who may open
// it (a one-off code: fresh, reused, expired, another project's, another room's; a signature,
// a wrong one), every command (TEXT_DRIVE, AUDIO_DRIVE through a local transcription
// stand-in, INTERRUPT_CHAT, HEARTBEAT, STOP_CHAT), the idle close, and messages that are
// wrong in every way a client gets wrong — each answered with an error, never a silent drop.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { OnceCodes } from '../../src/modules/dialog-apps/index.ts';
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
import { buildSignedRequest } from '../helpers/signer.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const CHAT = '/v1/{project_id}/digital-human-chat';
const IDLE_MS = 6000;

/** An OpenAI-compatible /v1/audio/transcriptions stand-in: every clip "is" the same question. */
async function asrStandIn() {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.push(`${req.url} ${Buffer.concat(parts).toString('latin1')}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: 'What does it cost?' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

await describeEachDb(
  'Chat-command WebSocket (auth, commands, heartbeat, idle close, bad messages)',
  (leg) => {
    let p: TestPlatform & { base: string; port: number };
    let llm: LlmStandIn;
    let asr: Awaited<ReturnType<typeof asrStandIn>>;
    let roomId: string;
    let otherRoomId: string;
    let robotId: string;
    let jobId: string;
    let sock: ChatSocketClient;
    let chatId: string;
    let keepAlive: NodeJS.Timeout | undefined;
    const wsUrl = (job: string, token?: string) =>
      `ws://127.0.0.1:${p.port}/v1/${p.tenant.projectId}/digital-human-chat/chat-command/${job}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
    const onceCode = async (room: string, as = p.tenant) =>
      ok(await p.call('POST', `${CHAT}/once-code`, { body: { room_id: room }, as })).once_code as string;
    const refused = async (url: string, headers?: Record<string, string>) => {
      let accepted: ChatSocketClient | undefined;
      try {
        accepted = await chatSocket(url, headers);
      } catch (e) {
        return e as Error & { status: number; body: Msg };
      }
      accepted.ws.close();
      return assert.fail(`the upgrade of ${url} was accepted`);
    };

    before(async () => {
      llm = await llmStandIn();
      asr = await asrStandIn();
      p = await startListeningPlatform(leg, {
        DOPPEL_CHAT_IDLE_MS: String(IDLE_MS),
        DOPPEL_ASR_URL: asr.url,
      });
      robotId = ok(
        await p.call('POST', `${CHAT}/robot`, {
          body: {
            name: 'socket robot',
            app_type: 6,
            language: 'en_US',
            third_party_model_config: { llm_url: llm.url, is_stream: false, chat_rounds: 1 },
          },
        }),
      ).robot_id as string;
      const mkRoom = async () =>
        ok(
          await p.call('POST', '/v1/{project_id}/smart-chat-rooms', {
            body: {
              room_name: `Socket room ${Math.random().toString(16).slice(2, 8)}`,
              model_asset_id: SYSTEM_AVATARS[0].assetId,
              voice_config_list: [{ voice_asset_id: EN_VOICE, language: 'EN' }],
              default_language: 'EN',
              video_config: { width: 640, height: 360, bitrate: 800 },
              concurrency: 2,
            },
          }),
        ).room_id as string;
      roomId = await mkRoom();
      otherRoomId = await mkRoom();
      jobId = ok(
        await p.call('POST', `${CHAT}/smart-chat-rooms/${roomId}/smart-chat-jobs`, {
          query: { robot_id: robotId },
        }),
      ).job_id as string;
    });
    after(async () => {
      clearInterval(keepAlive);
      sock?.ws.close();
      await p?.close();
      await llm?.close();
      await asr?.close();
    });

    it('a fresh one-off code opens the socket: ack, then START_CHAT', async () => {
      sock = await chatSocket(wsUrl(jobId, await onceCode(roomId)));
      const ack = await sock.next(() => true);
      assert.deepEqual(Object.keys(ack).sort(), ['error_code', 'error_msg', 'request_id']);
      assert.equal(ack.error_code, 'MSS.00000000');
      assert.equal(ack.error_msg, 'success');
      const start = await sock.next((m) => m.payload?.command === 'START_CHAT');
      assert.equal(start.payload.job_id, jobId);
      chatId = start.payload.chat_id;
      // The main socket stays alive through the whole suite (a loaded machine is slow between
      // tests); only the idle test's own socket goes quiet.
      keepAlive = setInterval(() => sock.send(command('HEARTBEAT')), IDLE_MS / 4);
      assert.match(chatId, /^[0-9a-f]{32}$/);
    });

    it('refuses a reused, expired, foreign-project or other-room code, and no credentials', async () => {
      const code = await onceCode(roomId);
      const first = await chatSocket(wsUrl(jobId, code));
      first.ws.close();
      const reused = await refused(wsUrl(jobId, code));
      assert.equal(reused.status, 400);
      assert.equal(reused.body.error_code, 'MSS.47010046');
      assert.match(reused.body.error_msg, /already been used/);

      const past = new OnceCodes({
        db: p.deps.moduleDeps.db,
        clock: { now: () => new Date(Date.now() - 6 * 60_000) },
      });
      const expired = await refused(wsUrl(jobId, (await past.create(p.tenant.projectId, roomId)).once_code));
      assert.match(expired.body.error_msg, /expired/);

      const foreign = await refused(wsUrl(jobId, await onceCode(roomId, p.other).catch(() => 'x')));
      assert.equal(foreign.body.error_code, 'MSS.47010046');

      // The API's codes are for any room of the project; the dialog page's are bound to one.
      const bound = new OnceCodes({ db: p.deps.moduleDeps.db, clock: { now: () => new Date() } });
      const otherRoom = await refused(
        wsUrl(jobId, (await bound.create(p.tenant.projectId, otherRoomId)).once_code),
      );
      assert.match(otherRoom.body.error_msg, /another room/);

      const none = await refused(wsUrl(jobId));
      assert.equal(none.status, 401);
      const unknownJob = await refused(wsUrl('0123456789abcdef0123456789abcdef', await onceCode(roomId)));
      assert.equal(unknownJob.body.error_code, 'MSS.47010001');
    });

    it('a request signed with the project’s key opens it too; a wrong secret does not', async () => {
      const url = new URL(wsUrl(jobId).replace('ws://', 'http://'));
      const sign = (sk: string) =>
        buildSignedRequest(url, { method: 'GET', ak: p.tenant.ak, sk, projectId: p.tenant.projectId })
          .headers as Record<string, string>;
      const signed = await chatSocket(wsUrl(jobId), sign(p.tenant.sk));
      await signed.next((m) => m.payload?.command === 'START_CHAT');
      signed.ws.close();
      const wrong = await refused(wsUrl(jobId), sign(`${p.tenant.sk}x`));
      assert.equal(wrong.status, 401);
    });

    it('HEARTBEAT is answered and keeps the socket open past the idle time', async () => {
      for (let i = 0; i < 3; i++) {
        const mark = sock.messages.length;
        const hb = command('HEARTBEAT');
        sock.send(hb);
        const back = await sock.next((m) => m.request_id === hb.request_id, 10_000, mark);
        assert.equal(back.payload.command, 'HEARTBEAT');
        await new Promise((r) => setTimeout(r, IDLE_MS / 2));
      }
      assert.equal(sock.ws.readyState, sock.ws.OPEN);
    });

    it('malformed and out-of-place messages get an error each; the socket stays open', async () => {
      const cases: Array<[unknown, string, RegExp]> = [
        ['{not json', 'MSS.00000002', /not JSON/],
        [{ request_id: 'a1' }, 'MSS.00000003', /no payload/],
        [command('DANCE'), 'MSS.00000003', /must be one of/],
        [command('TEXT_DRIVE', { job_id: 'f'.repeat(32), data: { text: 'hi' } }), 'MSS.00000003', /job_id/],
        [command('TEXT_DRIVE', { chat_id: 'f'.repeat(32), data: { text: 'hi' } }), 'MSS.00000003', /chat_id/],
        [command('TEXT_DRIVE', { data: { text: '   ' } }), 'MSS.00000003', /non-empty/],
        [command('TEXT_DRIVE', { data: { text: 'x'.repeat(2001) } }), 'MSS.00000003', /longer than/],
        [command('AUDIO_DRIVE', { data: {} }), 'MSS.00000003', /base64/],
      ];
      for (const [msg, code, why] of cases) {
        const mark = sock.messages.length;
        sock.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
        const err = await sock.next(
          (m) => m.error_code !== undefined && m.error_code !== 'MSS.00000000',
          10_000,
          mark,
        );
        assert.equal(err.error_code, code, JSON.stringify(err));
        assert.match(err.error_msg, why);
      }
      const mark = sock.messages.length;
      sock.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      const bin = await sock.next((m) => m.error_code === 'MSS.00000002', 10_000, mark);
      assert.match(bin.error_msg, /binary/);
      assert.equal(sock.ws.readyState, sock.ws.OPEN);
    });

    it('TEXT_DRIVE is acked and answered (a non-streamed LLM answer comes as one piece)', async () => {
      llm.reply = () => ({ pieces: ['It costs nine dollars.'] });
      const mark = sock.messages.length;
      const ask = command('TEXT_DRIVE', { job_id: jobId, chat_id: chatId, data: { text: 'Price?' } });
      sock.send(ask);
      const ack = await sock.next(
        (m) => m.request_id === ask.request_id && m.error_code === 'MSS.00000000',
        10_000,
        mark,
      );
      assert.equal(ack.error_msg, 'success');
      const text = await sock.next(
        (m) => m.payload?.command === 'ANSWER_TEXT' && !m.payload.is_last,
        30_000,
        mark,
      );
      assert.equal(text.payload.text, 'It costs nine dollars.');
      assert.equal(text.request_id, ask.request_id);
      await sock.next((m) => m.payload?.command === 'ANSWER_END', 60_000, mark);
    });

    it('AUDIO_DRIVE goes through speech recognition: ASR_TEXT, then the answer', async () => {
      llm.reply = (body) => ({ pieces: [`You asked: ${body.messages.at(-1).content}`] });
      const mark = sock.messages.length;
      const wav = Buffer.alloc(3200, 1).toString('base64');
      sock.send(command('AUDIO_DRIVE', { data: { audio: wav, format: 'wav' } }));
      const heard = await sock.next((m) => m.payload?.command === 'ASR_TEXT', 30_000, mark);
      assert.equal(heard.payload.text, 'What does it cost?');
      const answer = await sock.next(
        (m) => m.payload?.command === 'ANSWER_TEXT' && !m.payload.is_last,
        30_000,
        mark,
      );
      assert.equal(answer.payload.text, 'You asked: What does it cost?');
      assert.match(asr.seen.at(-1) ?? '', /^\/v1\/audio\/transcriptions /);
      assert.match(asr.seen.at(-1) ?? '', /name="model"\r\n\r\nwhisper-1/);
    });

    it('INTERRUPT_CHAT is acked and cuts the answer', async () => {
      llm.reply = () => ({ pieces: ['One two three four five six seven eight nine ten. '.repeat(8)] });
      const mark = sock.messages.length;
      sock.send(command('TEXT_DRIVE', { data: { text: 'Count for me.' } }));
      const started = await sock.next((m) => m.payload?.command === 'ANSWER_START', 60_000, mark);
      const stop = command('INTERRUPT_CHAT');
      sock.send(stop);
      await sock.next(
        (m) => m.request_id === stop.request_id && m.error_code === 'MSS.00000000',
        10_000,
        mark,
      );
      const end = await sock.next(
        (m) => m.payload?.command === 'ANSWER_END' && m.payload.answer_id === started.payload.answer_id,
        30_000,
        mark,
      );
      assert.equal(end.payload.interrupted, true);
    });

    it('a socket that sends nothing is closed after the idle time, with a reason', async () => {
      // The main socket keeps talking meanwhile, so only the quiet one goes idle.
      sock.send(command('HEARTBEAT'));
      const beat = setInterval(() => sock.send(command('HEARTBEAT')), IDLE_MS / 4);
      const quiet = await chatSocket(wsUrl(jobId, await onceCode(roomId)));
      await quiet.next((m) => m.payload?.command === 'START_CHAT');
      const { code, reason } = await quiet.closed.finally(() => clearInterval(beat));
      assert.equal(code, 4408);
      assert.match(reason, /idle/);
    });

    it('STOP_CHAT ends the job: ack, JOB_FINISHED, close 1000; the ended job refuses new sockets', async () => {
      const mark = sock.messages.length;
      const stop = command('STOP_CHAT');
      sock.send(stop);
      await sock.next(
        (m) => m.request_id === stop.request_id && m.error_code === 'MSS.00000000',
        10_000,
        mark,
      );
      const fin = await sock.next((m) => m.payload?.command === 'JOB_FINISHED', 30_000, mark);
      assert.equal(fin.payload.reason, 'NORMAL');
      assert.equal((await sock.closed).code, 1000);
      const show = await waitFor('SUCCEED', 30_000, async () => {
        const s = ok(
          await p.call('GET', `${CHAT}/smart-chat-rooms/${roomId}/smart-chat-jobs/${jobId}/state`),
        );
        return s.state === 'SUCCEED' ? s : undefined;
      });
      assert.equal(show.job_finish_reason, 'NORMAL');
      const late = await refused(wsUrl(jobId, await onceCode(roomId)));
      assert.equal(late.body.error_code, 'MSS.47010012');
    });
  },
);
