// The encoder behind a live stream, which a host switch replaces (stream.ts switchHost).
//
// Why a restart and not one encoder for every host: the encoder's graph fixes the host's body
// picture and the face box size when it starts (ffmpeg cannot swap an input or resize an
// overlay input mid-run), and feeding it whole composed 1080p frames instead would cost the
// Node process 8 MB of RGBA per frame. So at a switch the old encoder's inputs are closed at a
// frame boundary, it flushes what it holds (x264 zerolatency keeps no frames back), and a new
// encoder for the new host takes the frames from the next one on. Nothing downstream sees the
// restart: the frames written meanwhile wait in memory (none is skipped, the clock does not
// stop), the new encoder's FLV is joined to the old one's with its timestamps shifted by the
// media time already written (FlvJoiner: one header, one set of sequence headers, timestamps
// rising), so the RTMP relay and the other outputs read one continuous stream; the HLS muxer
// appends to the same playlist (hls_flags append_list), which marks the restart with
// #EXT-X-DISCONTINUITY and numbers segments on. The new encoder starts only once the old one
// has exited, so the two never write the playlist at the same time.
import { type LiveProcess, spawnLiveProcess } from '../../core/media/live-process.ts';
import { FlvJoiner } from './flv-tags.ts';

export interface EncoderChainOptions {
  ffmpeg: string;
  /** The joined FLV output. */
  onOutput: (chunk: Buffer) => void;
  /** The current encoder exited on its own (not stopped, not replaced). */
  onFailed: (error: string) => void;
}

export class EncoderChain {
  private proc: LiveProcess | undefined;
  private readonly joiner = new FlvJoiner();
  /** Frames (video, audio) written while the old encoder flushes and the new one is not running. */
  private pending: Array<[Buffer, Buffer]> | undefined;
  private stopping = false;
  private switching: Promise<void> = Promise.resolve();
  /** The argv the encoder being started gets (a later change while switching replaces it). */
  private upcoming: string[] | undefined;
  /** Resolves when the last encoder has exited (after stop(), or on its own with an error). */
  readonly finished: Promise<{ error?: string }>;
  private finish!: (r: { error?: string }) => void;
  /** Encoders started (the first, and one per host switch). */
  runs = 0;

  constructor(private readonly o: EncoderChainOptions) {
    this.finished = new Promise((r) => {
      this.finish = r;
    });
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Bytes waiting to reach the encoder (its pipe backed up, or frames held across a switch). */
  get queuedBytes(): number {
    if (this.pending) return 0;
    return this.proc?.stdin.writableLength ?? 0;
  }

  /** Starts the first encoder. */
  start(args: string[]): void {
    this.spawn(args);
  }

  /** One frame's face picture and sound. */
  write(face: Buffer, audio: Buffer): void {
    if (this.pending) {
      this.pending.push([face, audio]);
      return;
    }
    this.proc?.stdin.write(face);
    this.proc?.input3?.write(audio);
  }

  /**
   * From the next frame on, frames go to a new encoder started with `args` (a new host); its
   * output is joined `shiftMs` later on the stream's media clock. Returns when it runs.
   */
  replace(args: string[], shiftMs: number): Promise<void> {
    if (this.upcoming) {
      // Already switching: the encoder about to start takes the newer argv.
      this.upcoming = args;
      return this.switching;
    }
    const old = this.proc;
    if (!old || this.stopping) return Promise.resolve();
    this.upcoming = args;
    this.pending = [];
    this.proc = undefined;
    old.stdin.end();
    old.input3?.end();
    const timer = setTimeout(() => old.kill(), 5_000);
    this.switching = old.exited.then(() => {
      clearTimeout(timer);
      const held = this.pending ?? [];
      const next = this.upcoming ?? args;
      this.pending = undefined;
      this.upcoming = undefined;
      if (this.stopping) return;
      this.joiner.next(shiftMs);
      this.spawn(next);
      for (const [face, audio] of held) this.write(face, audio);
    });
    return this.switching;
  }

  /** Closes the inputs; the encoder finishes its files and exits. */
  async stop(): Promise<void> {
    await this.switching;
    this.stopping = true;
    const p = this.proc;
    if (!p) return this.finish({});
    p.stdin.end();
    p.input3?.end();
    const timeout = setTimeout(() => p.kill(), 10_000);
    await p.exited;
    clearTimeout(timeout);
  }

  private spawn(args: string[]): void {
    const p = spawnLiveProcess(this.o.ffmpeg, args, { extraInput: true });
    this.proc = p;
    this.runs++;
    p.stdout.on('data', (c: Buffer) => this.o.onOutput(this.joiner.push(c)));
    void p.exited.then((r) => {
      if (this.proc !== p) return; // replaced: its exit is expected
      if (this.stopping) return this.finish({});
      const error = `the encoder exited (code ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`;
      this.stopping = true;
      this.o.onFailed(error);
      this.finish({ error });
    });
  }
}
