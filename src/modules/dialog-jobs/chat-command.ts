// The chat-command protocol of one connection (SEMANTICS.md §4.4 step 5; docs/dialog.md
// writes it out with examples). Transport-free: the socket layer hands in each text message
// and gets messages and a close back through ChatSocket, so the protocol is tested without a
// network. Every message in is answered: an ack, the command's own reply, or an error naming
// what was wrong; the connection is only ever closed with a code and a reason.
import { newId } from '../../core/util/ids.ts';
import type { ChatClient, ChatSession } from './chat-session.ts';

export interface ChatSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
}

export interface CommandOptions {
  /** Closes a connection that sent nothing (not even HEARTBEAT) this long. */
  idleMs: number;
  /** AUDIO_DRIVE: the clip's text, or a thrown Error that says why not. */
  transcribe?: (audio: Buffer, format: string, signal: AbortSignal) => Promise<string>;
}

export const OK = { error_code: 'MSS.00000000', error_msg: 'success' } as const;
export const MAX_QUESTION_CHARS = 2000;
export const MAX_AUDIO_BYTES = 4 * 1024 * 1024;
/** Questions a connection may ask per second (MSS.47010004 beyond). */
const QUESTIONS_PER_SECOND = 5;
const COMMANDS = ['TEXT_DRIVE', 'AUDIO_DRIVE', 'INTERRUPT_CHAT', 'STOP_CHAT', 'HEARTBEAT'] as const;

/** Close codes (4000-4999 are the application's). */
export const CLOSE = { idle: 4408, ended: 4410, normal: 1000 } as const;

interface Incoming {
  request_id?: unknown;
  payload?: { command?: unknown; job_id?: unknown; chat_id?: unknown; robot_id?: unknown; data?: unknown };
}

export class ChatConnection implements ChatClient {
  readonly chatId = newId();
  private started = false;
  private closed = false;
  private idle: NodeJS.Timeout | undefined;
  private asked: number[] = [];
  private readonly audio = new AbortController();

  constructor(
    private readonly socket: ChatSocket,
    private readonly session: ChatSession,
    private readonly opts: CommandOptions,
  ) {}

  /** The socket is authenticated: ack, then START_CHAT once the dialog's stream is up. */
  async open(): Promise<void> {
    const requestId = newId();
    this.send({ ...OK, request_id: requestId });
    this.touch();
    try {
      await this.session.join(this, this.chatId, requestId);
      this.started = true;
    } catch (e) {
      this.fail(requestId, 'MSS.47010012', `the dialog cannot start: ${(e as Error).message}`);
      this.close(CLOSE.ended, 'dialog ended');
    }
  }

  /** The socket closed (either side). */
  closedBySocket(): void {
    this.closed = true;
    clearTimeout(this.idle);
    this.audio.abort();
    this.session.leave(this);
  }

