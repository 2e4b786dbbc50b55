// What the stream says next. An ordered list of entries (a script paragraph, an inserted
// reply, a dialog answer), each filling with clips (sentences) as synthesis delivers them, and
// a playhead that takes one frame at a time from the first entry. Pure: no timers, no I/O; the
// engine (stream.ts) feeds clips in and calls `frame()` 25 times a second.
//
// Placement of a new entry (MetaStudio's play_type):
// - PLAY_NOW cuts the sentence on the playhead; that sentence is put back at the front of its
//   entry, so the interrupted paragraph restarts the cut sentence after the new entry.
// - INSERT plays after the sentence on the playhead (and after earlier INSERTs still waiting);
//   the rest of the current entry follows it.
// - APPEND plays after the current entry and everything inserted, before the next script
//   paragraph (paragraphs are pulled in ahead of the playhead for synthesis, so "the end of the
//   queue" means before the first script entry that has not started).
import type { Clip } from './clip.ts';

export type PlayMode = 'PLAY_NOW' | 'INSERT' | 'APPEND';

export interface SpeechItem<P = unknown> {
  id: string;
  /** 'script' comes from the script source; 'reply' from a command, a rule or a dialog answer. */
  kind: 'script' | 'reply';
  /** What the engine's synthesiser turns into clips, and what callbacks report. */
  payload: P;
}

export interface Entry<P = unknown> {
  item: SpeechItem<P>;
  mode: PlayMode | 'SCRIPT';
  /** Synthesised, not yet played. */
  clips: Clip[];
  /** Synthesis has delivered its last clip. */
  done: boolean;
  started: boolean;
  /** Sentences that started playing. */
  played: number;
}

export type QueueEvent<P = unknown> =
  | { type: 'start'; item: SpeechItem<P> }
  | { type: 'end'; item: SpeechItem<P>; reason: 'played' | 'removed' | 'failed' };

export interface FrameOut<P = unknown> {
  /** The clip and frame playing, or undefined for an idle (silent) frame. */
  clip?: Clip;
  frame: number;
  entry?: Entry<P>;
  events: QueueEvent<P>[];
}

export class PlayQueue<P = unknown> {
  readonly entries: Entry<P>[] = [];
  private playing: { entry: Entry<P>; clip: Clip; frame: number } | undefined;
  private pending: QueueEvent<P>[] = [];

  add(item: SpeechItem<P>, mode: PlayMode | 'SCRIPT'): Entry<P> {
    const entry: Entry<P> = { item, mode, clips: [], done: false, started: false, played: 0 };
    if (mode === 'SCRIPT') this.entries.push(entry);
    else if (mode === 'APPEND') {
      const at = this.entries.findIndex((e) => e.mode === 'SCRIPT' && !e.started);
      this.entries.splice(at < 0 ? this.entries.length : at, 0, entry);
    } else {
      if (mode === 'PLAY_NOW') this.cut();
      // After the entries already waiting at the front with the same urgency.
      let at = 0;
      while (at < this.entries.length && !this.entries[at].started && this.entries[at].mode === mode) at++;
      this.entries.splice(at, 0, entry);
    }
    return entry;
  }

  /** Puts the sentence on the playhead back at the front of its entry, to start over later. */
  private cut(): void {
    const p = this.playing;
    if (!p) return;
    this.playing = undefined;
    p.entry.clips.unshift(p.clip);
    p.entry.played--;
    if (!this.entries.includes(p.entry)) this.entries.unshift(p.entry);
  }

  /** Drops every inserted entry that has not started (CLEAN_UP_INSERT_COMMAND); returns them. */
  removeWaiting(pred: (e: Entry<P>) => boolean = (e) => e.item.kind === 'reply'): Entry<P>[] {
    const gone = this.entries.filter((e) => !e.started && pred(e) && e !== this.playing?.entry);
    for (const e of gone) {
      this.entries.splice(this.entries.indexOf(e), 1);
      this.pending.push({ type: 'end', item: e.item, reason: 'removed' });
    }
    return gone;
  }

  /** Drops everything (a rewritten script, the stream stopping); returns the entries. */
  clear(pred: (e: Entry<P>) => boolean = () => true): Entry<P>[] {
    const gone = this.entries.filter(pred);
    if (this.playing && pred(this.playing.entry)) this.playing = undefined;
    for (const e of gone) {
      this.entries.splice(this.entries.indexOf(e), 1);
      this.pending.push({ type: 'end', item: e.item, reason: 'removed' });
    }
    return gone;
  }

  /** Synthesis of an entry failed: it is skipped. */
  fail(entry: Entry<P>): void {
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
    if (this.playing?.entry === entry) this.playing = undefined;
    this.pending.push({ type: 'end', item: entry.item, reason: 'failed' });
  }

  /** Frames ready to play ahead of the playhead, in play order. */
  bufferedFrames(): number {
    let n = this.playing ? this.playing.clip.frames - this.playing.frame : 0;
    for (const e of this.entries) for (const c of e.clips) n += c.frames;
    return n;
  }

  /**
   * The entry synthesis should work on: the first, in play order, that is not done, provided
   * less than `lookahead` frames are ready before its end. Undefined when nothing needs work.
   */
  nextToPrepare(lookahead: number): Entry<P> | undefined {
    let ahead = this.playing ? this.playing.clip.frames - this.playing.frame : 0;
    for (const e of this.entries) {
      for (const c of e.clips) ahead += c.frames;
      if (ahead >= lookahead) return undefined;
      if (!e.done) return e;
    }
    return undefined;
  }

  /** True when every entry is synthesised and less than `lookahead` frames are ready. */
  wantsMore(lookahead: number): boolean {
    return this.entries.every((e) => e.done) && this.bufferedFrames() < lookahead;
  }

  /** What is on the playhead (or about to be: a started entry waiting for its next sentence). */
  current(): { entry: Entry<P>; frame: number; clip?: Clip } | undefined {
    if (this.playing)
      return { entry: this.playing.entry, frame: this.playing.frame, clip: this.playing.clip };
    const e = this.entries[0];
    return e?.started ? { entry: e, frame: 0 } : undefined;
  }

  /** Advances one frame. */
  frame(): FrameOut<P> {
    if (this.playing && this.playing.frame >= this.playing.clip.frames) {
      const { entry } = this.playing;
      this.playing = undefined;
      if (entry.done && entry.clips.length === 0) {
        const i = this.entries.indexOf(entry);
        if (i >= 0) this.entries.splice(i, 1);
        this.pending.push({ type: 'end', item: entry.item, reason: 'played' });
      }
    }
    if (!this.playing) {
      // An entry with nothing left to give (done, no clips) ends here too.
      while (this.entries[0]?.done && this.entries[0].clips.length === 0) {
        const e = this.entries.shift() as Entry<P>;
        this.pending.push({ type: 'end', item: e.item, reason: e.started ? 'played' : 'failed' });
      }
      const next = this.entries[0];
      const clip = next?.clips.shift();
      if (next && clip) {
        if (!next.started) {
          next.started = true;
          this.pending.push({ type: 'start', item: next.item });
        }
        next.played++;
        this.playing = { entry: next, clip, frame: 0 };
      }
    }
    const events = this.pending;
    this.pending = [];
    if (!this.playing) return { frame: 0, events };
    const out: FrameOut<P> = {
      clip: this.playing.clip,
      frame: this.playing.frame,
      entry: this.playing.entry,
      events,
    };
    this.playing.frame++;
    return out;
  }
}
