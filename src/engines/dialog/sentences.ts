// Streamed answer text → sentences to speak. An LLM hands its answer over in small pieces;
// the avatar speaks a sentence as soon as it is whole, so the first words sound long before
// the answer is complete. A sentence ends at Chinese or Western end punctuation (a Western
// full stop only before a space or the end, so "3.5" and "e.g." inside words hold), or at a
// line break. A run without punctuation is cut at its last pause (comma, space) once it is
// long, so a model that never stops a sentence still starts speaking.
const HARD_END = /[。！？!?；;…\n]/;
const MAX_RUN = 160;

export class SentenceChunker {
  private buf = '';

  /** Adds a piece; returns the sentences it completed (trimmed, none empty). */
  push(piece: string): string[] {
    this.buf += piece;
    const out: string[] = [];
    for (;;) {
      const end = this.endOf(this.buf);
      if (end < 0) break;
      this.emit(this.buf.slice(0, end), out);
      this.buf = this.buf.slice(end);
    }
    while (this.buf.length > MAX_RUN) {
      const head = this.buf.slice(0, MAX_RUN);
      const cut = Math.max(head.lastIndexOf('，'), head.lastIndexOf(','), head.lastIndexOf(' '));
      const at = cut > MAX_RUN / 4 ? cut + 1 : MAX_RUN;
      this.emit(this.buf.slice(0, at), out);
      this.buf = this.buf.slice(at);
    }
    return out;
  }

  /** The rest, when the answer is complete. */
  flush(): string[] {
    const out: string[] = [];
    this.emit(this.buf, out);
    this.buf = '';
    return out;
  }

  /** Index just past the first sentence end in `s`, or -1 (a full stop at the very end waits). */
  private endOf(s: string): number {
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (HARD_END.test(c)) {
        // Closing quotes and brackets stay with their sentence.
        let j = i + 1;
        while (j < s.length && /["'”’)）」』]/.test(s[j])) j++;
        return j;
      }
      if (c === '.' && i + 1 < s.length && /\s/.test(s[i + 1]) && !/\d/.test(s[i - 1] ?? '')) return i + 1;
    }
    return -1;
  }

  private emit(text: string, out: string[]): void {
    const t = text.trim();
    if (t && /[\p{L}\p{N}]/u.test(t)) out.push(t);
  }
}
