// An in-memory inverted index over knowledge questions, updated one doc at a time.
//
// Retrieval is BM25 over the weighted features of engines/dialog/text.ts; the best few
// hundred docs are then scored with an IDF-weighted Dice similarity (twice the weight the
// query and the doc share over the weight of both), which lies in 0…1 and means the same for
// every query, so a single acceptance threshold works. Docs live in slots; a removed doc's
// slot turns dead and its posting entries are dropped lazily, the next time a query walks
// that posting list, or all at once when dead slots outnumber live ones.
import type { KbDoc } from './types.ts';

const K1 = 1.2;
const B = 0.75;
/** How many BM25-best docs get the exact similarity. */
const RERANK = 100;
/**
 * A query term held by more docs than this share of the index only ranks candidates that a
 * rarer term of the query found already (its postings are long and its weight is small); it
 * still counts in the similarity of every candidate.
 */
const COMMON_SHARE = 0.05;
/** How much a boosted (hot-word) feature counts, relative to the rest. */
export const BOOST_FACTOR = 2;

interface Posting {
  slots: Int32Array;
  weights: Float32Array;
  n: number;
  /** Entries whose slot is dead (known lower bound; compacted when it passes half of n). */
  dead: number;
}

export interface ScoredDoc {
  slot: number;
  id: string;
  intentId: string;
  skillId: string;
  score: number;
}

export interface SearchOptions {
  skillIds?: readonly string[];
  boost?: ReadonlySet<string>;
  limit: number;
}

export class LexicalIndex {
  private ids: string[] = [];
  private intents: string[] = [];
  private skills: Int32Array = new Int32Array(1024);
  private feats: Array<Map<string, number> | null> = [];
  private lens: Float64Array = new Float64Array(1024);
  private readonly bySlotId = new Map<string, number>();
  private readonly postings = new Map<string, Posting>();
  private readonly df = new Map<string, number>();
  private readonly skillNumbers = new Map<string, number>();
  private readonly skillNames: string[] = [];
  private live = 0;
  private totalLen = 0;
  private scores = new Float64Array(1024);
  private touched = new Int32Array(1024);

  get size(): number {
    return this.live;
  }

  add(doc: KbDoc, f: Map<string, number>): void {
    this.remove(doc.id);
    if (f.size === 0) return;
    const slot = this.ids.length;
    this.grow(slot + 1);
    this.ids.push(doc.id);
    this.intents.push(doc.intentId);
    this.skills[slot] = this.skillNumber(doc.skillId);
    this.feats.push(f);
    let len = 0;
    for (const [t, w] of f) {
      len += w;
      this.df.set(t, (this.df.get(t) ?? 0) + 1);
      let p = this.postings.get(t);
      if (!p) {
        p = { slots: new Int32Array(4), weights: new Float32Array(4), n: 0, dead: 0 };
        this.postings.set(t, p);
      }
      if (p.n === p.slots.length) {
        const slots = new Int32Array(p.n * 2);
        slots.set(p.slots);
        const weights = new Float32Array(p.n * 2);
        weights.set(p.weights);
        p.slots = slots;
        p.weights = weights;
      }
      p.slots[p.n] = slot;
      p.weights[p.n] = w;
      p.n++;
    }
    this.lens[slot] = len;
    this.totalLen += len;
    this.live++;
    this.bySlotId.set(doc.id, slot);
  }

  remove(id: string): void {
    const slot = this.bySlotId.get(id);
    if (slot === undefined) return;
    this.bySlotId.delete(id);
    const f = this.feats[slot];
    if (f) {
      for (const t of f.keys()) {
        const n = (this.df.get(t) ?? 1) - 1;
        if (n <= 0) {
          this.df.delete(t);
          this.postings.delete(t);
        } else {
          this.df.set(t, n);
          const p = this.postings.get(t);
          if (p) p.dead++;
        }
      }
    }
    this.feats[slot] = null;
    this.totalLen -= this.lens[slot] ?? 0;
    this.live--;
    if (this.ids.length > 1024 && this.ids.length - this.live > this.live) this.compactAll();
  }

  idf(t: string): number {
    const df = this.df.get(t) ?? 0;
    return Math.log(1 + (this.live - df + 0.5) / (df + 0.5));
  }

