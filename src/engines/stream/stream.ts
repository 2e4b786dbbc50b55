// The realtime avatar stream: one encoder process at a time (a host switch restarts it behind
// the same outputs, stream-encoder.ts), fed one frame (the face box, raw
// RGBA) and 40 ms of PCM 25 times a second against the wall clock, for as long as it runs.
// What is said comes from the PlayQueue (scripts, replies, answers); a second loop synthesises
// the queue's next sentences a few seconds ahead of the playhead (bounded by `lookaheadMs`);
// when nothing is ready the avatar idles (blinks; sway and breathing are in the encoder's
// overlay expressions) over silence. No frame is ever repeated or black and the sound has no
// gap: idle frames are real frames. The caller (live jobs, later dialog) decides what to say
// and reacts to the events; this file knows no job, room or HTTP.
import fs from 'node:fs/promises';
import path from 'node:path';
import { type AvatarPackage, mouthShapeFor } from '../render/avatar-package.ts';
import { FPS } from '../render/viseme-track.ts';
import { BlinkClock } from './blink-clock.ts';
import { type Clip, clipAudio, SAMPLES_PER_FRAME } from './clip.ts';
import { encoderArgs, HLS_PLAYLIST, type StreamLayer, sameLayers } from './encoder-args.ts';
import { prepareFaces, type StreamFaces } from './faces.ts';
import type { FlvUnit } from './flv-tags.ts';
import { paceStep, untilFrame } from './pacer.ts';
import { type Entry, type PlayMode, PlayQueue, type SpeechItem } from './play-queue.ts';
import { RtmpRelay } from './rtmp-relay.ts';
import { EncoderChain } from './stream-encoder.ts';
import { StreamOutput } from './stream-output.ts';
import type { StreamEvent, StreamOptions, StreamStats } from './stream-types.ts';

export type { StreamEvent, StreamOptions, StreamStats } from './stream-types.ts';

/** A host the stream can switch to: its avatar and its pictures, prepared (prepareHost). */
export interface StreamHost {
  avatar: AvatarPackage;
  faces: StreamFaces;
}

interface Work {
  ctrl: AbortController;
  iter: AsyncIterator<Clip>;
}

export class LiveStream<P = unknown> {
  readonly queue = new PlayQueue<P>();
  readonly hlsDir: string;
  private readonly chain: EncoderChain;
  private faces!: StreamFaces;
  /** The host on screen (the options' avatar until switchHost). */
  private avatar: AvatarPackage;
  private hosts = 0;
  /** The pictures drawn over the avatar (setLayers). */
  private layers: readonly StreamLayer[] = [];
  private relay: RtmpRelay | undefined;
  private readonly blink: BlinkClock;
  private readonly silence = new Int16Array(SAMPLES_PER_FRAME);
  private readonly work = new Map<Entry<P>, Work>();
  private readonly lookahead: number;
  /** The output cut into tags for other outputs, its beginning kept for those that join later. */
  private readonly output = new StreamOutput();
  private t0 = 0;
  private sent = 0;
  private dropped = 0;
  private speaking = 0;
  /** Where on the media clock the latest interrupt cut the sound (audioCut()). */
  private cutMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private synthLoop: Promise<void> = Promise.resolve();
  /** Resolves when the encoder has exited (after stop(), or on its own with an error). */
  readonly finished: Promise<{ error?: string }>;

  private constructor(private readonly opts: StreamOptions<P>) {
    this.hlsDir = path.join(opts.dir, 'hls');
    this.blink = new BlinkClock(opts.seed ?? 1);
    this.lookahead = Math.ceil(((opts.lookaheadMs ?? 4000) * FPS) / 1000);
    this.avatar = opts.avatar;
    this.chain = new EncoderChain({
      ffmpeg: opts.tools.ffmpeg.path,
      onOutput: (c) => {
        if (c.length === 0) return;
        this.relay?.write(c);
        this.opts.onOutput?.(c);
        this.output.push(c);
      },
      onFailed: (error) => {
        this.halt();
        void this.relay?.stop();
        this.emit({ type: 'failed', error });
      },
    });
    this.finished = this.chain.finished;
  }

