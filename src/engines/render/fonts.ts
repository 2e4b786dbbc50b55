// Which font burns subtitles. Chinese needs a CJK font; Doppel looks for the Debian/Ubuntu
// packages first (fonts-noto-cjk, fonts-wqy-microhei, fonts-wqy-zenhei), then falls back to
// DejaVu Sans (Latin, Cyrillic, Greek; no Han). The file system is behind `exists` for tests.
import fs from 'node:fs';
import path from 'node:path';

export interface SubtitleFont {
  /** Directory handed to libass as `fontsdir`. */
  dir: string;
  /** Family name the ASS style asks for. */
  family: string;
  cjk: boolean;
}

// biome-ignore format: a table
const CANDIDATES: Array<{ file: string; family: string; cjk: boolean }> = [
  { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'Noto Sans CJK SC', cjk: true },
  { file: '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', family: 'Noto Sans CJK SC', cjk: true },
  { file: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', family: 'WenQuanYi Micro Hei', cjk: true },
  { file: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYi Zen Hei', cjk: true },
  { file: '/usr/share/fonts/wqy-microhei/wqy-microhei.ttc', family: 'WenQuanYi Micro Hei', cjk: true },
  { file: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', family: 'DejaVu Sans', cjk: false },
  { file: '/usr/share/fonts/TTF/DejaVuSans.ttf', family: 'DejaVu Sans', cjk: false },
];

/** The best subtitle font here, or undefined (libass then uses fontconfig's default). */
export function findSubtitleFont(
  exists: (file: string) => boolean = fs.existsSync,
): SubtitleFont | undefined {
  const hit = CANDIDATES.find((c) => exists(c.file));
  return hit && { dir: path.dirname(hit.file), family: hit.family, cjk: hit.cjk };
}
