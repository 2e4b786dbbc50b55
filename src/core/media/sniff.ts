// Magic-byte sniffing: what a file is, from its first bytes, without a process. It exists to
// catch mislabelled uploads ("a .png that is really text") before ffmpeg guesses by extension,
// and to name the format in a reason when ffmpeg cannot open the file at all.

export type SniffedFormat =
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'bmp'
  | 'webp'
  | 'tiff'
  | 'heic'
  | 'avif'
  | 'wav'
  | 'mp3'
  | 'aac'
  | 'flac'
  | 'ogg'
  | 'm4a'
  | 'mp4'
  | 'mov'
  | 'mkv'
  | 'webm'
  | 'avi'
  | 'flv'
  | 'asf'
  | 'mpegts'
  | 'pdf'
  | 'zip'
  | 'text';

/** How many leading bytes sniffFormat looks at; read at least this many. */
export const SNIFF_BYTES = 512;

const ascii = (buf: Buffer, start: number, end: number): string => buf.toString('latin1', start, end);
const startsWith = (buf: Buffer, bytes: number[], at = 0): boolean =>
  buf.length >= at + bytes.length && bytes.every((b, i) => buf[at + i] === b);

/** Names the format of a file from its first bytes (see SNIFF_BYTES), or undefined. */
export function sniffFormat(buf: Buffer): SniffedFormat | undefined {
  if (buf.length === 0) return undefined;
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'jpeg';
  const head4 = ascii(buf, 0, 4);
  if (ascii(buf, 0, 6) === 'GIF87a' || ascii(buf, 0, 6) === 'GIF89a') return 'gif';
  if (head4 === 'RIFF' && buf.length >= 12) {
    const kind = ascii(buf, 8, 12);
    if (kind === 'WEBP') return 'webp';
    if (kind === 'WAVE') return 'wav';
    if (kind === 'AVI ') return 'avi';
  }
  if (head4 === 'RF64' && ascii(buf, 8, 12) === 'WAVE') return 'wav';
  if (head4 === 'II*\0' || head4 === 'MM\0*') return 'tiff';
  if (head4 === 'fLaC') return 'flac';
  if (head4 === 'OggS') return 'ogg';
  if (ascii(buf, 0, 3) === 'FLV' && buf[3] === 1) return 'flv';
  if (ascii(buf, 0, 5) === '%PDF-') return 'pdf';
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buf, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(buf, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) return 'asf';
  if (startsWith(buf, [0x1a, 0x45, 0xdf, 0xa3])) {
    // EBML: the DocType string sits in the header, within the first few dozen bytes.
    return ascii(buf, 0, Math.min(buf.length, 64)).includes('webm') ? 'webm' : 'mkv';
  }
  const iso = isoBmff(buf);
  if (iso) return iso;
  // BMP last among the images: "BM" alone is weak, so also require the reserved zero bytes.
  if (ascii(buf, 0, 2) === 'BM' && buf.length >= 10 && buf.readUInt32LE(6) === 0) return 'bmp';
  if (ascii(buf, 0, 3) === 'ID3') return 'mp3';
  if (buf.length >= 2 && buf[0] === 0xff && (buf[1] & 0xe0) === 0xe0) {
    // An MPEG audio frame header: layer bits 00 mean ADTS AAC, anything else MP3.
    return (buf[1] & 0x06) === 0 ? 'aac' : 'mp3';
  }
  if (buf[0] === 0x47 && buf.length >= 377 && buf[188] === 0x47 && buf[376] === 0x47) return 'mpegts';
  if (looksLikeText(buf)) return 'text';
  return undefined;
}

/** MP4-family files: a box size then `ftyp` and a brand; QuickTime may start with other atoms. */
function isoBmff(buf: Buffer): SniffedFormat | undefined {
  if (buf.length < 12) return undefined;
  const box = ascii(buf, 4, 8);
  if (box === 'ftyp') {
    const brand = ascii(buf, 8, 12);
    if (brand === 'qt  ') return 'mov';
    if (brand === 'M4A ' || brand === 'M4B ') return 'm4a';
    if (['heic', 'heix', 'mif1', 'msf1', 'hevc'].includes(brand)) return 'heic';
    if (brand === 'avif' || brand === 'avis') return 'avif';
    return 'mp4';
  }
  return ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(box) ? 'mov' : undefined;
}

function looksLikeText(buf: Buffer): boolean {
  for (const b of buf) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) return false;
  // Valid UTF-8, allowing the sample to end in the middle of a multi-byte character.
  for (let cut = 0; cut <= 3 && cut < buf.length; cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, buf.length - cut));
      return true;
    } catch {}
  }
  return false;
}

/**
 * Which sniffed formats a file extension may hold. Formats with strong magic (PNG, MP4, …) must
 * be recognised; for weak-magic ones (MP3 without ID3, AAC, TS) we only object when the bytes
 * are clearly something else.
 */
const EXTENSIONS: Record<string, { accepts: SniffedFormat[]; weak?: boolean }> = {
  png: { accepts: ['png'] },
  jpg: { accepts: ['jpeg'] },
  jpeg: { accepts: ['jpeg'] },
  gif: { accepts: ['gif'] },
  bmp: { accepts: ['bmp'] },
  webp: { accepts: ['webp'] },
  tif: { accepts: ['tiff'] },
  tiff: { accepts: ['tiff'] },
  wav: { accepts: ['wav'] },
  flac: { accepts: ['flac'] },
  ogg: { accepts: ['ogg'] },
  mp3: { accepts: ['mp3'], weak: true },
  aac: { accepts: ['aac', 'm4a'], weak: true },
  m4a: { accepts: ['m4a', 'mp4'] },
  mp4: { accepts: ['mp4', 'mov', 'm4a'] },
  m4v: { accepts: ['mp4', 'mov'] },
  '3gp': { accepts: ['mp4', 'mov'] },
  mov: { accepts: ['mov', 'mp4'] },
  mkv: { accepts: ['mkv', 'webm'] },
  webm: { accepts: ['webm', 'mkv'] },
  avi: { accepts: ['avi'] },
  flv: { accepts: ['flv'] },
  wmv: { accepts: ['asf'] },
  ts: { accepts: ['mpegts'], weak: true },
  pdf: { accepts: ['pdf'] },
  zip: { accepts: ['zip'] },
};

/**
 * Says why `fileName` does not match its content, or undefined when it does (or when the
 * extension is one we have no opinion about). The reason names extensions and formats only.
 */
export function mislabelReason(fileName: string, sniffed: SniffedFormat | undefined): string | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const rule = Object.hasOwn(EXTENSIONS, ext) ? EXTENSIONS[ext] : undefined;
  if (!rule || (sniffed !== undefined && rule.accepts.includes(sniffed))) return undefined;
  if (sniffed === undefined) {
    return rule.weak
      ? undefined
      : `the file is named .${ext} but its content is not ${ext.toUpperCase()} data`;
  }
  const what = sniffed === 'text' ? 'plain text' : `${sniffed.toUpperCase()} data`;
  return `the file is named .${ext} but its content is ${what}`;
}
