// The one place the renderer touches processes and disks: speech + avatar → a video file.
// Plans purely (viseme-track, blink, frame-plan, subtitles-ass, compose-args), composes each
// distinct frame once (precompose), then runs ffmpeg once with `-progress` for progress. The
// work directory is always removed; an abort kills ffmpeg and rejects with MediaError ABORTED.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ffmpegFilters, requireEncoders } from '../../core/media/capabilities.ts';
import { encodeWavPcm16 } from '../../core/media/encode.ts';
import { MediaError, summarizeStderr } from '../../core/media/errors.ts';
import { runTool } from '../../core/media/run.ts';
import type { MediaTools } from '../../core/media/tools.ts';
import type { Cue } from '../speech/srt.ts';
import type { PhonemeTiming, Synthesis } from '../speech/types.ts';
import { type AvatarPackage, mouthShapeFor } from './avatar-package.ts';
import { blinkTrack } from './blink.ts';
import {
  type AvatarLayer,
  type Background,
  clockFrame,
  composeArgs,
  encodersFor,
  idleMoves,
  type OutputFormat,
  type OverlayLayer,
  parseProgressTime,
  type RenderPlan,
} from './compose-args.ts';
import { findSubtitleFont } from './fonts.ts';
import {
  assChangeFrames,
  concatList,
  type FramePlan,
  framePlan,
  holdList,
  runStarts,
  segments,
} from './frame-plan.ts';
import { precomposeFrames, scaledSize } from './precompose.ts';
import { buildAss, DEFAULT_SUBTITLE_STYLE, type SubtitleStyle, type TextOverlay } from './subtitles-ass.ts';
import { FPS, frameCount, mouthTrackFromPhonemes } from './viseme-track.ts';

export type RenderSpeech =
  | { synthesis: Synthesis }
  /** An audio file the lips follow, with phoneme timings derived from it. */
  | { audioPath: string; durationMs: number; phonemes: PhonemeTiming[] };

export interface RenderOptions {
  avatar: AvatarPackage;
  speech: RenderSpeech;
  width: number;
  height: number;
  background: Background;
  /** Avatar canvas placement in the output; default: scaled to the output height, centred at the bottom. */
  placement?: { x: number; y: number; scale: number };
  /** The avatar's stacking order against `layers` (default 0). */
  avatarZ?: number;
  /**
   * The avatar as a neural renderer drew it (docs/neural-renderer.md): a canvas-sized clip of
   * the speech. With alpha it takes the built-in avatar's place (placement, z; no idle sway on
   * top of the service's own motion); opaque, it covers the whole frame as the background.
   */
  avatarVideo?: { path: string; alpha: boolean; decoder?: string };
  /** Image / video layers over the background. */
  layers?: OverlayLayer[];
  /** Text shown for the whole clip (burned with the subtitle font; needs libass like subtitles). */
  texts?: TextOverlay[];
  music?: { path: string; volumeDb?: number };
  /**
   * Writes the picture only: the speech still drives the lips, but the file has no sound
   * track (multi-scene clips, whose join rebuilds the sound). No music with it.
   */
  pictureOnly?: boolean;
  /** Burned subtitles; style fields left out take DEFAULT_SUBTITLE_STYLE and the found font. */
  subtitles?: { cues: Cue[]; style?: Partial<SubtitleStyle> };
  format?: OutputFormat;
  outputPath: string;
  /** Parent of the temporary work directory (default: the OS temp dir). */
  workDir?: string;
  /** Seeds the blink schedule (a job id hash, say), so re-renders are identical. */
  seed?: number;
  signal?: AbortSignal;
  /** 0–1, at most every half second. */
  onProgress?: (fraction: number) => void;
  /** Things the caller may want to log: a degraded feature, the font used. */
  onNotice?: (message: string) => void;
}

export interface RenderResult {
  path: string;
  durationMs: number;
  frames: number;
  /** Distinct precomposed frames. */
  distinctFrames: number;
  subtitlesBurned: boolean;
  /** Wall milliseconds of the two costly steps: composing the distinct frames, the ffmpeg run. */
  timingsMs: { precompose: number; ffmpeg: number };
}

