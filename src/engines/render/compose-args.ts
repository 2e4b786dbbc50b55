// The ffmpeg command that composes a video: background (colour, still image or looped video),
// the avatar (its precomposed body, and its faces played by the concat demuxer, placed and
// gently swaying), speech, optional music under it, optional burned subtitles, and the output
// codec. Pure and unit-tested; render.ts runs it.
//
// A still scene (colour or image background, no video layer) is composed once per segment, not
// once per frame: the picture only changes when the face, the quantised idle position or the
// subtitles do (~500 times a minute against 1500 frames), so the main input is a clock, a 2 × 2
// picture held for each segment by the concat demuxer and padded to the output size, and `fps`
// repeats each composed picture until the next. The encoder still gets every frame.
//
// Every filter used here exists in both Debian's ffmpeg 5.1 and the 2018 static build
// @ffmpeg-installer ships (checked with `-filters`: overlay, scale, fps, format, setsar, crop,
// pad, loop, setpts, color, apad, amix, volume, ass), and both read the PAM and Y4M pictures;
// amix's `normalize` option (ffmpeg ≥ 4.4) is avoided for the old build's sake.

export type Background = { color: string } | { image: string } | { video: string };

export type OutputFormat = 'mp4' | 'webm' | 'mov';

/** A picture or a looping clip placed over the background (a scene's IMAGE / VIDEO layer). */
export interface OverlayLayer {
  kind: 'image' | 'video';
  path: string;
  /** Top-left in output pixels, and the size it is scaled to. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Stacking order against the other layers and the avatar (higher is in front). */
  z: number;
  /** A video layer loops (default); one that must play once (a neural avatar clip) holds its last frame. */
  loop?: boolean;
  /** Decoder to read it with, e.g. `libvpx-vp9`: ffmpeg's native VP8/VP9 decoders drop alpha. */
  decoder?: string;
}

/** The built-in avatar as composeArgs draws it. */
export type AvatarLayer = NonNullable<RenderPlan['avatar']>;

export interface RenderPlan {
  width: number;
  height: number;
  fps: number;
  /** Seconds; the output is cut to exactly this (frames / fps). */
  durationSec: number;
  background: Background;
  /**
   * A still scene's clock: an ffconcat list holding the `clockFrame` picture once per segment
   * (frames over which nothing changes: the same face, idle position and subtitles). With it
   * the picture is composed once per segment and `fps` repeats it, instead of once per frame.
   * Only for a colour or image background without video layers (those change every frame).
   */
  clock?: { concatFile: string };
  /** The built-in avatar; absent when a neural renderer's clip is drawn as a layer instead. */
  avatar?: {
    /** The body picture (precompose `base`): scaled, cut to its visible box, face box transparent. */
    base: string;
    /** ffconcat list of the face pictures, one entry per run (precompose `faces`). */
    faces: string;
    /** Top-left of the body picture in the output, pixels (before the idle motion). */
    x: number;
    y: number;
    /** Top-left of the face pictures in the body picture (even pixels). */
    faceAt: { x: number; y: number };
    /** Idle motion in output pixels: sway amplitude, breathing depth, the sway's period. */
    idle?: { swayPx: number; bobPx: number; periodSec: number };
    /** Stacking order against `layers` (default 0; on ties the avatar is behind). */
    z?: number;
  };
  /** Image and video layers; drawn over the background in `z` order together with the avatar. */
  layers?: OverlayLayer[];
  /**
   * The sound track. Absent for a picture-only clip (the scenes of a multi-scene video: their
   * join rebuilds the sound, and a clip without audio carries no encoder priming that would
   * shift its picture's timestamps when the clips are concatenated).
   */
  speech?: string;
  music?: { path: string; volumeDb: number };
  subtitles?: { assFile: string; fontsDir?: string };
  output: { path: string; format: OutputFormat; preset?: string };
}

const RGB = /^#?([0-9a-f]{6})$/i;

/** '#1a2b3c' / '1a2b3c' → '0x1a2b3c' as ffmpeg's colour syntax wants it. */
export function ffColor(c: string): string {
  const m = RGB.exec(c.trim());
  if (!m) throw new RangeError(`colour "${c}" is not #RRGGBB`);
  return `0x${m[1].toLowerCase()}`;
}

