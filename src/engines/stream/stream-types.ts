// The options, events and statistics of a live stream (stream.ts).
import type { MediaTools } from '../../core/media/tools.ts';
import type { AvatarPackage } from '../render/avatar-package.ts';
import type { Clip } from './clip.ts';
import type { StreamBackground } from './encoder-args.ts';
import type { QueueEvent, SpeechItem } from './play-queue.ts';
import type { RtmpState } from './rtmp-relay.ts';

export interface StreamOptions<P> {
  tools: MediaTools;
  avatar: AvatarPackage;
  width: number;
  height: number;
  bitrateKbps: number;
  background: StreamBackground;
  /** A directory of the stream's own (pictures, HLS); the caller removes it. */
  dir: string;
  /** Full push URL (output URL + stream key); none: HLS only. */
  rtmpUrl?: string;
  /** Turns an item into clips, sentence by sentence, honouring the signal. */
  synthesize: (item: SpeechItem<P>, signal: AbortSignal) => AsyncIterable<Clip>;
  /** The next script paragraph when the queue runs dry; undefined: idle until something is said. */
  nextScript?: () => SpeechItem<P> | undefined | Promise<SpeechItem<P> | undefined>;
  /** How far synthesis runs ahead of the playhead (default 4 s). */
  lookaheadMs?: number;
  seed?: number;
  preset?: string;
  hls?: { segmentSec: number; listSize: number };
  onEvent?: (e: StreamEvent<P>) => void;
  /** Sees the encoder's FLV output as it comes (benchmarks; later, other outputs). */
  onOutput?: (chunk: Buffer) => void;
  /** Encoder settings for other outputs than RTMP/HLS (WebRTC: baseline, 1 s GOP); default as live jobs. */
  encoder?: { profile?: string; gopFrames?: number };
}

export type StreamEvent<P> =
  | QueueEvent<P>
  | { type: 'rtmp'; state: RtmpState; detail?: string }
  /** The encoder exited on its own: the stream is over (`error` says why). */
  | { type: 'failed'; error: string };

export interface StreamStats {
  /** Frames sent to the encoder, and frames skipped because the process fell behind. */
  frames: number;
  dropped: number;
  /** Frames of the encoder input that carried speech. */
  speakingFrames: number;
  /** Wall milliseconds since the first frame. */
  elapsedMs: number;
  /** Milliseconds of audio and of video sent (equal by construction; reported for checks). */
  audioMs: number;
  videoMs: number;
  /** Bytes of MPEG-TS the encoder produced. */
  encodedBytes: number;
  rtmp?: { state: RtmpState | undefined; streamedMs: number; disconnectedSince?: number };
}
