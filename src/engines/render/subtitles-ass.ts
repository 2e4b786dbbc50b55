// Subtitle cues (speech srt.ts buildCues: the same cues as the SRT files, so burned subtitles
// and downloadable ones agree) → an ASS script for ffmpeg's `ass` filter (libass). The style
// maps the contract's subtitle settings: font size, colour, stroke, position. Pure.
import type { Cue } from '../speech/srt.ts';

export interface SubtitleStyle {
  /** Font family name as the font file declares it (libass matches by family). */
  fontName: string;
  /** Pixels at the output resolution. */
  fontSize: number;
  /** '#RRGGBB' or 'RRGGBB'. */
  color: string;
  strokeColor: string;
  /** Outline width in pixels (0 = none). */
  strokeWidth: number;
  /** Distance of the text's baseline block from the bottom edge, in % of the height. */
  bottomPercent: number;
  /** Width of the text box, in % of the output width, centred (default 80). */
  boxWidthPercent?: number;
}

/** Fixed text on screen for a whole scene (a TEXT layer), drawn with the subtitle font. */
export interface TextOverlay {
  text: string;
  /** Top-left of the text in output pixels. */
  x: number;
  y: number;
  fontSize: number;
  color: string;
  /** Stacking among the text layers (text is always drawn over pictures and the avatar). */
  z: number;
}

export const DEFAULT_SUBTITLE_STYLE: Omit<SubtitleStyle, 'fontName'> = {
  fontSize: 48,
  color: '#FFFFFF',
  strokeColor: '#000000',
  strokeWidth: 3,
  bottomPercent: 8,
  boxWidthPercent: 80,
};

/** '#RRGGBB' → ASS '&H00BBGGRR' (ASS alpha 00 = opaque). */
export function assColor(hex: string): string {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new RangeError(`colour "${hex}" is not #RRGGBB`);
  const [r, g, b] = [0, 2, 4].map((i) => m[1].slice(i, i + 2).toUpperCase());
  return `&H00${b}${g}${r}`;
}

/** 3723.004 s in ms → '1:02:03.00' (ASS: h:mm:ss.cc, centiseconds). */
export function assTime(ms: number): string {
  const cs = Math.max(0, Math.round(ms / 10));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(cs / 360_000)}:${pad(Math.floor(cs / 6000) % 60)}:${pad(Math.floor(cs / 100) % 60)}.${pad(cs % 100)}`;
}

/** Text as ASS shows it literally: override blocks `{…}` and `\` escapes neutralised. */
export function assText(lines: string[]): string {
  return lines
    .map((l) =>
      l
        .replace(/\\/g, '\\\u2060')
        .replace(/\{/g, '\uff5b')
        .replace(/\}/g, '\uff5d')
        .replace(/[\r\n]+/g, ' '),
    )
    .join('\\N');
}

export function buildAss(
  cues: Cue[],
  style: SubtitleStyle,
  size: { width: number; height: number },
  texts: { items: TextOverlay[]; durationMs: number } = { items: [], durationMs: 0 },
): string {
  const box = Math.min(100, Math.max(10, style.boxWidthPercent ?? 80));
  const marginLR = Math.round((size.width * (100 - box)) / 200);
  const marginV = Math.round((size.height * Math.min(90, Math.max(0, style.bottomPercent))) / 100);
  const primary = assColor(style.color);
  const outline = assColor(style.strokeColor);
  // The font name goes into a comma-separated line: a comma in it would shift every field.
  const font = style.fontName.replace(/,/g, ' ');
  return [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${size.width}`,
    `PlayResY: ${size.height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    `Style: Default,${font},${Math.round(style.fontSize)},${primary},${primary},${outline},&H80000000,0,0,0,0,100,100,0,0,1,${Math.max(0, style.strokeWidth)},0,2,${marginLR},${marginLR},${marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    // Text layers first, on ASS layers below the subtitles; \an7\pos anchors their top-left.
    ...[...texts.items]
      .sort((a, b) => a.z - b.z)
      .map(
        (t, i) =>
          `Dialogue: ${i},${assTime(0)},${assTime(texts.durationMs)},Default,,0,0,0,,` +
          `{\\an7\\pos(${Math.round(t.x)},${Math.round(t.y)})\\fs${Math.round(t.fontSize)}\\c${assColor(t.color)}&}` +
          assText(t.text.split(/\r?\n/)),
      ),
    ...cues.map(
      (c) =>
        `Dialogue: ${texts.items.length},${assTime(c.startMs)},${assTime(c.endMs)},Default,,0,0,0,,${assText(c.lines)}`,
    ),
    '',
  ].join('\n');
}