  search(query: Map<string, number>, opts: SearchOptions): ScoredDoc[] {
    if (this.live === 0 || query.size === 0) return [];
    const filter = this.skillFilter(opts.skillIds);
    if (filter && filter.size === 0) return [];
    const avgLen = this.totalLen / this.live;
    const boost = opts.boost;
    let nTouched = 0;
    const scores = this.scores;
    const common = Math.max(1000, this.live * COMMON_SHARE);
    const terms = [...query].sort((a, b) => (this.df.get(a[0]) ?? 0) - (this.df.get(b[0]) ?? 0));
    for (const [t, qw] of terms) {
      const p = this.postings.get(t);
      if (!p) continue;
      if (nTouched > 0 && (this.df.get(t) ?? 0) > common) break;
      if (p.dead * 2 > p.n) this.compact(p);
      const w = this.idf(t) * qw * (boost?.has(t) ? BOOST_FACTOR : 1);
      const { slots, weights, n } = p;
      for (let i = 0; i < n; i++) {
        const s = slots[i] as number;
        if (this.feats[s] === null) continue;
        if (filter && !filter.has(this.skills[s] as number)) continue;
        const tf = weights[i] as number;
        const add = (w * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * (this.lens[s] as number)) / avgLen));
        if (scores[s] === 0) this.touched[nTouched++] = s;
        scores[s] = (scores[s] as number) + add;
      }
    }
    const ranked = topSlots(this.touched, nTouched, scores, Math.max(RERANK, opts.limit));
    for (let i = 0; i < nTouched; i++) scores[this.touched[i] as number] = 0;
    const qWeight = this.weightOf(query, boost);
    const out: ScoredDoc[] = [];
    for (const slot of ranked) {
      const f = this.feats[slot] as Map<string, number>;
      let shared = 0;
      for (const [t, qw] of query) {
        const dw = f.get(t);
        if (dw !== undefined) shared += this.idf(t) * Math.min(qw, dw) * (boost?.has(t) ? BOOST_FACTOR : 1);
      }
      const score = (2 * shared) / (qWeight + this.weightOf(f, boost));
      out.push({
        slot,
        id: this.ids[slot] as string,
        intentId: this.intents[slot] as string,
        skillId: this.skillNames[this.skills[slot] as number] as string,
        score,
      });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  /** Live slots whose skill passes the filter (for a brute-force vector pass). */
  *liveSlots(skillIds?: readonly string[]): Generator<ScoredDoc> {
    const filter = this.skillFilter(skillIds);
    for (const slot of this.bySlotId.values()) {
      if (filter && !filter.has(this.skills[slot] as number)) continue;
      yield {
        slot,
        id: this.ids[slot] as string,
        intentId: this.intents[slot] as string,
        skillId: this.skillNames[this.skills[slot] as number] as string,
        score: 0,
      };
    }
  }

  private weightOf(f: Map<string, number>, boost?: ReadonlySet<string>): number {
    let sum = 0;
    for (const [t, w] of f) sum += this.idf(t) * w * (boost?.has(t) ? BOOST_FACTOR : 1);
    return sum;
  }

  private skillNumber(skillId: string): number {
    let n = this.skillNumbers.get(skillId);
    if (n === undefined) {
      n = this.skillNames.length;
      this.skillNames.push(skillId);
      this.skillNumbers.set(skillId, n);
    }
    return n;
  }

  private skillFilter(skillIds?: readonly string[]): Set<number> | undefined {
    if (!skillIds || skillIds.length === 0) return undefined;
    const set = new Set<number>();
    for (const id of skillIds) {
      const n = this.skillNumbers.get(id);
      if (n !== undefined) set.add(n);
    }
    return set;
  }

  private grow(need: number): void {
    if (need <= this.skills.length) return;
    const size = Math.max(need, this.skills.length * 2);
    const skills = new Int32Array(size);
    skills.set(this.skills);
    this.skills = skills;
    const lens = new Float64Array(size);
    lens.set(this.lens);
    this.lens = lens;
    this.scores = new Float64Array(size);
    this.touched = new Int32Array(size);
  }

  private compact(p: Posting): void {
    let j = 0;
    for (let i = 0; i < p.n; i++) {
      const s = p.slots[i] as number;
      if (this.feats[s] === null) continue;
      p.slots[j] = s;
      p.weights[j] = p.weights[i] as number;
      j++;
    }
    p.n = j;
    p.dead = 0;
  }

  /** Renumbers the live docs from 0 and rebuilds the postings (when most slots are dead). */
  private compactAll(): void {
    const docs: Array<[KbDoc, Map<string, number>]> = [];
    for (const slot of this.bySlotId.values()) {
      docs.push([
        {
          id: this.ids[slot] as string,
          intentId: this.intents[slot] as string,
          skillId: this.skillNames[this.skills[slot] as number] as string,
          text: '',
        },
        this.feats[slot] as Map<string, number>,
      ]);
    }
    this.ids = [];
    this.intents = [];
    this.feats = [];
    this.bySlotId.clear();
    this.postings.clear();
    this.df.clear();
    this.live = 0;
    this.totalLen = 0;
    for (const [doc, f] of docs) this.add(doc, f);
  }
}

/** The `k` touched slots with the highest scores, best first (a min-heap of size k). */
function topSlots(touched: Int32Array, n: number, scores: Float64Array, k: number): number[] {
  const heap = new Int32Array(Math.min(k, n));
  let size = 0;
  const less = (a: number, b: number) => (scores[a] as number) < (scores[b] as number);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && less(heap[l] as number, heap[m] as number)) m = l;
      if (r < size && less(heap[r] as number, heap[m] as number)) m = r;
      if (m === i) return;
      const t = heap[i] as number;
      heap[i] = heap[m] as number;
      heap[m] = t;
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    const s = touched[i] as number;
    if (size < heap.length) {
      heap[size] = s;
      let c = size++;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!less(heap[c] as number, heap[parent] as number)) break;
        const t = heap[c] as number;
        heap[c] = heap[parent] as number;
        heap[parent] = t;
        c = parent;
      }
    } else if (less(heap[0] as number, s)) {
      heap[0] = s;
      down(0);
    }
  }
  return Array.from(heap.subarray(0, size)).sort((a, b) => (scores[b] as number) - (scores[a] as number));
}