/**
 * Escapes a value for a filter option inside a filtergraph: first the option level (\ ' :),
 * then the graph level (\ ' [ ] , ;), as ffmpeg's filter docs describe.
 */
export function filterValue(v: string): string {
  const opt = v.replace(/[\\':]/g, (c) => `\\${c}`);
  return opt.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);

/** Is the output RGB (MOV/QTRLE)? Otherwise 4:2:0, where overlay positions are even. */
const isRgb = (format: OutputFormat): boolean => format === 'mov';

/**
 * The avatar's idle position at frame n, as the overlay expressions of `overlayPosition`
 * compute it (same operations in the same order, so a still scene's segments start exactly
 * where the position moves): sway left-right, and a breathing bob that sinks by bobPx twice
 * per period and comes back to the placed position, never above it (an avatar placed flush
 * with the bottom edge never shows a strip of background under it; a true 1 % scale would
 * rescale the layer every frame, a bob reads the same and is free). Whole pixels, even ones
 * for 4:2:0 (what overlay would round to anyway).
 */
export function idlePosition(
  a: AvatarLayer,
  n: number,
  fps: number,
  format: OutputFormat,
): { x: number; y: number } {
  const q = isRgb(format) ? Math.floor : (v: number) => 2 * Math.floor(v / 2);
  const m = idleMotion(a, fps);
  if (!m) return { x: q(Math.round(a.x)), y: q(Math.round(a.y)) };
  return {
    x: q(m.x + m.sway * Math.sin((2 * Math.PI * n) / m.cycle)),
    y: q(m.y + (m.bob * (1 - Math.cos((4 * Math.PI * n) / m.cycle))) / 2),
  };
}

/** The motion's constants, rounded as the expressions print them; undefined when still. */
function idleMotion(a: AvatarLayer, fps: number) {
  const idle = a.idle;
  if (!idle || idle.periodSec <= 0 || (idle.swayPx <= 0 && idle.bobPx <= 0)) return undefined;
  const r2 = (v: number) => Math.round(Math.max(0, v) * 100) / 100;
  return {
    x: Math.round(a.x),
    y: Math.round(a.y),
    sway: r2(idle.swayPx),
    bob: r2(idle.bobPx),
    /** Frames per sway period. */
    cycle: Math.round(idle.periodSec * fps * 1000) / 1000,
  };
}

/** Frames (after the first) at which the idle position moves: where a still scene's segments split. */
export function idleMoves(a: AvatarLayer, totalFrames: number, fps: number, format: OutputFormat): number[] {
  if (!idleMotion(a, fps)) return [];
  const moves: number[] = [];
  let prev = idlePosition(a, 0, fps, format);
  for (let n = 1; n < totalFrames; n++) {
    const p = idlePosition(a, n, fps, format);
    if (p.x !== prev.x || p.y !== prev.y) moves.push(n);
    prev = p;
  }
  return moves;
}

/**
 * overlay x/y expressions for the avatar (offset by `dx`, `dy`, even for 4:2:0): `idlePosition`
 * of the frame number, which is rounded from the clock so that it does not depend on the time
 * base.
 */
export function overlayPosition(
  a: AvatarLayer,
  fps: number,
  format: OutputFormat,
  dx = 0,
  dy = 0,
): { x: string; y: string } {
  const m = idleMotion(a, fps);
  if (!m) {
    const p = idlePosition(a, 0, fps, format);
    return { x: String(p.x + dx), y: String(p.y + dy) };
  }
  const q = (e: string) => (isRgb(format) ? `floor(${e})` : `2*floor((${e})/2)`);
  const off = (d: number) => (d ? `${d}+` : '');
  const n = `floor(t*${fps}+0.5)`;
  return {
    x: `${off(dx)}${q(`${m.x}+${m.sway}*sin(2*PI*${n}/${m.cycle})`)}`,
    y: `${off(dy)}${q(`${m.y}+${m.bob}*(1-cos(4*PI*${n}/${m.cycle}))/2`)}`,
  };
}

/**
 * The still scene's clock picture: 2 × 2 pixels of the background colour (black under an
 * image), which `pad` grows to the output size once per segment. Y4M (4:2:0, the colour
 * converted as ffmpeg's pad/color do: BT.601 limited range) or, for RGB output, a PAM.
 */
export function clockFrame(color: string, format: OutputFormat, fps: number): { ext: string; data: Buffer } {
  const m = RGB.exec(color.trim());
  if (!m) throw new RangeError(`colour "${color}" is not #RRGGBB`);
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(m[1].slice(i, i + 2), 16));
  if (isRgb(format)) {
    const header = `P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n`;
    return {
      ext: 'pam',
      data: Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from([r, g, b, r, g, b, r, g, b, r, g, b])]),
    };
  }
  // libavutil/colorspace.h RGB_TO_{Y,U,V}_CCIR, as drawutils uses them.
  const fix = (x: number) => Math.floor(x * 1024 + 0.5);
  const y =
    (fix((0.299 * 219) / 255) * r +
      fix((0.587 * 219) / 255) * g +
      fix((0.114 * 219) / 255) * b +
      512 +
      (16 << 10)) >>
    10;
  const u =
    ((-fix((0.16874 * 224) / 255) * r - fix((0.33126 * 224) / 255) * g + fix((0.5 * 224) / 255) * b + 511) >>
      10) +
    128;
  const v =
    ((fix((0.5 * 224) / 255) * r - fix((0.41869 * 224) / 255) * g - fix((0.08131 * 224) / 255) * b + 511) >>
      10) +
    128;
  const header = `YUV4MPEG2 W2 H2 F${fps}:1 Ip A1:1 C420jpeg\nFRAME\n`;
  return {
    ext: 'y4m',
    data: Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from([y, y, y, y, u, v])]),
  };
}