  async message(text: string): Promise<void> {
    if (this.closed) return;
    this.touch();
    let m: Incoming;
    try {
      m = JSON.parse(text) as Incoming;
    } catch {
      return this.fail(undefined, 'MSS.00000002', 'the message is not JSON');
    }
    const requestId = typeof m?.request_id === 'string' && m.request_id.length <= 64 ? m.request_id : newId();
    const p = m?.payload;
    if (!p || typeof p !== 'object')
      return this.fail(requestId, 'MSS.00000003', 'the message has no payload object');
    const command = p.command;
    if (typeof command !== 'string' || !(COMMANDS as readonly string[]).includes(command))
      return this.fail(
        requestId,
        'MSS.00000003',
        `payload.command must be one of ${COMMANDS.join(', ')}; got ${JSON.stringify(command)}`,
      );
    if (command === 'HEARTBEAT')
      return this.send({ request_id: requestId, payload: { command: 'HEARTBEAT' } });
    if (!this.started)
      return this.fail(requestId, 'MSS.00000003', `${command} came before START_CHAT; wait for START_CHAT`);
    if (p.job_id !== undefined && p.job_id !== this.session.jobId)
      return this.fail(
        requestId,
        'MSS.00000003',
        `payload.job_id is not this connection's job ${this.session.jobId}`,
      );
    if (p.chat_id !== undefined && p.chat_id !== this.chatId)
      return this.fail(
        requestId,
        'MSS.00000003',
        `payload.chat_id is not this connection's chat ${this.chatId}`,
      );
    if (this.session.ended) return this.fail(requestId, 'MSS.47010012', 'the dialog has finished');
    const data = (p.data ?? {}) as { text?: unknown; audio?: unknown; format?: unknown };
    switch (command) {
      case 'TEXT_DRIVE': {
        const q = typeof data.text === 'string' ? data.text.trim() : '';
        if (!q) return this.fail(requestId, 'MSS.00000003', 'TEXT_DRIVE needs data.text, a non-empty string');
        if (q.length > MAX_QUESTION_CHARS)
          return this.fail(
            requestId,
            'MSS.00000003',
            `data.text is longer than ${MAX_QUESTION_CHARS} characters`,
          );
        if (!this.admitQuestion()) return this.fail(requestId, 'MSS.47010004', 'request too frequent');
        this.send({ ...OK, request_id: requestId });
        this.session.ask(q, requestId);
        return;
      }
      case 'AUDIO_DRIVE':
        return this.audioDrive(requestId, data);
      case 'INTERRUPT_CHAT':
        this.session.interrupt();
        return this.send({ ...OK, request_id: requestId });
      case 'STOP_CHAT':
        this.send({ ...OK, request_id: requestId });
        await this.session.end({ kind: 'NORMAL' });
        return;
    }
  }

  private async audioDrive(requestId: string, data: { audio?: unknown; format?: unknown }): Promise<void> {
    if (!this.opts.transcribe)
      return this.fail(
        requestId,
        'MSS.47010150',
        'AUDIO_DRIVE needs speech recognition, and this server has none configured (DOPPEL_ASR_URL)',
      );
    if (typeof data.audio !== 'string' || data.audio.length === 0)
      return this.fail(requestId, 'MSS.00000003', 'AUDIO_DRIVE needs data.audio, the clip in base64');
    const audio = Buffer.from(data.audio, 'base64');
    if (audio.length === 0 || audio.length > MAX_AUDIO_BYTES)
      return this.fail(
        requestId,
        'MSS.00000003',
        `data.audio must decode to 1 byte … ${MAX_AUDIO_BYTES} bytes`,
      );
    const format =
      typeof data.format === 'string' && /^[a-z0-9]{2,5}$/.test(data.format) ? data.format : 'wav';
    if (!this.admitQuestion()) return this.fail(requestId, 'MSS.47010004', 'request too frequent');
    this.send({ ...OK, request_id: requestId });
    let text: string;
    try {
      text = await this.opts.transcribe(audio, format, this.audio.signal);
    } catch (e) {
      return this.fail(requestId, 'MSS.47010151', `speech recognition failed: ${(e as Error).message}`);
    }
    if (this.closed || this.session.ended) return;
    this.send({ request_id: requestId, payload: { command: 'ASR_TEXT', chat_id: this.chatId, text } });
    if (text) this.session.ask(text, requestId);
  }

  private admitQuestion(): boolean {
    const now = Date.now();
    this.asked = this.asked.filter((t) => now - t < 1000);
    if (this.asked.length >= QUESTIONS_PER_SECOND) return false;
    this.asked.push(now);
    return true;
  }

  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(
      () => this.close(CLOSE.idle, `idle: no message for ${Math.round(this.opts.idleMs / 1000)} s`),
      this.opts.idleMs,
    );
  }

  private fail(requestId: string | undefined, code: string, msg: string): void {
    this.send({ error_code: code, error_msg: msg, request_id: requestId ?? newId() });
  }

  send(msg: Record<string, unknown>): void {
    if (!this.closed) this.socket.send(JSON.stringify(msg));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idle);
    this.socket.close(code, reason);
    this.session.leave(this);
  }
}