  /** Prepares the avatar's pictures, starts the encoder (and the RTMP push) and the clock. */
  static async start<P>(opts: StreamOptions<P>): Promise<LiveStream<P>> {
    const s = new LiveStream(opts);
    await s.boot();
    return s;
  }

  private async boot(): Promise<void> {
    const o = this.opts;
    await fs.mkdir(this.hlsDir, { recursive: true });
    this.faces = await prepareFaces(o.avatar, o, o.dir);
    this.chain.start(this.encoderArgs(false));
    if (o.rtmpUrl) {
      this.relay = new RtmpRelay(o.tools.ffmpeg.path, o.rtmpUrl, (state, detail) =>
        this.emit({ type: 'rtmp', state, ...(detail ? { detail } : {}) }),
      );
      this.relay.start();
    }
    // The clock starts once the encoder reads: its start-up (a few hundred ms on a busy
    // machine) is not counted as frames it was late for.
    await this.primed();
    this.t0 = performance.now();
    this.synthLoop = this.runSynthesis();
    this.tick();
  }

  /** The encoder's argv for the current host's pictures; `append`: after a host switch. */
  private encoderArgs(append: boolean): string[] {
    const o = this.opts;
    return encoderArgs({
      width: o.width,
      height: o.height,
      bitrateKbps: o.bitrateKbps,
      background: o.background,
      avatar: this.faces.layer,
      face: this.faces.face,
      layers: this.layers,
      hls: { dir: this.hlsDir, ...(o.hls ?? { segmentSec: 2, listSize: 6 }), ...(append ? { append } : {}) },
      ...(o.preset ? { preset: o.preset } : {}),
      ...(o.encoder?.profile ? { profile: o.encoder.profile } : {}),
      ...(o.encoder?.gopFrames ? { gopFrames: o.encoder.gopFrames } : {}),
    });
  }

  /**
   * Prepares another host's pictures (in the background, while the stream runs) for
   * switchHost; the stream's own output size. Each host gets its own directory.
   */
  async prepareHost(avatar: AvatarPackage, signal?: AbortSignal): Promise<StreamHost> {
    const dir = path.join(this.opts.dir, `host-${++this.hosts}`);
    await fs.mkdir(dir, { recursive: true });
    return { avatar, faces: await prepareFaces(avatar, this.opts, dir, signal) };
  }

  /**
   * Puts another host on screen from the next frame written (called from an event listener,
   * the frame whose event it is): the encoder is restarted behind the same outputs
   * (stream-encoder.ts says how the outputs stay continuous). The voice does not change.
   */
  switchHost(host: StreamHost): void {
    if (this.stopping || host.faces === this.faces) return;
    this.faces = host.faces;
    this.avatar = host.avatar;
    void this.chain.replace(this.encoderArgs(true), ((this.sent - this.dropped) * 1000) / FPS);
  }

  /**
   * Draws these pictures over the avatar from the next frame written, by the restart switchHost
   * uses (ffmpeg cannot add or drop an input of a running graph): a brief stall while frames
   * wait for the new encoder (a few hundred ms), no frame, timestamp or sound lost.
   */
  setLayers(layers: readonly StreamLayer[]): void {
    if (this.stopping || sameLayers(layers, this.layers)) return;
    this.layers = [...layers];
    void this.chain.replace(this.encoderArgs(true), ((this.sent - this.dropped) * 1000) / FPS);
  }

  /** The host on screen (to switch back to later). */
  currentHost(): StreamHost {
    return { avatar: this.avatar, faces: this.faces };
  }

  private async primed(): Promise<void> {
    const sil = mouthShapeFor(this.avatar, 'sil');
    this.chain.write(this.faces.get(sil, 'open'), Buffer.from(this.silence.buffer));
    this.sent = 1;
    // Its first output: the encoder has opened every input and encoded a frame.
    const until = Date.now() + 15_000;
    while (this.output.bytes === 0 && Date.now() < until && !this.stopping)
      await new Promise((r) => setTimeout(r, 10));
  }

