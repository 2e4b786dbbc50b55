// Adapts core/media (ffprobe/ffmpeg) to the asset module's narrow media port. The tools are
// resolved once, on first need, from the Config's media section: a server without ffmpeg still
// starts, and its inspection jobs fail (and retry) with a message saying what is missing.
import type { Config } from './config.ts';
import type { Logger } from './core/logger.ts';
import {
  type AssetType,
  isMediaError,
  type MediaInfo,
  type MediaTools,
  makeCover,
  mediaKind,
  probeMedia,
  resolveMediaTools,
  toAssetMeta,
} from './core/media/index.ts';
import { type AssetsMedia, type InspectedMedia, MediaUnreadable } from './modules/assets/index.ts';

/** MediaError codes that describe the uploaded bytes (the asset goes FAILED), not the server. */
const FILE_FAULTS = new Set(['EMPTY', 'UNDECODABLE', 'NO_STREAMS', 'MISLABELLED', 'TIMEOUT']);

const ASSET_TYPE_OF_KIND: Record<'video' | 'audio' | 'image', AssetType> = {
  video: 'VIDEO',
  audio: 'AUDIO',
  image: 'IMAGE',
};

/** ffmpeg/ffprobe from the Config's media section, resolved on the first call (throws when missing). */
export function lazyMediaTools(cfg: Config['media']): () => MediaTools {
  let tools: MediaTools | undefined;
  return () => {
    tools ??= resolveMediaTools({
      FFMPEG_PATH: cfg.ffmpegPath,
      FFPROBE_PATH: cfg.ffprobePath,
      PATH: cfg.searchPath,
      DOPPEL_MEDIA_TOOLS: cfg.tools,
    });
    return tools;
  };
}

/** `resolve` is shared with other users of the tools (see lazyMediaTools), so they resolve once. */
export function createAssetsMedia(
  resolve: () => MediaTools,
  opts: { logger?: Logger; mode?: string } = {},
): AssetsMedia {
  // One line at start saying which binaries will run (no process is spawned for it).
  try {
    const t = resolve();
    opts.logger?.info(
      {
        mode: opts.mode ?? 'auto',
        ffmpeg: `${t.ffmpeg.path} (${t.ffmpeg.source})`,
        ffprobe: t.ffprobe ? `${t.ffprobe.path} (${t.ffprobe.source})` : 'none: probing parses `ffmpeg -i`',
      },
      'media tools resolved',
    );
  } catch (e) {
    opts.logger?.warn(
      { err: e, mode: opts.mode ?? 'auto' },
      'no usable ffmpeg: media inspection fails until one is configured',
    );
  }

  return {
    async inspect(file, { signal }) {
      const info = await translate(() => probeMedia(resolve(), file, { signal }));
      return toInspected(info);
    },
    async makeCover(input, output, { signal }) {
      await translate(() => makeCover(resolve(), input, output, { signal }));
    },
  };
}

function toInspected(info: MediaInfo): InspectedMedia {
  const kind = mediaKind(info);
  return {
    kind: kind ?? 'other',
    format: info.sniffed ?? info.formatNames[0],
    durationSec: info.durationSec,
    width: info.video?.width,
    height: info.video?.height,
    extraMeta: kind ? { ...toAssetMeta(info, ASSET_TYPE_OF_KIND[kind]) } : {},
  };
}

/** MediaErrors about the file become MediaUnreadable; the rest (no tool, abort) pass through. */
async function translate<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (isMediaError(e) && FILE_FAULTS.has(e.code)) throw new MediaUnreadable(e.reason);
    throw e;
  }
}