export function composeArgs(plan: RenderPlan): string[] {
  const { width: W, height: H, fps } = plan;
  const dur = plan.durationSec.toFixed(3);
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats'];
  const bg = plan.background;
  const layers = plan.layers ?? [];
  const clock = plan.clock;
  if (clock && ('video' in bg || layers.some((l) => l.kind === 'video')))
    throw new RangeError('a segment clock needs a still scene (no video background or layer)');

  // Inputs: 0 the background (or the clock), 1 the avatar's body, 2 its faces, 3 speech, then
  // music, a background image under a clock, and the layers.
  if (clock) args.push('-f', 'concat', '-safe', '0', '-i', clock.concatFile);
  else if ('color' in bg) args.push('-f', 'lavfi', '-i', `color=c=${ffColor(bg.color)}:s=${W}x${H}:r=${fps}`);
  // A still picture is read and scaled once, then repeated (`-loop 1` would decode and scale
  // it again for every frame).
  else if ('image' in bg) args.push('-framerate', String(fps), '-i', bg.image);
  else args.push('-stream_loop', '-1', '-i', bg.video);
  let next = 1;
  const a = plan.avatar;
  if (a) {
    args.push('-i', a.base);
    args.push('-f', 'concat', '-safe', '0', '-i', a.faces);
    next += 2;
  }
  if (plan.music && plan.speech === undefined) throw new RangeError('music needs a sound track');
  const speechInput = next;
  if (plan.speech !== undefined) {
    args.push('-i', plan.speech);
    next++;
  }
  const musicInput = next;
  if (plan.music) {
    args.push('-stream_loop', '-1', '-i', plan.music.path);
    next++;
  }
  let bgImage: number | undefined;
  if (clock && 'image' in bg) {
    args.push('-i', bg.image);
    bgImage = next++;
  }
  const firstLayerInput = next;
  for (const l of layers) {
    // A still layer is one frame, which overlay repeats (its eof_action) for the whole clip.
    if (l.decoder) args.push('-c:v', l.decoder);
    if (l.kind === 'image' || l.loop === false) args.push('-i', l.path);
    else args.push('-stream_loop', '-1', '-i', l.path);
  }

  const rgbOut = isRgb(plan.output.format);
  const pixFmt = rgbOut ? 'rgb24' : 'yuv420p';
  const ovFormat = rgbOut ? 'rgb' : 'yuv420';
  const cover = `scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1`;
  const graph: string[] = [];
  if (clock) {
    const fill = 'color' in bg ? ffColor(bg.color) : 'black';
    graph.push(`[0:v]pad=${W}:${H}:0:0:color=${fill},setsar=1[${bgImage === undefined ? 'bg' : 'clk'}]`);
    if (bgImage !== undefined)
      graph.push(`[${bgImage}:v]${cover}[img]`, `[clk][img]overlay=0:0:format=${ovFormat}[bg]`);
  } else if ('color' in bg) graph.push('[0:v]setsar=1[bg]');
  else if ('image' in bg) graph.push(`[0:v]${cover},loop=loop=-1:size=1,setpts=N/(${fps}*TB)[bg]`);
  else graph.push(`[0:v]${cover},fps=${fps}[bg]`);

  // The body is one picture; the faces one per run (the concat demuxer yields a frame per
  // entry, which overlay holds until the next). Each is converted to overlay's format once.
  const avFormat = rgbOut ? 'format=rgba' : 'format=yuva420p';
  const subs = plan.subtitles
    ? `,ass=${filterValue(plan.subtitles.assFile)}${plan.subtitles.fontsDir ? `:fontsdir=${filterValue(plan.subtitles.fontsDir)}` : ''}`
    : '';
  // The avatar and the layers, back to front (a stable sort: on equal z the avatar, listed
  // first, stays behind, and layers keep their given order).
  type Item = { z: number; draws: Array<{ label: string; at: string }> };
  const avatarItems: Item[] = [];
  if (a) {
    graph.push(`[1:v]${avFormat}[body]`, `[2:v]${avFormat}[face]`);
    const body = overlayPosition(a, fps, plan.output.format);
    const face = overlayPosition(a, fps, plan.output.format, a.faceAt.x, a.faceAt.y);
    avatarItems.push({
      z: a.z ?? 0,
      draws: [
        { label: 'body', at: `x='${body.x}':y='${body.y}':eval=frame` },
        { label: 'face', at: `x='${face.x}':y='${face.y}':eval=frame` },
      ],
    });
  }
  const stack: Item[] = [
    ...avatarItems,
    ...layers.map((l, i): Item => {
      const w = even(l.width);
      const h = even(l.height);
      const chain = l.kind === 'image' ? '' : `,fps=${fps}`;
      graph.push(
        `[${firstLayerInput + i}:v]format=rgba,scale=${w}:${h}${rgbOut ? '' : ',format=yuva420p'}${chain},setsar=1[l${i}]`,
      );
      return { z: l.z, draws: [{ label: `l${i}`, at: `x=${Math.round(l.x)}:y=${Math.round(l.y)}` }] };
    }),
  ].sort((p, q) => p.z - q.z);
  const draws = stack.flatMap((item) => item.draws);
  // Subtitles are burned once per segment too (segments split where a cue starts or ends).
  const tail = `${subs}${clock ? `,fps=${fps}` : ''},format=${pixFmt}[v]`;
  let under = 'bg';
  if (draws.length === 0) graph.push(`[bg]null${tail}`);
  draws.forEach((d, i) => {
    const last = i === draws.length - 1;
    graph.push(
      `[${under}][${d.label}]overlay=${d.at}:shortest=0:format=${ovFormat}${last ? tail : `[s${i}]`}`,
    );
    under = `s${i}`;
  });
  if (plan.speech === undefined) {
    args.push('-filter_complex', graph.join(';'), '-map', '[v]', '-an');
  } else {
    if (plan.music)
      graph.push(
        `[${speechInput}:a]apad[sp]`,
        ...musicGraph('sp', { input: musicInput, volumeDb: plan.music.volumeDb }),
      );
    else graph.push(`[${speechInput}:a]apad[a]`);
    args.push('-filter_complex', graph.join(';'), '-map', '[v]', '-map', '[a]');
  }
  args.push('-t', dur, '-r', String(fps));
  args.push(
    ...videoCodecArgs(plan.output),
    ...(plan.speech === undefined ? [] : audioCodecArgs(plan.output.format)),
    ...containerArgs(plan.output),
  );
  args.push(plan.output.path);
  return args;
}

