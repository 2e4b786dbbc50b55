// Which font burns subtitles. Chinese needs a CJK font, and Doppel ships one: Doppel Sans SC
// (assets/fonts/DoppelSans-SC.otf, a GB2312 + Latin subset of Noto Sans CJK SC made by
// scripts/make-subtitle-font.py), so Chinese shows real glyphs with no font installed. A full
// system Noto Sans CJK (Debian/Ubuntu fonts-noto-cjk) covers more Han and goes first when it is
// there; the WenQuanYi and DejaVu packages are fallbacks for a tree without assets/. Characters
// the chosen font lacks still fall back through fontconfig to whatever the system has. The file
// system is behind `exists` for tests.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SubtitleFont {
  /** Directory handed to libass as `fontsdir`. */
  dir: string;
  /** Family name the ASS style asks for. */
  family: string;
  cjk: boolean;
}

/** The font in the repository (src/engines/render → assets/fonts). */
export const BUNDLED_FONT = {
  file: fileURLToPath(new URL('../../../assets/fonts/DoppelSans-SC.otf', import.meta.url)),
  family: 'Doppel Sans SC',
  cjk: true,
} as const;

// biome-ignore format: a table
const CANDIDATES: Array<{ file: string; family: string; cjk: boolean }> = [
  { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'Noto Sans CJK SC', cjk: true },
  { file: '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', family: 'Noto Sans CJK SC', cjk: true },
  BUNDLED_FONT,
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
