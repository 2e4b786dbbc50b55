// core/media: the only part of Doppel that starts media processes (ffmpeg, ffprobe).
// Everything that decides (argv, parsing, contract mapping) is a pure function exported here
// for unit tests; probeMedia, makeCover and describeMediaTools are the few that run a tool.
export { ALLOWED_DEMUXERS, ffmpegInfoArgs, ffprobeArgs } from './argv.ts';
export {
  type AssetType,
  type MediaAssetMeta,
  type MediaKind,
  mediaKind,
  toAssetMeta,
} from './asset-meta.ts';
export { ffmpegEncoders, ffmpegFilters, requireEncoders } from './capabilities.ts';
export {
  COVER_MAX_SIDE,
  type CoverOptions,
  type CoverPlan,
  coverArgs,
  coverScaleFilter,
  coverTime,
  makeCover,
} from './cover.ts';
export {
  clampReason,
  isMediaError,
  MediaError,
  type MediaErrorCode,
  REASON_MAX,
  summarizeStderr,
} from './errors.ts';
export { extractFrame, type FramePlan, frameArgs, sampleTimes } from './frames.ts';
export { type LiveProcess, type LiveProcessOptions, spawnLiveProcess } from './live-process.ts';
export type {
  AudioInfo,
  MediaInfo,
  ParsedProbe,
  StreamKind,
  StreamSummary,
  VideoInfo,
} from './media-info.ts';
export { encodeMp3, type Mp3Options, mp3Args } from './mp3.ts';
export { channelsOf, parseFfmpegInfo, splitTopLevel } from './parse-ffmpeg.ts';
export { parseFfprobe, parseRational } from './parse-ffprobe.ts';
export { decodeMonoPcm, monoPcmArgs, PCM_SAMPLE_RATE } from './pcm.ts';
export { decodePng, type PngHeader, type RgbaImage, readPngHeader, unsupportedPng } from './png-decode.ts';
export { type ProbeOptions, probeMedia } from './probe.ts';
export { BoundedBuffer, type RunOptions, type RunResult, runTool, runToolBinary } from './run.ts';
export { mislabelReason, SNIFF_BYTES, type SniffedFormat, sniffFormat } from './sniff.ts';
export {
  describeMediaTools,
  type MediaTool,
  type MediaTools,
  type MediaToolsConfig,
  type MediaToolsDescription,
  parseVersion,
  type ResolveProbes,
  resolveMediaTools,
  systemProbes,
  type ToolDescription,
  type ToolSource,
} from './tools.ts';
