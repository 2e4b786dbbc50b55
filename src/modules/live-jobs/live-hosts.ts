// Host rotation (backup_model_asset_ids, ERRATA 86): round r of the script shows host
// r mod (1 + backups) — round 0 the first scene's host, round 1 the first backup, and so on,
// cycling. Only the picture changes; every scene keeps its voice. The backups' pictures are
// made one after another in the background once the stream runs (the main host's were made at
// its start), so the switch at a round's first paragraph waits for nothing; the stream engine
// restarts its encoder behind the same outputs (engines/stream, stream-encoder.ts).
import type { AvatarPackage } from '../../engines/render/index.ts';
import type { LiveStream, StreamHost } from '../../engines/stream/index.ts';

interface Slot {
  assetId: string;
  host?: StreamHost;
}

export class HostRotation {
  private readonly slots: Slot[];
  private index = 0;
  private readonly ctrl = new AbortController();

  constructor(
    private readonly stream: Pick<LiveStream<unknown>, 'currentHost' | 'prepareHost' | 'switchHost'>,
    mainAssetId: string,
    backups: Array<{ assetId: string; avatar: AvatarPackage }>,
    onError: (assetId: string, message: string) => void,
  ) {
    this.slots = [{ assetId: mainAssetId, host: stream.currentHost() }];
    let chain: Promise<unknown> = Promise.resolve();
    for (const b of backups) {
      const slot: Slot = { assetId: b.assetId };
      this.slots.push(slot);
      chain = chain.then(async () => {
        if (this.ctrl.signal.aborted) return;
        try {
          slot.host = await stream.prepareHost(b.avatar, this.ctrl.signal);
        } catch (err) {
          if (!this.ctrl.signal.aborted) onError(b.assetId, (err as Error).message);
        }
      });
    }
  }

  /** The model_asset_id of the host on screen. */
  get assetId(): string | undefined {
    return this.slots[this.index]?.assetId;
  }

  /**
   * A script paragraph of round `round` starts (called while its first frame is being
   * written): its host comes on screen at that frame. A host whose pictures are not ready yet
   * (a slow machine) misses that round: the one on screen stays.
   */
  rotate(round: number): void {
    if (this.slots.length < 2) return;
    const want = round % this.slots.length;
    const host = this.slots[want]?.host;
    if (want === this.index || !host) return;
    this.stream.switchHost(host);
    this.index = want;
  }

  /** The job ends: pictures still being made are abandoned. */
  stop(): void {
    this.ctrl.abort();
  }
}