  /** Queues something to say (PLAY_NOW / INSERT / APPEND). */
  say(item: SpeechItem<P>, mode: PlayMode): void {
    this.queue.add(item, mode);
    this.wake?.();
  }

  /** Drops the inserted items that have not started (CLEAN_UP_INSERT_COMMAND); returns them. */
  cleanUp(): SpeechItem<P>[] {
    return this.dropEntries(this.queue.removeWaiting());
  }

  /**
   * Stops what is being said at the next frame and drops everything queued (a dialog's
   * interrupt). The sound of the frames already written is still on its way through the
   * encoder; audioCut() says where it ends, for outputs that can silence it (WebRTC).
   */
  interrupt(): SpeechItem<P>[] {
    this.cutMs = this.mediaTime();
    return this.dropEntries(this.queue.clear());
  }

  /**
   * The media time (the encoder's FLV timestamps, ms) of the latest interrupt: the sound
   * stamped earlier was said before it, the sound from here on after it. Undefined before
   * the first interrupt.
   */
  audioCut(): number | undefined {
    return this.cutMs;
  }

  /**
   * The media time (FLV ms) of the next frame to be written. Frames skipped when the stream
   * fell behind never reach the encoder, so they are not on its clock: written frames count.
   */
  mediaTime(): number {
    return (this.output.firstVideoMs ?? 0) + ((this.sent - this.dropped) * 1000) / FPS;
  }

  /** Drops the queued script paragraphs (a rewritten script): the source is asked again. */
  dropScript(includePlaying: boolean): SpeechItem<P>[] {
    const playing = this.queue.current()?.entry;
    return this.dropEntries(
      this.queue.clear((e) => e.item.kind === 'script' && (includePlaying || e !== playing)),
    );
  }

  private dropEntries(gone: Entry<P>[]): SpeechItem<P>[] {
    for (const e of gone) {
      this.work.get(e)?.ctrl.abort();
      this.work.delete(e);
    }
    // removeWaiting/clear queue their 'end' events for the next frame.
    this.wake?.();
    return gone.map((e) => e.item);
  }

  /** What is being said: the item, its sentence (1-based) and the frame in it. */
  nowPlaying(): { item: SpeechItem<P>; sentence: number; frame: number } | undefined {
    const c = this.queue.current();
    return c && { item: c.entry.item, sentence: Math.max(1, c.entry.played), frame: c.frame };
  }

  /** REFRESH_OUTPUT_URL. */
  retarget(rtmpUrl: string): void {
    if (this.relay) this.relay.retarget(rtmpUrl);
    else {
      this.relay = new RtmpRelay(this.opts.tools.ffmpeg.path, rtmpUrl, (state, detail) =>
        this.emit({ type: 'rtmp', state, ...(detail ? { detail } : {}) }),
      );
      this.relay.start();
    }
  }

  /**
   * Sees the encoder's output from now on, one whole FLV audio or video tag at a time (a
   * listener joining mid-stream would otherwise start inside a tag). The stream's beginning
   * (header, sequence headers) is long gone by then: `flvPreamble()` has it, and a decoder
   * fed from here waits for a keyframe. Returns the unsubscribe function.
   */
  addOutputListener(fn: (tag: FlvUnit) => void): () => void {
    return this.output.listen(fn);
  }

  /** The FLV header, metadata and codec sequence headers the encoder began with. */
  flvPreamble(): Buffer | undefined {
    return this.output.preambleBytes();
  }

  /** Process ids of the encoder and the current relay (CPU accounting). */
  pids(): number[] {
    return [this.chain.pid, this.relay?.pid].filter((p): p is number => p !== undefined);
  }

  /** Where the face box sits in the picture (before the idle motion moves it). */
  faceBox(): { x: number; y: number; width: number; height: number } {
    const l = this.faces.layer;
    return { x: l.x + l.faceAt.x, y: l.y + l.faceAt.y, ...this.faces.face };
  }

