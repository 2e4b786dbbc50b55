// The encoder's FLV output as a live stream's other outputs see it (stream.ts): cut into whole
// tags, its beginning (header, sequence headers) kept for outputs that join later, each tag
// handed to every listener, and the timestamp of the first frame noted: the zero of the
// stream's media clock, on which an interrupt's cut is placed (audio-cut.ts).
import { FlvPreamble, FlvSplitter, type FlvUnit } from './flv-tags.ts';

export class StreamOutput {
  /** Bytes the encoder has written. */
  bytes = 0;
  /** The FLV timestamp of the stream's first frame; undefined until the encoder wrote it. */
  firstVideoMs: number | undefined;
  private readonly listeners = new Set<(tag: FlvUnit) => void>();
  private readonly splitter = new FlvSplitter();
  private readonly preamble = new FlvPreamble();

  /** A chunk of the encoder's stdout. */
  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    for (const u of this.splitter.push(chunk)) {
      if (this.preamble.keep(u)) continue;
      if (u.kind === 'video') this.firstVideoMs ??= u.ms;
      for (const fn of this.listeners) {
        try {
          fn(u);
        } catch {
          // A listener's failure must not stop the stream.
        }
      }
    }
  }

  listen(fn: (tag: FlvUnit) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  /** The FLV header, metadata and codec sequence headers, once the encoder wrote them. */
  preambleBytes(): Buffer | undefined {
    return this.preamble.ready ? this.preamble.bytes() : undefined;
  }
}
