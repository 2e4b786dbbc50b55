// The ffmpeg command that composes a video: background (colour, still image or looped video),
// the avatar layer (the precomposed frames played by the concat demuxer, placed, scaled and
// gently swaying), speech, optional music under it, optional burned subtitles, and the output
// codec. Pure and unit-tested; render.ts runs it. Every filter used here exists in both
// Debian's ffmpeg 5.1 and the 2018 static build @ffmpeg-installer ships (checked with
// `-filters`: overlay, scale, fps, format, setsar, crop, color, apad, aloop, amix, volume, ass);
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
}

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
    /** Stacking order against `layers` (default 0; on ties the avatar is behind). */
    z?: number;
  };
  /** Image and video layers; drawn over the background in `z` order together with the avatar. */
  layers?: OverlayLayer[];
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

  // Inputs: 0 background, 1 avatar frames, 2 speech, 3 music (when given), then the layers.
  const bg = plan.background;
  if ('color' in bg) args.push('-f', 'lavfi', '-i', `color=c=${ffColor(bg.color)}:s=${W}x${H}:r=${fps}`);
  else if ('image' in bg) args.push('-loop', '1', '-framerate', String(fps), '-i', bg.image);
  else args.push('-stream_loop', '-1', '-i', bg.video);
  args.push('-f', 'concat', '-safe', '0', '-i', plan.avatar.concatFile);
  args.push('-i', plan.speech);
  if (plan.music) args.push('-stream_loop', '-1', '-i', plan.music.path);
  const firstLayerInput = plan.music ? 4 : 3;
  const layers = plan.layers ?? [];
  for (const l of layers) {
    if (l.kind === 'image') args.push('-loop', '1', '-framerate', String(fps), '-i', l.path);
    else args.push('-stream_loop', '-1', '-i', l.path);
  }

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
  const ovFormat = rgbOut ? 'rgb' : 'yuv420';
  // The avatar and the layers, back to front (a stable sort: on equal z the avatar, listed
  // first, stays behind, and layers keep their given order).
  const stack = [
    { z: a.z ?? 0, label: 'av', at: `x='${pos.x}':y='${pos.y}':eval=frame` },
    ...layers.map((l, i) => {
      const w = even(l.width);
      const h = even(l.height);
      const chain = l.kind === 'image' ? '' : `,fps=${fps}`;
      graph.push(
        `[${firstLayerInput + i}:v]format=rgba,scale=${w}:${h}${rgbOut ? '' : ',format=yuva420p'}${chain},setsar=1[l${i}]`,
      );
      return { z: l.z, label: `l${i}`, at: `x=${Math.round(l.x)}:y=${Math.round(l.y)}` };
    }),
  ].sort((p, q) => p.z - q.z);
  let under = 'bg';
  stack.forEach((item, i) => {
    const last = i === stack.length - 1;
    graph.push(
      `[${under}][${item.label}]overlay=${item.at}:shortest=0:format=${ovFormat}${last ? `${subs},format=${pixFmt}[v]` : `[s${i}]`}`,
    );
    under = `s${i}`;
  });
  if (plan.music)
    graph.push('[2:a]apad[sp]', ...musicGraph('sp', { input: 3, volumeDb: plan.music.volumeDb }));
  else graph.push('[2:a]apad[a]');
  args.push('-filter_complex', graph.join(';'), '-map', '[v]', '-map', '[a]');
  args.push('-t', dur, '-r', String(fps));
  args.push(
    ...videoCodecArgs(plan.output),
    ...audioCodecArgs(plan.output.format),
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
