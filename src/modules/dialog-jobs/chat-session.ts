// One running dialog in this process: the realtime avatar stream (engines/stream) driven by
// answers instead of scripts. A question starts an answer; the robot's text streams to the
// chat clients as it comes and, sentence by sentence, into one queue entry the stream speaks,
// so the first sentence plays while the model is still writing. A new question or
// INTERRUPT_CHAT cuts the answer at the next frame. The session ends on stop (here or from
// another process, seen at the heartbeat), STOP_CHAT, silence longer than the room's mute
// threshold, or the encoder failing; the row is ended accordingly and every client told.
import fs from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../../core/util/ids.ts';
import type { ChatMessage } from '../../engines/dialog/index.ts';
import { SentenceChunker } from '../../engines/dialog/index.ts';
import type { AvatarPackage } from '../../engines/render/index.ts';
import { parseSpeechInput } from '../../engines/speech/ssml.ts';
import type { Prosody, VoiceSpec } from '../../engines/speech/types.ts';
import {
  DIALOG_ENCODER,
  LiveStream,
  type StreamBackground,
  type StreamEvent,
  speechClips,
} from '../../engines/stream/index.ts';
import type { Answerer } from '../dialog-apps/index.ts';
import type { ModuleDeps } from '../types.ts';
import { ChatJobCodes } from './dialog-jobs.errors.ts';
import { ChatJobsRepo } from './dialog-jobs.repo.ts';
import { CHAT_STATE, type ChatJobConfig, HEARTBEAT_MS } from './dialog-jobs.rules.ts';

/** A chat-command client (a WebSocket); the session only sends to it and closes it. */
export interface ChatClient {
  send(msg: Record<string, unknown>): void;
  close(code: number, reason: string): void;
}

/** What serves the stream's media to browsers (WebRTC); made on the first media request. */
export interface MediaOut {
  answer(offerSdp: string): Promise<{ viewerId: string; sdp: string }>;
  close(): Promise<void>;
}

export type MediaFactory = (stream: LiveStream<Said>) => Promise<MediaOut>;

export interface Said {
  answerId: string;
  sentences: AsyncIterable<string>;
}

export type EndReason =
  | { kind: 'NORMAL' | 'MUTE_TIMEOUT' }
  | { kind: 'FAILED'; code: string; message: string };

/** An async list one side pushes to and the other iterates; end() finishes it. */
class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private done = false;
  private wake: (() => void) | undefined;

  push(v: T): void {
    if (this.done) return;
    this.items.push(v);
    this.wake?.();
  }

  end(): void {
    this.done = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const v = this.items.shift();
      if (v !== undefined) {
        yield v;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((r) => {
        this.wake = () => {
          this.wake = undefined;
          r();
        };
      });
    }
  }
}

interface Answer {
  id: string;
  ctrl: AbortController;
  sentences: Channel<string>;
  /** The stream started and has not yet ended speaking it. */
  playing: boolean;
}

export interface SessionOptions {
  deps: ModuleDeps;
  projectId: string;
  jobId: string;
  roomId: string;
  robotId: string;
  owner: string;
  config: ChatJobConfig;
  answerer: Answerer;
  voice: { voice: VoiceSpec; prosody: Prosody };
  /** Spoken when the first client's chat starts (the robot's welcome speech), if any. */
  greeting?: string;
  mediaToken: string;
  media?: MediaFactory;
  /** The job's own directory (avatar, background, HLS); removed at the end. */
  dir: string;
  onEnd: (s: ChatSession) => void;
}

export class ChatSession {
  stream: LiveStream<Said> | undefined;
  private media: Promise<MediaOut> | undefined;
  readonly clients = new Set<ChatClient>();
  private history: ChatMessage[] = [];
  private current: Answer | undefined;
  private lastActivity = Date.now();
  private greeted = false;
  private ending: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** Resolves when the stream is up (the job PROCESSING); rejects when it could not start. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private markFailed!: (e: Error) => void;