/** `[speech]` → `[a]`, with the music input mixed under it. */
function musicGraph(speech: string, music: { input: number; volumeDb: number }): string[] {
  // amix divides by the input count; the volume after it restores speech to full level.
  return [
    `[${music.input}:a]volume=${music.volumeDb}dB[mu]`,
    `[${speech}][mu]amix=inputs=2:duration=first:dropout_transition=0,volume=2[a]`,
  ];
}

/** The ffmpeg encoders a render to `format` uses (picture, then sound unless picture-only). */
export function encodersFor(format: OutputFormat, withSound = true): string[] {
  const [video, audio] = {
    mp4: ['libx264', 'aac'],
    webm: ['libvpx', 'libvorbis'],
    mov: ['qtrle', 'pcm_s16le'],
  }[format];
  return withSound ? [video, audio] : [video];
}

function videoCodecArgs(out: RenderPlan['output']): string[] {
  if (out.format === 'mp4')
    return ['-c:v', 'libx264', '-preset', out.preset ?? 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p'];
  if (out.format === 'webm')
    return ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M', '-pix_fmt', 'yuv420p'];
  return ['-c:v', 'qtrle', '-pix_fmt', 'rgb24'];
}

function audioCodecArgs(format: OutputFormat): string[] {
  if (format === 'mp4') return ['-c:a', 'aac', '-b:a', '128k'];
  // Quality, not bitrate: libvorbis refuses 128 kbit/s for 16–22 kHz mono speech.
  if (format === 'webm') return ['-c:a', 'libvorbis', '-q:a', '4'];
  return ['-c:a', 'pcm_s16le'];
}

function containerArgs(out: { format: OutputFormat }): string[] {
  if (out.format === 'mp4') return ['-movflags', '+faststart', '-f', 'mp4'];
  return ['-f', out.format === 'webm' ? 'webm' : 'mov'];
}

/** What joins rendered scenes into one video: the scene clips and each scene's speech. */
export interface MuxPlan {
  /** ffconcat list of the scene clips (same codec and size, so the video is copied). */
  concatFile: string;
  /** Per scene, in order: its speech audio and the clip's exact length in seconds. */
  scenes: Array<{ speech: string; durationSec: number }>;
  music?: { path: string; volumeDb: number };
  output: { path: string; format: OutputFormat };
}

/**
 * Joins scene clips without re-encoding the picture: the video stream is copied from the
 * concat demuxer, and the sound is rebuilt from each scene's speech, padded or cut to the
 * clip's exact length (so no scene's audio drifts into the next), with music under it all.
 */
export function muxArgs(plan: MuxPlan): string[] {
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats'];
  args.push('-f', 'concat', '-safe', '0', '-i', plan.concatFile);
  for (const s of plan.scenes) args.push('-i', s.speech);
  const musicInput = plan.scenes.length + 1;
  if (plan.music) args.push('-stream_loop', '-1', '-i', plan.music.path);
  const graph = plan.scenes.map(
    (s, k) =>
      `[${k + 1}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=mono,apad,atrim=end=${s.durationSec.toFixed(3)}[a${k}]`,
  );
  const joined = plan.music ? 'sp' : 'a';
  graph.push(
    `${plan.scenes.map((_, k) => `[a${k}]`).join('')}concat=n=${plan.scenes.length}:v=0:a=1[${joined}]`,
  );
  if (plan.music) graph.push(...musicGraph('sp', { input: musicInput, volumeDb: plan.music.volumeDb }));
  const total = plan.scenes.reduce((t, s) => t + s.durationSec, 0);
  args.push('-filter_complex', graph.join(';'), '-map', '0:v', '-map', '[a]', '-c:v', 'copy');
  args.push(...audioCodecArgs(plan.output.format), '-t', total.toFixed(3), ...containerArgs(plan.output));
  args.push(plan.output.path);
  return args;
}

/** Seconds of output done, from one `-progress` block's `out_time_us=` / `out_time_ms=` lines. */
export function parseProgressTime(text: string): number | undefined {
  let last: number | undefined;
  for (const m of text.matchAll(/^out_time_(?:us|ms)=(\d+)$/gm)) last = Number(m[1]) / 1e6;
  return last;
}
