// Splits the encoder's FLV byte stream into tags, so that an RTMP relay started mid-stream (a
// reconnect) can be given a proper beginning: the FLV header, the metadata and the two codec
// sequence headers (H.264 SPS/PPS, AAC config) the stream opened with, then tags from the next
// video keyframe on. Without them an ingest joining mid-stream cannot decode the picture.
// Pure. Layout: 'FLV' header (9 bytes) + PreviousTagSize0 (4), then per tag an 11-byte header
// (type, 24-bit size, 24+8-bit timestamp, stream id), the data, and a 4-byte PreviousTagSize.

export type FlvUnit =
  | { kind: 'header'; bytes: Buffer }
  | { kind: 'script'; bytes: Buffer }
  /** `ms`: the tag's timestamp (the stream's media clock, milliseconds). */
  | { kind: 'video' | 'audio'; bytes: Buffer; sequenceHeader: boolean; keyframe: boolean; ms: number };

const TAG_AUDIO = 8;
const TAG_VIDEO = 9;
const TAG_SCRIPT = 18;

export class FlvSplitter {
  private buf: Buffer = Buffer.alloc(0);
  private headerDone = false;

  /** Feeds bytes; returns the complete units they finish. */
  push(chunk: Buffer): FlvUnit[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: FlvUnit[] = [];
    let at = 0;
    if (!this.headerDone) {
      if (this.buf.length < 13) return out;
      if (this.buf.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV stream');
      const headerLen = this.buf.readUInt32BE(5) + 4;
      if (this.buf.length < headerLen) return out;
      out.push({ kind: 'header', bytes: Buffer.from(this.buf.subarray(0, headerLen)) });
      at = headerLen;
      this.headerDone = true;
    }
    while (this.buf.length - at >= 11) {
      const type = this.buf[at] & 0x1f;
      const size = this.buf.readUIntBE(at + 1, 3);
      const total = 11 + size + 4;
      if (this.buf.length - at < total) break;
      const bytes = Buffer.from(this.buf.subarray(at, at + total));
      const d0 = bytes[11];
      const d1 = bytes[12];
      // 24-bit timestamp, then its upper 8 bits (a signed 32-bit millisecond count).
      const ms = bytes.readUIntBE(4, 3) | (bytes[7] << 24);
      if (type === TAG_VIDEO)
        out.push({
          kind: 'video',
          bytes,
          keyframe: d0 >> 4 === 1,
          sequenceHeader: (d0 & 0x0f) === 7 && d1 === 0,
          ms,
        });
      else if (type === TAG_AUDIO)
        out.push({ kind: 'audio', bytes, keyframe: true, sequenceHeader: d0 >> 4 === 10 && d1 === 0, ms });
      else if (type === TAG_SCRIPT) out.push({ kind: 'script', bytes });
      at += total;
    }
    this.buf = this.buf.subarray(at);
    return out;
  }
}

/** What a relay that joins late must be sent first (header, metadata, sequence headers). */
export class FlvPreamble {
  private header: Buffer | undefined;
  private script: Buffer | undefined;
  private video: Buffer | undefined;
  private audio: Buffer | undefined;

  /** Remembers a unit if it belongs to the preamble; true when it did. */
  keep(u: FlvUnit): boolean {
    if (u.kind === 'header') this.header = u.bytes;
    else if (u.kind === 'script') this.script ??= u.bytes;
    else if (u.sequenceHeader && u.kind === 'video') this.video = u.bytes;
    else if (u.sequenceHeader && u.kind === 'audio') this.audio = u.bytes;
    else return false;
    return true;
  }

  get ready(): boolean {
    return !!this.header && !!this.video && !!this.audio;
  }

  bytes(): Buffer {
    return Buffer.concat([this.header, this.script, this.video, this.audio].filter((b): b is Buffer => !!b));
  }
}

/** Rewrites a tag's timestamp (24 bits, then the upper 8) in place. */
export function setTagMs(tag: Buffer, ms: number): void {
  tag.writeUIntBE(ms & 0xffffff, 4, 3);
  tag[7] = (ms >>> 24) & 0xff;
}

/**
 * Joins the FLV outputs of successive encoders (a host switch restarts the encoder, stream.ts)
 * into one stream: the first keeps its header, metadata and sequence headers; a later one loses
 * its header and metadata, and its sequence headers when they are the same as before (same
 * size and settings: x264 writes the same SPS/PPS), and its timestamps are shifted by the media
 * time its first frame has in the joined stream, so they keep rising across the switch.
 */
export class FlvJoiner {
  private splitter = new FlvSplitter();
  private shiftMs = 0;
  private first = true;
  private readonly seq: { video?: Buffer; audio?: Buffer } = {};
  private readonly last: { video: number; audio: number } = { video: -1, audio: -1 };

  /** The next bytes are a new encoder's output, its clock `shiftMs` later than the first's. */
  next(shiftMs: number): void {
    this.splitter = new FlvSplitter();
    this.shiftMs = shiftMs;
    this.first = false;
  }

  /** Bytes of the current encoder → bytes of the joined stream. */
  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    for (const u of this.splitter.push(chunk)) {
      if (u.kind === 'header' || u.kind === 'script') {
        if (this.first) out.push(u.bytes);
        continue;
      }
      if (u.sequenceHeader) {
        const prev = this.seq[u.kind];
        // Past the 11-byte tag header (which holds the timestamp): the codec data and size.
        if (!this.first && prev?.subarray(11).equals(u.bytes.subarray(11))) continue;
        this.seq[u.kind] = u.bytes;
      }
      const ms = u.ms + this.shiftMs;
      // An encoder flushing at the end of its input may stamp its last packets alike (the
      // padded last AAC frame, a repeated last picture): a tag that does not rise is dropped,
      // so every output (and the ingest) sees timestamps that only rise.
      if (!u.sequenceHeader) {
        if (ms <= this.last[u.kind]) continue;
        this.last[u.kind] = ms;
      }
      if (this.shiftMs) setTagMs(u.bytes, ms);
      out.push(u.bytes);
    }
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }
}