  constructor(readonly opts: SessionOptions) {
    this.ready = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.markFailed = reject;
    });
    // A start that fails is reported through the row; nobody need await `ready`.
    this.ready.catch(() => {});
  }

  get jobId(): string {
    return this.opts.jobId;
  }

  get mediaToken(): string {
    return this.opts.mediaToken;
  }

  private starting: Promise<void> = Promise.resolve();

  /** Loads the avatar, starts the stream and the timers, and marks the job PROCESSING. */
  start(load: {
    avatar: (dir: string) => Promise<AvatarPackage>;
    background: (dir: string) => Promise<StreamBackground>;
  }): Promise<void> {
    this.starting = this.boot(load);
    return this.starting;
  }

  private async boot(load: {
    avatar: (dir: string) => Promise<AvatarPackage>;
    background: (dir: string) => Promise<StreamBackground>;
  }): Promise<void> {
    const { deps, config, dir } = this.opts;
    try {
      await fs.mkdir(dir, { recursive: true });
      const avatar = await load.avatar(dir);
      const background = await load.background(dir);
      this.stream = await LiveStream.start<Said>({
        tools: deps.mediaTools(),
        avatar,
        width: config.video.width,
        height: config.video.height,
        bitrateKbps: Math.max(800, Math.round((config.video.width * config.video.height) / 600)),
        background,
        dir,
        // Short: an answer is spoken as its text arrives; an interrupt drops little work.
        lookaheadMs: 1500,
        preset: 'ultrafast',
        hls: { segmentSec: 1, listSize: 4 },
        // Browsers' WebRTC H.264: baseline, a keyframe a second for viewers joining late.
        encoder: DIALOG_ENCODER,
        synthesize: (item, signal) => this.synthesize(item.payload, avatar, signal),
        onEvent: (e) => this.onStreamEvent(e),
      });
    } catch (e) {
      this.markFailed(e as Error);
      // Not awaited: ending waits for this start to return.
      void this.end({ kind: 'FAILED', code: ChatJobCodes.inputUnusable, message: (e as Error).message });
      return;
    }
    // Ended while the stream was starting (a stop, the server closing): finish() stops it.
    if (this.ending) {
      this.markFailed(new Error('the dialog ended while it was starting'));
      return;
    }
    void this.stream.finished.then((r) => {
      if (r.error) void this.end({ kind: 'FAILED', code: ChatJobCodes.streamFailed, message: r.error });
    });
    const now = deps.clock.now();
    const repo = new ChatJobsRepo(deps.db);
    await repo.updateActive(
      this.opts.projectId,
      this.opts.jobId,
      { state: 'PROCESSING', start_time: now, update_time: now, heartbeat_time: now },
      this.opts.owner,
    );
    this.lastActivity = Date.now();
    this.timers.push(setInterval(() => void this.beat(), HEARTBEAT_MS));
    this.timers.push(setInterval(() => this.checkMute(), 500));
    this.markReady();
  }

  /** A client joined (its socket is authenticated): it gets START_CHAT once the stream is up. */
  async join(client: ChatClient, chatId: string, requestId: string): Promise<void> {
    await this.ready;
    if (this.ending) throw new Error('the dialog has ended');
    this.clients.add(client);
    this.lastActivity = Date.now();
    if (this.clients.size === 1) await this.setChatState(CHAT_STATE.linked);
    client.send({
      request_id: requestId,
      payload: { command: 'START_CHAT', job_id: this.jobId, chat_id: chatId },
    });
    if (!this.greeted && this.opts.greeting) {
      this.greeted = true;
      this.speak(newId(), oneShot(this.opts.greeting));
    }
  }

  leave(client: ChatClient): void {
    if (!this.clients.delete(client)) return;
    this.lastActivity = Date.now();
    if (this.clients.size === 0 && !this.ending) void this.setChatState(CHAT_STATE.waitingForLink);
  }

  /** TEXT_DRIVE: answers the question, cutting whatever is being said. Returns the answer id. */
  ask(question: string, requestId: string): string {
    this.lastActivity = Date.now();
    this.interrupt();
    const id = newId();
    const sentences = new Channel<string>();
    const ctrl = new AbortController();
    this.current = { id, ctrl, sentences, playing: false };
    this.speak(id, sentences);
    void this.produce(question, requestId, this.current);
    return id;
  }

  /** INTERRUPT_CHAT: the current answer stops at the next frame; its text stops coming. */
  interrupt(): boolean {
    const a = this.current;
    this.current = undefined;
    const dropped = this.stream?.interrupt() ?? [];
    if (a) {
      a.ctrl.abort();
      a.sentences.end();
    }
    return dropped.length > 0 || a !== undefined;
  }

  /** The media endpoint: one more browser viewer (WebRTC made on first use). */
  async viewer(offerSdp: string): Promise<{ viewerId: string; sdp: string }> {
    await this.ready;
    const stream = this.stream;
    if (!this.opts.media || !stream) throw new Error('this server has no media output for dialogs');
    this.media ??= this.opts.media(stream);
    return (await this.media).answer(offerSdp);
  }

  /** Ends the session once; the row, the clients and the files follow. */
  end(reason: EndReason): Promise<void> {
    this.ending ??= this.finish(reason);
    return this.ending;
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  private async finish(reason: EndReason): Promise<void> {
    const { deps, projectId, jobId } = this.opts;
    // A start under way completes first, so that its stream is stopped too.
    await this.starting.catch(() => {});
    for (const t of this.timers) clearInterval(t);
    this.current?.ctrl.abort();
    this.current?.sentences.end();
    const repo = new ChatJobsRepo(deps.db);
    await repo
      .updateActive(projectId, jobId, { chat_state: CHAT_STATE.closingLink, update_time: deps.clock.now() })
      .catch(() => {});
    const stopping = [this.stream?.stop(), this.media?.then((m) => m.close()).catch(() => {})];
    await Promise.allSettled(stopping);
    const now = deps.clock.now();
    const failed = reason.kind === 'FAILED';
    await repo
      .updateActive(projectId, jobId, {
        state: failed ? 'FAILED' : 'SUCCEED',
        chat_state: CHAT_STATE.waitingForLink,
        job_finish_reason: failed ? null : reason.kind,
        error_code: failed ? reason.code : null,
        error_msg: failed ? reason.message : null,
        end_time: now,
        update_time: now,
      })
      .catch((e) => deps.logger.error({ err: e, jobId }, 'could not end the chat job row'));
    const why = reason.kind === 'FAILED' ? reason.message : reason.kind;
    for (const c of this.clients) {
      c.send({ request_id: newId(), payload: { command: 'JOB_FINISHED', job_id: jobId, reason: why } });
      c.close(1000, 'job finished');
    }
    this.clients.clear();
    await fs.rm(this.opts.dir, { recursive: true, force: true }).catch(() => {});
    this.opts.onEnd(this);
  }

  private broadcast(msg: Record<string, unknown>): void {
    for (const c of this.clients) c.send(msg);
  }

  private speak(answerId: string, sentences: AsyncIterable<string>): void {
    this.stream?.say({ id: answerId, kind: 'reply', payload: { answerId, sentences } }, 'APPEND');
  }

  /** The robot's answer: text to the clients as it comes, sentences to the stream. */
  private async produce(question: string, requestId: string, a: Answer): Promise<void> {
    const chunker = new SentenceChunker();
    let text = '';
    const send = (piece: string, last: boolean) =>
      this.broadcast({
        request_id: requestId,
        payload: { command: 'ANSWER_TEXT', answer_id: a.id, text: piece, is_last: last },
      });
    try {
      const rounds = this.opts.answerer.rounds;
      const history = rounds > 1 ? this.history.slice(-(rounds - 1) * 2) : [];
      for await (const piece of this.opts.answerer.answer(question, history, a.ctrl.signal)) {
        if (a.ctrl.signal.aborted) return;
        text += piece;
        send(piece, false);
        for (const s of chunker.push(piece)) a.sentences.push(s);
      }
      if (a.ctrl.signal.aborted) return;
      for (const s of chunker.flush()) a.sentences.push(s);
      send('', true);
      this.history.push({ role: 'user', content: question }, { role: 'assistant', content: text });
      if (this.history.length > 40) this.history.splice(0, this.history.length - 40);
    } catch (e) {
      if (a.ctrl.signal.aborted) return;
      this.broadcast({ error_code: 'MSS.47010135', error_msg: (e as Error).message, request_id: requestId });
    } finally {
      a.sentences.end();
    }
  }

  private async *synthesize(p: Said, avatar: AvatarPackage, signal: AbortSignal) {
    const { voice, prosody } = this.opts.voice;
    for await (const sentence of p.sentences) {
      if (signal.aborted) return;
      yield* speechClips(this.opts.deps.speech, avatar, {
        script: parseSpeechInput(sentence, { maxChars: 4096, language: voice.language }),
        voice,
        prosody,
        signal,
      });
    }
  }

  private onStreamEvent(e: StreamEvent<Said>): void {
    if (e.type === 'start') {
      if (this.current?.id === e.item.payload.answerId) this.current.playing = true;
      this.broadcast({
        request_id: newId(),
        payload: { command: 'ANSWER_START', answer_id: e.item.payload.answerId },
      });
    } else if (e.type === 'end') {
      this.lastActivity = Date.now();
      if (this.current?.id === e.item.payload.answerId) this.current = undefined;
      this.broadcast({
        request_id: newId(),
        payload: {
          command: 'ANSWER_END',
          answer_id: e.item.payload.answerId,
          interrupted: e.reason === 'removed',
        },
      });
    }
  }

  private speaking(): boolean {
    return this.current !== undefined || (this.stream?.queue.entries.length ?? 0) > 0;
  }

  private checkMute(): void {
    if (this.ending || this.speaking()) return;
    if (Date.now() - this.lastActivity >= this.opts.config.mute_ms) void this.end({ kind: 'MUTE_TIMEOUT' });
  }

  private async beat(): Promise<void> {
    if (this.ending) return;
    const { deps, projectId, jobId, owner } = this.opts;
    try {
      const r = await new ChatJobsRepo(deps.db).heartbeat(projectId, jobId, owner, deps.clock.now());
      if (!r)
        void this.end({
          kind: 'FAILED',
          code: ChatJobCodes.ownerGone,
          message: 'the job row was ended elsewhere',
        });
      else if (r.stop) void this.end({ kind: 'NORMAL' });
    } catch (e) {
      deps.logger.warn({ err: e, jobId }, 'chat job heartbeat failed');
    }
  }

  private async setChatState(state: number): Promise<void> {
    const { deps, projectId, jobId } = this.opts;
    await new ChatJobsRepo(deps.db)
      .updateActive(projectId, jobId, { chat_state: state, update_time: deps.clock.now() })
      .catch(() => {});
  }
}

function oneShot(text: string): AsyncIterable<string> {
  const c = new Channel<string>();
  const chunker = new SentenceChunker();
  for (const s of [...chunker.push(text), ...chunker.flush()]) c.push(s);
  c.end();
  return c;
}

/** Where a job keeps its files. */
export const sessionDir = (tmpDir: string, jobId: string): string => path.join(tmpDir, `chat-${jobId}`);