/**
 * Default placement, centred and standing on the bottom edge: in landscape the avatar fills
 * the output height; in portrait it is drawn larger than the width (70 % of the height, at
 * most 1.3× the width, the canvas sides cut off) so a bust shot does not sit small under an
 * empty upper half.
 */
export function defaultPlacement(
  canvas: { width: number; height: number },
  out: { width: number; height: number },
): { x: number; y: number; scale: number } {
  const scale =
    out.height > out.width
      ? Math.min((0.7 * out.height) / canvas.height, (1.3 * out.width) / canvas.width)
      : Math.min(out.height / canvas.height, out.width / canvas.width);
  return {
    scale,
    x: Math.round((out.width - canvas.width * scale) / 2),
    y: Math.round(out.height - canvas.height * scale),
  };
}

/** The frame plan for a render: mouth from phonemes, blinks from the seed. Pure. */
export function planFrames(
  avatar: AvatarPackage,
  phonemes: PhonemeTiming[],
  durationMs: number,
  seed = 1,
): FramePlan {
  const total = frameCount(durationMs);
  return framePlan(mouthTrackFromPhonemes(phonemes, durationMs), blinkTrack(total, { seed }), total, {
    resolveMouth: (v) => mouthShapeFor(avatar, v),
  });
}

export async function renderVideo(tools: MediaTools, opts: RenderOptions): Promise<RenderResult> {
  const { signal } = opts;
  if (signal?.aborted) throw new MediaError('ABORTED', 'render was cancelled', { cause: signal.reason });
  const format = opts.format ?? 'mp4';
  await requireEncoders(tools, encodersFor(format, !opts.pictureOnly), `a ${format.toUpperCase()} video`);
  const work = await fs.mkdtemp(path.join(opts.workDir ?? os.tmpdir(), 'doppel-render-'));
  try {
    // Speech: the audio file and the timings that drive the lips.
    let audioPath: string;
    let durationMs: number;
    let phonemes: PhonemeTiming[];
    if ('synthesis' in opts.speech) {
      const s = opts.speech.synthesis;
      audioPath = path.join(work, 'speech.wav');
      await fs.writeFile(audioPath, encodeWavPcm16(s.samples, s.sampleRate));
      durationMs = s.durationMs;
      phonemes = s.phonemes;
    } else {
      ({ audioPath, durationMs, phonemes } = opts.speech);
    }

    const plan = planFrames(opts.avatar, phonemes, durationMs, opts.seed);
    const place = opts.placement ?? defaultPlacement(opts.avatar.canvas, opts);
    if (opts.avatarVideo)
      return await composeNeural(tools, opts, { work, audioPath, place, totalFrames: plan.totalFrames });
    const t0 = performance.now();
    // The avatar's pictures at their size in the video: the body once, a face per key.
    const pictures = await precomposeFrames(opts.avatar, plan.keys, work, {
      scale: place.scale,
      ...(signal ? { signal } : {}),
    });
    const precomposeMs = performance.now() - t0;
    const facesFile = path.join(work, 'faces.ffconcat');
    await fs.writeFile(
      facesFile,
      concatList(plan, (k) => pictures.faces.get(k) as string),
    );

    const { subtitles, ass, cues } = await burnIn(tools, opts, work, plan.totalFrames);
    const durationSec = plan.totalFrames / FPS;
    const idle = opts.avatar.idle;
    const { box, faceBox } = pictures;
    const avatar: AvatarLayer = {
      base: path.join(work, pictures.base),
      faces: facesFile,
      x: Math.round(place.x) + box.x,
      y: Math.round(place.y) + box.y,
      faceAt: { x: faceBox.x - box.x, y: faceBox.y - box.y },
      // Sway as the package gives it (canvas pixels, scaled); breathing 0.5 % of the height.
      ...(idle && idle.swayPx > 0 && idle.breathPeriodSec > 0
        ? {
            idle: {
              swayPx: idle.swayPx * place.scale,
              bobPx: scaledSize(opts.avatar.canvas, place.scale).height / 200,
              periodSec: idle.breathPeriodSec,
            },
          }
        : {}),
      ...(opts.avatarZ !== undefined ? { z: opts.avatarZ } : {}),
    };

    // A still scene (no video background or layer) is composed once per segment, the frames
    // over which neither the face, the idle position nor the subtitles change, and ffmpeg's
    // fps filter repeats each: a minute of speech is ~500 segments instead of 1500 frames.
    let clock: RenderPlan['clock'];
    if (!('video' in opts.background) && !opts.layers?.some((l) => l.kind === 'video')) {
      const picture = clockFrame('color' in opts.background ? opts.background.color : '#000000', format, FPS);
      const clockName = `clock.${picture.ext}`;
      await fs.writeFile(path.join(work, clockName), picture.data);
      const cuts = [
        ...runStarts(plan),
        ...idleMoves(avatar, plan.totalFrames, FPS, format),
        ...assChangeFrames(ass, FPS),
      ];
      const concatFile = path.join(work, 'clock.ffconcat');
      await fs.writeFile(
        concatFile,
        holdList(
          segments(cuts, plan.totalFrames).map((g) => ({ file: clockName, frames: g.frames })),
          FPS,
        ),
      );
      clock = { concatFile };
    }

    const args = composeArgs({
      width: opts.width,
      height: opts.height,
      fps: FPS,
      durationSec,
      background: opts.background,
      ...(clock ? { clock } : {}),
      avatar,
      ...(opts.layers?.length ? { layers: opts.layers } : {}),
      ...soundOf(opts, audioPath),
      ...(subtitles ? { subtitles } : {}),
      output: { path: opts.outputPath, format },
    });

    const t1 = performance.now();
    await runFfmpeg(tools, args, durationSec, opts);
    const ffmpegMs = performance.now() - t1;
    opts.onProgress?.(1);
    return {
      path: opts.outputPath,
      durationMs: Math.round(durationSec * 1000),
      frames: plan.totalFrames,
      distinctFrames: plan.keys.length,
      subtitlesBurned: !!subtitles && cues.length > 0,
      timingsMs: { precompose: Math.round(precomposeMs), ffmpeg: Math.round(ffmpegMs) },
    };
  } catch (e) {
    // An abort during precomposition surfaces as a DOMException; callers get one error kind.
    if (signal?.aborted && !(e instanceof MediaError))
      throw new MediaError('ABORTED', 'render was cancelled', { cause: signal.reason });
    throw e;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** The ASS script of the subtitles and text layers, when there are any and libass is here. */
async function burnIn(
  tools: MediaTools,
  opts: RenderOptions,
  work: string,
  totalFrames: number,
): Promise<{ subtitles: { assFile: string; fontsDir?: string } | undefined; ass: string; cues: Cue[] }> {
  let subtitles: { assFile: string; fontsDir?: string } | undefined;
  let ass = '';
  const cues = opts.subtitles?.cues ?? [];
  const texts = opts.texts ?? [];
  if (cues.length || texts.length) {
    if (!(await ffmpegFilters(tools.ffmpeg.path)).has('ass')) {
      opts.onNotice?.(
        'this ffmpeg has no `ass` filter (libass): subtitles and text layers are not burned in',
      );
    } else {
      const font = findSubtitleFont();
      const hasHan = [...cues.flatMap((c) => c.lines), ...texts.map((t) => t.text)].some((l) =>
        /\p{Script=Han}/u.test(l),
      );
      if (hasHan && !font?.cjk)
        opts.onNotice?.(
          'no CJK font found (the bundled assets/fonts/DoppelSans-SC.otf is missing; restore it or install fonts-noto-cjk): Chinese subtitles may show boxes',
        );
      const style: SubtitleStyle = {
        ...DEFAULT_SUBTITLE_STYLE,
        fontName: font?.family ?? 'sans-serif',
        ...opts.subtitles?.style,
      };
      const assFile = path.join(work, 'subtitles.ass');
      ass = buildAss(cues, style, opts, { items: texts, durationMs: (totalFrames * 1000) / FPS });
      await fs.writeFile(assFile, ass);
      subtitles = font ? { assFile, fontsDir: font.dir } : { assFile };
    }
  }
  return { subtitles, ass, cues };
}

async function runFfmpeg(
  tools: MediaTools,
  args: string[],
  durationSec: number,
  opts: RenderOptions,
): Promise<void> {
  const { signal } = opts;
  let lastReport = 0;
  const r = await runTool(tools.ffmpeg.path, args, {
    ...(signal ? { signal } : {}),
    // Generous: a slow machine at 0.5× realtime still finishes; a wedged ffmpeg does not hang a worker.
    timeoutMs: Math.max(120_000, durationSec * 20_000),
    maxStdoutBytes: 64 * 1024 * 1024,
    onStdout: (chunk) => {
      const t = parseProgressTime(chunk.toString('latin1'));
      const now = Date.now();
      if (t === undefined || !opts.onProgress || now - lastReport < 500) return;
      lastReport = now;
      opts.onProgress(Math.min(1, Math.max(0, t / durationSec)));
    },
  });
  if (r.code !== 0) {
    throw new MediaError('FAILED', `ffmpeg could not render the video (exit ${r.code})`, {
      detail: summarizeStderr(r.stderr),
    });
  }
}

/** renderVideo with a neural renderer's clip as the avatar (RenderOptions.avatarVideo). */
async function composeNeural(
  tools: MediaTools,
  opts: RenderOptions,
  ctx: {
    work: string;
    audioPath: string;
    place: { x: number; y: number; scale: number };
    totalFrames: number;
  },
): Promise<RenderResult> {
  const video = opts.avatarVideo as NonNullable<RenderOptions['avatarVideo']>;
  const { subtitles, cues } = await burnIn(tools, opts, ctx.work, ctx.totalFrames);
  const durationSec = ctx.totalFrames / FPS;
  const canvas = opts.avatar.canvas;
  const layers: OverlayLayer[] = [...(opts.layers ?? [])];
  if (video.alpha)
    layers.push({
      kind: 'video',
      path: video.path,
      x: ctx.place.x,
      y: ctx.place.y,
      width: canvas.width * ctx.place.scale,
      height: canvas.height * ctx.place.scale,
      z: opts.avatarZ ?? 0,
      loop: false,
      ...(video.decoder ? { decoder: video.decoder } : {}),
    });
  else
    opts.onNotice?.(
      'the neural renderer sent an opaque video: it covers the frame, background and placement are not used',
    );
  const args = composeArgs({
    width: opts.width,
    height: opts.height,
    fps: FPS,
    durationSec,
    background: video.alpha ? opts.background : { video: video.path },
    ...(layers.length ? { layers } : {}),
    ...soundOf(opts, ctx.audioPath),
    ...(subtitles ? { subtitles } : {}),
    output: { path: opts.outputPath, format: opts.format ?? 'mp4' },
  });
  const t1 = performance.now();
  await runFfmpeg(tools, args, durationSec, opts);
  opts.onProgress?.(1);
  return {
    path: opts.outputPath,
    durationMs: Math.round(durationSec * 1000),
    frames: ctx.totalFrames,
    distinctFrames: 0,
    subtitlesBurned: !!subtitles && cues.length > 0,
    timingsMs: { precompose: 0, ffmpeg: Math.round(performance.now() - t1) },
  };
}

/** The plan's sound: the speech with the music under it, or nothing for a picture-only clip. */
function soundOf(
  opts: Pick<RenderOptions, 'music' | 'pictureOnly'>,
  audioPath: string,
): Pick<RenderPlan, 'speech' | 'music'> {
  if (opts.pictureOnly) return {};
  return {
    speech: audioPath,
    ...(opts.music ? { music: { path: opts.music.path, volumeDb: opts.music.volumeDb ?? -18 } } : {}),
  };
}
