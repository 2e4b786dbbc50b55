// The ffmpeg command that composes a video: background (colour, still image or looped video),
// the avatar layer (the precomposed frames played by the concat demuxer, placed, scaled and
// gently swaying), speech, optional music under it, optional burned subtitles, and the output
// codec. Pure and unit-tested; render.ts runs it. Every filter used here exists in both
// Debian's ffmpeg 5.1 and the 2018 static build @ffmpeg-installer ships (checked with
// `-filters`: overlay, scale, fps, format, setsar, crop, color, apad, aloop, amix, volume, ass);
// amix's `normalize` option (ffmpeg ≥ 4.4) is avoided for the old build's sake.

export type Background = { color: string } | { image: string } | { video: string };

export type OutputFormat = 'mp4' | 'webm' | 'mov';

export interface RenderPlan {
  width: number;
  height: number;
  fps: number;
  /** Seconds; the output is cut to exactly this (frames / fps). */
  durationSec: number;
  background: Background;
  avatar: {
    /** ffconcat list of the precomposed frames. */
    concatFile: string;
    /** Top-left of the avatar canvas in the output, pixels (before sway). */
    x: number;
    y: number;
    /** Canvas scale (1 = canvas pixels). */
    scale: number;
    /** Canvas size, to size the scaled layer without probing. */
    canvasWidth: number;
    canvasHeight: number;
    idle?: { swayPx: number; breathPeriodSec: number };
  };
  speech: string;
  music?: { path: string; volumeDb: number };
  subtitles?: { assFile: string; fontsDir?: string };
  output: { path: string; format: OutputFormat; preset?: string };
}

/** '#1a2b3c' / '1a2b3c' → '0x1a2b3c' as ffmpeg's colour syntax wants it. */
export function ffColor(c: string): string {
  const m = /^#?([0-9a-f]{6})$/i.exec(c.trim());
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

/** The avatar's overlay position: sway left-right and a slow breathing bob, from the clock. */
export function overlayPosition(a: RenderPlan['avatar']): { x: string; y: string } {
  const x = Math.round(a.x);
  const y = Math.round(a.y);
  const idle = a.idle;
  if (!idle || idle.swayPx <= 0 || idle.breathPeriodSec <= 0) return { x: String(x), y: String(y) };
  const p = idle.breathPeriodSec;
  const sway = (idle.swayPx * a.scale).toFixed(2);
  // Breathing: the layer sinks by 0.5 % of its height twice per sway period and comes back to
  // its placed position, never above it, so an avatar placed flush with the bottom edge never
  // shows a strip of background under it. A true 1 % scale would rescale the whole layer every
  // frame; a bob reads the same at this size and is free.
  const bob = ((a.canvasHeight * a.scale) / 200).toFixed(2);
  return {
    x: `${x}+${sway}*sin(2*PI*t/${p})`,
    y: `${y}+${bob}*(1-cos(4*PI*t/${p}))/2`,
  };
}

export function composeArgs(plan: RenderPlan): string[] {
  const { width: W, height: H, fps } = plan;
  const dur = plan.durationSec.toFixed(3);
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats'];

  // Inputs: 0 background, 1 avatar frames, 2 speech, 3 music.
  const bg = plan.background;
  if ('color' in bg) args.push('-f', 'lavfi', '-i', `color=c=${ffColor(bg.color)}:s=${W}x${H}:r=${fps}`);
  else if ('image' in bg) args.push('-loop', '1', '-framerate', String(fps), '-i', bg.image);
  else args.push('-stream_loop', '-1', '-i', bg.video);
  args.push('-f', 'concat', '-safe', '0', '-i', plan.avatar.concatFile);
  args.push('-i', plan.speech);
  if (plan.music) args.push('-stream_loop', '-1', '-i', plan.music.path);

  const graph: string[] = [];
  graph.push(
    'color' in bg
      ? '[0:v]setsar=1[bg]'
      : `[0:v]scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},fps=${fps},setsar=1[bg]`,
  );
  const a = plan.avatar;
  const scaled =
    a.scale !== 1 ? `,scale=${even(a.canvasWidth * a.scale)}:${even(a.canvasHeight * a.scale)}` : '';
  // Scale and convert before fps: the concat demuxer yields one frame per run, so the scaler and
  // the RGBA → YUVA conversion overlay needs work once per run, and fps merely repeats them.
  const rgbOut = plan.output.format === 'mov';
  graph.push(`[1:v]format=rgba${scaled}${rgbOut ? '' : ',format=yuva420p'},fps=${fps}[av]`);
  const pos = overlayPosition(a);
  const subs = plan.subtitles
    ? `,ass=${filterValue(plan.subtitles.assFile)}${plan.subtitles.fontsDir ? `:fontsdir=${filterValue(plan.subtitles.fontsDir)}` : ''}`
    : '';
  const pixFmt = rgbOut ? 'rgb24' : 'yuv420p';
  graph.push(
    `[bg][av]overlay=x='${pos.x}':y='${pos.y}':eval=frame:shortest=0:format=${rgbOut ? 'rgb' : 'yuv420'}${subs},format=${pixFmt}[v]`,
  );
  if (plan.music) {
    // amix divides by the input count; the volume after it restores speech to full level.
    graph.push(
      `[2:a]apad[sp]`,
      `[3:a]volume=${plan.music.volumeDb}dB[mu]`,
      `[sp][mu]amix=inputs=2:duration=first:dropout_transition=0,volume=2[a]`,
    );
  } else graph.push('[2:a]apad[a]');
  args.push('-filter_complex', graph.join(';'), '-map', '[v]', '-map', '[a]');
  args.push('-t', dur, '-r', String(fps));

  const out = plan.output;
  if (out.format === 'mp4') {
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      out.preset ?? 'veryfast',
      '-crf',
      '20',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
    );
  } else if (out.format === 'webm') {
    args.push(
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '2M',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'libvorbis',
      // Quality, not bitrate: libvorbis refuses 128 kbit/s for 16–22 kHz mono speech.
      '-q:a',
      '4',
      '-f',
      'webm',
    );
  } else {
    args.push('-c:v', 'qtrle', '-pix_fmt', 'rgb24', '-c:a', 'pcm_s16le', '-f', 'mov');
  }
  args.push(out.path);
  return args;
}

/** Seconds of output done, from one `-progress` block's `out_time_us=` / `out_time_ms=` lines. */
export function parseProgressTime(text: string): number | undefined {
  let last: number | undefined;
  for (const m of text.matchAll(/^out_time_(?:us|ms)=(\d+)$/gm)) last = Number(m[1]) / 1e6;
  return last;
}
