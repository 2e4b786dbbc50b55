// The media port of the assets module: what it needs from ffprobe/ffmpeg, adapted in the
// composition root (src/media-adapter.ts). No imports, so module types can name it freely.
/**
 * What the asset module needs from media tooling (core/media, adapted in the composition
 * root). Narrow on purpose: tests and other backends can supply their own.
 */
export interface AssetsMedia {
  /**
   * Reads a local file's media facts. Throws `MediaUnreadable` (with a short reason fit for
   * the API's `reason` field) when the file is not decodable media.
   */
  inspect(file: string, opts: { signal?: AbortSignal }): Promise<InspectedMedia>;
  /** Writes a JPEG cover (≤ 720 px on the long side) made from a video or image file. */
  makeCover(input: string, output: string, opts: { signal?: AbortSignal }): Promise<void>;
}

export interface InspectedMedia {
  /** What the bytes are, sniffed and probed: 'video' | 'audio' | 'image' | 'other'. */
  kind: 'video' | 'audio' | 'image' | 'other';
  /** Container/format as sniffed from magic bytes, lowercase (png, jpeg, mp4, wav, …). */
  format: string | undefined;
  durationSec?: number;
  width?: number;
  height?: number;
  /** The contract's `asset_extra_meta` parts the probe could fill (video_meta, image_meta, audio_meta). */
  extraMeta: Record<string, unknown>;
}

export class MediaUnreadable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MediaUnreadable';
  }
}
