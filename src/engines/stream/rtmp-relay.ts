// The RTMP push of a stream: a `-c copy` ffmpeg relay fed with the encoder's FLV, started
// again whenever the connection drops, with the states MetaStudio reports in
// RTMP_STREAM_STATE_CHANGE: CONNECTING (first attempt), CONNECTED (the relay is sending: its
// first progress report with frames out), DISCONNECTED (it exited), RECONNECTING (each later
// attempt, after a backoff), END (the stream stopped). While no relay runs, the stream is
// dropped: an ingest that comes back gets the live edge (from the next keyframe, after the
// stream's preamble), not a backlog.
import { type LiveProcess, spawnLiveProcess } from '../../core/media/live-process.ts';
import { relayArgs } from './encoder-args.ts';
import { FlvPreamble, FlvSplitter } from './flv-tags.ts';

export type RtmpState = 'CONNECTING' | 'CONNECTED' | 'DISCONNECTED' | 'RECONNECTING' | 'END';

/** Backoff before reconnect attempt n (0-based): 0.5 s doubling to 8 s. */
export const reconnectDelayMs = (attempt: number): number => Math.min(8000, 500 * 2 ** Math.min(attempt, 4));

/** Does a `-progress` block say the relay has sent frames? */
export const progressSentFrames = (text: string): boolean =>
  [...text.matchAll(/^frame=(\d+)$/gm)].some((m) => Number(m[1]) > 0) ||
  [...text.matchAll(/^out_time_(?:us|ms)=(\d+)$/gm)].some((m) => Number(m[1]) > 0);

/** Bytes a relay may have queued in its stdin before tags are dropped (about 10 s at 8 Mbit/s). */
const MAX_QUEUED = 10 * 1024 * 1024;

export class RtmpRelay {
  private proc: LiveProcess | undefined;
  private stateNow: RtmpState | undefined;
  private attempt = 0;
  private ended = false;
  private timer: NodeJS.Timeout | undefined;
  /** Wall ms of the last loss of connection (undefined while connected). */
  disconnectedSince: number | undefined;
  /** Connected wall milliseconds so far (stream_duration). */
  private connectedMs = 0;
  private connectedAt: number | undefined;
  lastError = '';

  constructor(
    private readonly ffmpeg: string,
    private url: string,
    private readonly onState: (s: RtmpState, detail?: string) => void,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get state(): RtmpState | undefined {
    return this.stateNow;
  }

  start(): void {
    this.connect('CONNECTING');
  }

  /** REFRESH_OUTPUT_URL: drop the current connection and push to `url` from now on. */
  retarget(url: string): void {
    this.url = url;
    this.attempt = 0;
    const p = this.proc;
    this.proc = undefined;
    p?.kill();
    clearTimeout(this.timer);
    this.connect('RECONNECTING');
  }

  private readonly splitter = new FlvSplitter();
  private readonly preamble = new FlvPreamble();
  /** The current relay has had its preamble and a keyframe: tags flow. */
  private flowing = false;

  /** The encoder's FLV bytes. */
  write(chunk: Buffer): void {
    for (const u of this.splitter.push(chunk)) {
      if (this.preamble.keep(u)) continue;
      const p = this.proc;
      if (!p) continue;
      if (!this.flowing) {
        if (!this.preamble.ready || u.kind !== 'video' || !u.keyframe) continue;
        p.stdin.write(this.preamble.bytes());
        this.flowing = true;
      }
      if (p.stdin.writableLength <= MAX_QUEUED) p.stdin.write(u.bytes);
    }
  }

  /** Seconds the push has been connected. */
  streamedMs(now = Date.now()): number {
    return this.connectedMs + (this.connectedAt !== undefined ? now - this.connectedAt : 0);
  }

  async stop(): Promise<void> {
    this.ended = true;
    clearTimeout(this.timer);
    const p = this.proc;
    this.proc = undefined;
    this.markDown();
    if (p) {
      p.stdin.end();
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 3000))]);
      p.kill();
    }
    this.set('END');
  }

  private set(s: RtmpState, detail?: string): void {
    if (this.stateNow === s) return;
    this.stateNow = s;
    this.onState(s, detail);
  }

  private markDown(): void {
    if (this.connectedAt !== undefined) this.connectedMs += Date.now() - this.connectedAt;
    this.connectedAt = undefined;
  }

  private connect(as: 'CONNECTING' | 'RECONNECTING'): void {
    if (this.ended) return;
    this.set(as);
    let proc: LiveProcess;
    try {
      proc = spawnLiveProcess(this.ffmpeg, relayArgs(this.url));
    } catch (e) {
      this.lastError = (e as Error).message;
      this.scheduleRetry();
      return;
    }
    this.proc = proc;
    this.flowing = false;
    let tail = '';
    proc.stdout.on('data', (c: Buffer) => {
      if (this.proc !== proc || this.stateNow === 'CONNECTED') return;
      tail = (tail + c.toString('latin1')).slice(-2048);
      if (progressSentFrames(tail)) {
        this.attempt = 0;
        this.disconnectedSince = undefined;
        this.connectedAt = Date.now();
        this.set('CONNECTED');
      }
    });
    void proc.exited.then((r) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      this.lastError = r.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 256);
      this.markDown();
      this.disconnectedSince ??= Date.now();
      if (this.ended) return;
      this.set('DISCONNECTED', this.lastError);
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (this.ended) return;
    this.timer = setTimeout(() => this.connect('RECONNECTING'), reconnectDelayMs(this.attempt++));
  }
}
