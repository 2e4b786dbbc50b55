// Interrupt → silence for the WebRTC output (issue 13). When a dialog answer is cut, the
// stream stops feeding speech at its next frame, but a good half second of the old answer is
// by then already in the pipe: in the encoder's AAC/FLV output and in the relay's AAC → Opus
// path. Left alone, all of it still reaches the browser. So the stream notes where on its
// media clock the cut is (LiveStream.audioCut(): the time of the first frame written after the
// interrupt), the relay tells the time each Opus packet's sound begins (RtpMediaClock), and
// every packet from before the cut is sent with its payload replaced by an Opus silence frame
// (header kept: the sequence numbers and timestamps stay continuous, so the browser's jitter
// buffer and playout do not notice). Packets from the cut on pass untouched, so an answer that
// starts right after an interrupt is heard from its first word. Pure.

/**
 * A 20 ms Opus frame that decodes to silence (TOC 0xf8: CELT-only, full band, 20 ms, one
 * frame; the two bytes after it set the range coder's silence flag). The same frame the
 * common WebRTC stacks send for silence.
 */
export const OPUS_SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);

/** The packet with its payload replaced by OPUS_SILENCE_FRAME (a new buffer; padding dropped). */
export function opusSilence(packet: Buffer): Buffer {
  if (packet.length < 12) return packet;
  let head = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10 && packet.length >= head + 4) head += 4 + packet.readUInt16BE(head + 2) * 4;
  head = Math.min(head, packet.length);
  const out = Buffer.concat([packet.subarray(0, head), OPUS_SILENCE_FRAME]);
  out[0] = out[0]! & ~0x20;
  return out;
}

/**
 * Where on the stream's media clock (the encoder's FLV timestamps, ms) an RTP packet's sound
 * begins. A relay process carries the FLV timestamps into its RTP clock with an offset of its
 * own (its RTP timestamps start at random), so each process is anchored once: `restart(ms)`
 * when it is given its first audio tag (stamped `ms`), whose sound is the first packet of the
 * next SSRC. Measured against tones started at known frames (ffmpeg 5.1, libopus lowdelay): a
 * packet's sound begins 1–3 ms after the time given here, never before it.
 */
export class RtpMediaClock {
  private startMs: number | undefined;
  private anchor: { ssrc: number; ts: number; ms: number } | undefined;

  constructor(private readonly clockRate: number) {}

  /** A new relay process was given its first audio tag, stamped `ms`. */
  restart(ms: number): void {
    this.startMs = ms;
    this.anchor = undefined;
  }

  /** The media time the packet's sound begins at; undefined before any anchor. */
  mediaMs(packet: Buffer): number | undefined {
    if (packet.length < 12 || this.startMs === undefined) return undefined;
    const ssrc = packet.readUInt32BE(8);
    const ts = packet.readUInt32BE(4);
    if (this.anchor?.ssrc !== ssrc) this.anchor = { ssrc, ts, ms: this.startMs };
    // A signed 32-bit difference: the RTP clock wraps.
    const ticks = (ts - this.anchor.ts) | 0;
    return this.anchor.ms + (ticks * 1000) / this.clockRate;
  }
}

/**
 * The packet as it should go out after the latest cut: unchanged when its sound begins at or
 * after `cutMs` (or either time is unknown), else its silent twin.
 */
export function afterCut(packet: Buffer, mediaMs: number | undefined, cutMs: number | undefined): Buffer {
  if (mediaMs === undefined || cutMs === undefined || mediaMs >= cutMs) return packet;
  return opusSilence(packet);
}
