// Input options every media command in Doppel puts in front of an uploaded file. Uploaded
// bytes are hostile: an HLS playlist or a concat list disguised as a video makes ffmpeg open
// other URLs (SSRF) or local files (and paint their text into a cover). So only the `file`
// protocol is allowed, and only the demuxers of the formats MetaStudio accepts.

/** Demuxer names (as ffmpeg spells them) for MetaStudio's video, audio and image formats. */
export const ALLOWED_DEMUXERS = [
  'mov,mp4,m4a,3gp,3g2,mj2',
  'matroska,webm',
  'avi',
  'flv',
  'asf',
  'mpegts',
  'mpeg',
  'mp3',
  'wav',
  'aac',
  'ogg',
  'flac',
  'image2',
  'png_pipe',
  'jpeg_pipe',
  'bmp_pipe',
  'webp_pipe',
  'tiff_pipe',
  'gif',
].join(',');

/**
 * `file:` in front of the path: a name starting with `-` is not taken for an option and one
 * containing `:` is not taken for another protocol (`concat:`, `http:`).
 */
export const fileUrl = (p: string): string => `file:${p}`;

/** Options that go before `-i` (ffmpeg) or the input (ffprobe). */
export const safeInputOptions = (): string[] => [
  '-protocol_whitelist',
  'file',
  '-format_whitelist',
  ALLOWED_DEMUXERS,
];

export const ffprobeArgs = (file: string): string[] => [
  '-v',
  'error',
  ...safeInputOptions(),
  '-print_format',
  'json',
  '-show_format',
  '-show_streams',
  fileUrl(file),
];

/** No `-v error` here: the stream list we parse is printed at the default (info) level. */
export const ffmpegInfoArgs = (file: string): string[] => [
  '-hide_banner',
  '-nostdin',
  ...safeInputOptions(),
  '-i',
  fileUrl(file),
];
