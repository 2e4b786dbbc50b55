// Blinks for a stream that has no end: the render engine plans a clip's blinks up front
// (blink.ts); a live stream asks frame by frame, so this keeps only the next blink's start.
// Same look: a blink every 2.5–6 s, four frames (half, closed, closed, half), seeded. Pure.
import type { EyeState } from '../render/avatar-package.ts';
import { seededRandom } from '../render/blink.ts';
import { FPS } from '../render/viseme-track.ts';

const BLINK: EyeState[] = ['half', 'closed', 'closed', 'half'];

export class BlinkClock {
  private readonly rand: () => number;
  private next: number;

  constructor(
    seed = 1,
    private readonly gap = { minSec: 2.5, maxSec: 6 },
  ) {
    this.rand = seededRandom(seed);
    // No blink in the first half second: a stream that opens on closed eyes looks broken.
    this.next = Math.ceil(0.5 * FPS) + Math.floor(this.rand() * gap.minSec * FPS);
  }

  /** The eyes on frame n; frames must be asked in increasing order. */
  eyes(n: number): EyeState {
    while (n >= this.next + BLINK.length) this.schedule();
    const k = n - this.next;
    return k >= 0 ? BLINK[k] : 'open';
  }

  private schedule(): void {
    const { minSec, maxSec } = this.gap;
    this.next += Math.round((minSec + this.rand() * (maxSec - minSec)) * FPS);
  }
}