  get playlist(): string {
    return path.join(this.hlsDir, HLS_PLAYLIST);
  }

  stats(): StreamStats {
    const ms = (this.sent * 1000) / FPS;
    return {
      frames: this.sent - this.dropped,
      dropped: this.dropped,
      speakingFrames: this.speaking,
      elapsedMs: performance.now() - this.t0,
      audioMs: ms,
      videoMs: ms,
      encodedBytes: this.output.bytes,
      ...(this.relay
        ? {
            rtmp: {
              state: this.relay.state,
              streamedMs: this.relay.streamedMs(),
              ...(this.relay.disconnectedSince ? { disconnectedSince: this.relay.disconnectedSince } : {}),
            },
          }
        : {}),
    };
  }

  /** Ends the stream: the encoder finishes its HLS playlist, the push ends (END). */
  async stop(): Promise<StreamStats> {
    if (!this.stopping) {
      this.stopping = true;
      this.halt();
      await this.chain.stop();
      await this.relay?.stop();
      await this.synthLoop;
    }
    return this.stats();
  }

  private halt(): void {
    this.stopping = true;
    clearTimeout(this.timer);
    for (const w of this.work.values()) w.ctrl.abort();
    this.work.clear();
    this.wake?.();
  }

  private emit(e: StreamEvent<P>): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // A listener's failure must not stop the stream.
    }
  }

  private tick = (): void => {
    if (this.stopping) return;
    const elapsed = performance.now() - this.t0;
    // A stalled encoder (its input pipe backed up by more than a second) also counts as behind.
    const backlog = this.chain.queuedBytes > FPS * this.faces.face.width * this.faces.face.height * 4;
    const step = paceStep(elapsed, this.sent);
    const skip = backlog ? step.send + step.skip : step.skip;
    for (let i = 0; i < skip; i++) this.advance(false);
    for (let i = skip; i < step.send + step.skip; i++) this.advance(true);
    this.timer = setTimeout(this.tick, Math.max(4, untilFrame(performance.now() - this.t0, this.sent)));
  };

  /** One frame: the queue moves on, and the frame is written (or skipped when behind). */
  private advance(write: boolean): void {
    const out = this.queue.frame();
    for (const e of out.events) this.emit(e);
    const n = this.sent++;
    if (!write) {
      this.dropped++;
      return;
    }
    const sil = mouthShapeFor(this.avatar, 'sil');
    // Clips were planned for the host of their time; a switched host shows its nearest sprite.
    const planned = out.clip?.mouth[out.frame];
    const mouth = planned ? mouthShapeFor(this.avatar, planned) : sil;
    const audio = out.clip ? clipAudio(out.clip, out.frame) : this.silence;
    if (out.clip) this.speaking++;
    this.chain.write(
      this.faces.get(mouth, this.blink.eyes(n)),
      Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength),
    );
    if (this.queue.nextToPrepare(this.lookahead) || this.queue.wantsMore(this.lookahead)) this.wake?.();
  }

  private async runSynthesis(): Promise<void> {
    while (!this.stopping) {
      const entry = this.queue.nextToPrepare(this.lookahead);
      if (entry) {
        let w = this.work.get(entry);
        if (!w) {
          const ctrl = new AbortController();
          w = { ctrl, iter: this.opts.synthesize(entry.item, ctrl.signal)[Symbol.asyncIterator]() };
          this.work.set(entry, w);
        }
        try {
          const r = await w.iter.next();
          if (w.ctrl.signal.aborted) continue;
          if (r.done) {
            entry.done = true;
            this.work.delete(entry);
          } else entry.clips.push(r.value);
        } catch {
          this.work.delete(entry);
          if (!w.ctrl.signal.aborted) this.queue.fail(entry);
        }
        continue;
      }
      if (this.opts.nextScript && this.queue.wantsMore(this.lookahead)) {
        const item = await this.opts.nextScript();
        if (item) {
          this.queue.add(item, 'SCRIPT');
          continue;
        }
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }
}
