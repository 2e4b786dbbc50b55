// A multi-scene video: each scene is rendered on its own (its background, layers, avatar
// placement, speech and subtitles), then the clips are joined in order with the picture
// copied, not re-encoded, and one sound track rebuilt from the scenes' speech with the music
// running under the whole video (compose-args muxArgs). A single scene is one renderVideo.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeWavPcm16 } from '../../core/media/encode.ts';
import { MediaError, summarizeStderr } from '../../core/media/errors.ts';
import { runTool } from '../../core/media/run.ts';
import type { MediaTools } from '../../core/media/tools.ts';
import type { Cue } from '../speech/srt.ts';
import { muxArgs, parseProgressTime } from './compose-args.ts';
import { type RenderOptions, type RenderSpeech, renderVideo } from './render.ts';
import type { SubtitleStyle } from './subtitles-ass.ts';
import { FPS, frameCount } from './viseme-track.ts';

/** One scene: what renderVideo takes for it, and its subtitle cues in the scene's own time. */
export type SceneInput = Pick<
  RenderOptions,
  'speech' | 'background' | 'placement' | 'avatarZ' | 'avatarVideo' | 'layers' | 'texts'
> & {
  cues?: Cue[];
};

export type RenderScenesOptions = Pick<
  RenderOptions,
  | 'avatar'
  | 'width'
  | 'height'
  | 'music'
  | 'format'
  | 'outputPath'
  | 'workDir'
  | 'seed'
  | 'signal'
  | 'onProgress'
  | 'onNotice'
> & {
  scenes: SceneInput[];
  /** One style for every scene's subtitles. */
  subtitleStyle?: Partial<SubtitleStyle>;
};

export interface RenderScenesResult {
  path: string;
  durationMs: number;
  frames: number;
  /** Each scene's length in the video (whole frames). */
  sceneDurationsMs: number[];
  subtitlesBurned: boolean;
}

const speechDurationMs = (s: RenderSpeech): number =>
  'synthesis' in s ? s.synthesis.durationMs : s.durationMs;

export async function renderScenes(
  tools: MediaTools,
  opts: RenderScenesOptions,
): Promise<RenderScenesResult> {
  if (opts.scenes.length === 0) throw new RangeError('a video needs at least one scene');
  const format = opts.format ?? 'mp4';
  const sceneOptions = (s: SceneInput, i: number) => ({
    avatar: opts.avatar,
    speech: s.speech,
    width: opts.width,
    height: opts.height,
    background: s.background,
    ...(s.placement ? { placement: s.placement } : {}),
    ...(s.avatarZ !== undefined ? { avatarZ: s.avatarZ } : {}),
    ...(s.avatarVideo ? { avatarVideo: s.avatarVideo } : {}),
    ...(s.layers ? { layers: s.layers } : {}),
    ...(s.texts ? { texts: s.texts } : {}),
    ...(s.cues?.length
      ? { subtitles: { cues: s.cues, ...(opts.subtitleStyle ? { style: opts.subtitleStyle } : {}) } }
      : {}),
    format,
    ...(opts.workDir ? { workDir: opts.workDir } : {}),
    seed: (opts.seed ?? 1) + i,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onNotice ? { onNotice: opts.onNotice } : {}),
  });

  if (opts.scenes.length === 1) {
    const r = await renderVideo(tools, {
      ...sceneOptions(opts.scenes[0], 0),
      ...(opts.music ? { music: opts.music } : {}),
      outputPath: opts.outputPath,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    return { ...r, sceneDurationsMs: [r.durationMs] };
  }

  const work = await fs.mkdtemp(path.join(opts.workDir ?? os.tmpdir(), 'doppel-scenes-'));
  try {
    // Progress: scenes by their share of the frames; the join is quick and takes the last 3 %.
    const frames = opts.scenes.map((s) => frameCount(speechDurationMs(s.speech)));
    const total = frames.reduce((a, b) => a + b, 0) || 1;
    let done = 0;
    const clips: string[] = [];
    const mux: Array<{ speech: string; durationSec: number }> = [];
    let subtitlesBurned = false;
    for (const [i, scene] of opts.scenes.entries()) {
      // The speech as a file, written once: the scene render and the join both read it.
      let speech = scene.speech;
      if ('synthesis' in speech) {
        const syn = speech.synthesis;
        const audioPath = path.join(work, `scene-${i}.wav`);
        await fs.writeFile(audioPath, encodeWavPcm16(syn.samples, syn.sampleRate));
        speech = { audioPath, durationMs: syn.durationMs, phonemes: syn.phonemes };
      }
      const clip = path.join(work, `scene-${i}.${format}`);
      const r = await renderVideo(tools, {
        ...sceneOptions({ ...scene, speech }, i),
        pictureOnly: true,
        outputPath: clip,
        onProgress: (f) => opts.onProgress?.((0.97 * (done + f * frames[i])) / total),
      });
      done += frames[i];
      subtitlesBurned ||= r.subtitlesBurned;
      clips.push(clip);
      mux.push({ speech: speech.audioPath, durationSec: r.frames / FPS });
    }
    const concatFile = path.join(work, 'scenes.ffconcat');
    // Each clip's length is stated (its whole frames at 25 fps), so the demuxer places every
    // clip right after the previous one instead of trusting the container's own duration, which
    // may be a frame longer or shorter and would leave a gap (or an overlap) at the join.
    // Names are relative to the list, which sits beside the clips (ffmpeg resolves them so).
    const list = clips.map(
      (c, k) => `file '${path.basename(c)}'\nduration ${mux[k].durationSec.toFixed(6)}\n`,
    );
    await fs.writeFile(concatFile, `ffconcat version 1.0\n${list.join('')}`);
    const totalSec = mux.reduce((t, s) => t + s.durationSec, 0);
    const args = muxArgs({
      concatFile,
      scenes: mux,
      ...(opts.music ? { music: { path: opts.music.path, volumeDb: opts.music.volumeDb ?? -18 } } : {}),
      output: { path: opts.outputPath, format },
    });
    const r = await runTool(tools.ffmpeg.path, args, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      timeoutMs: Math.max(120_000, totalSec * 5_000),
      maxStdoutBytes: 64 * 1024 * 1024,
      onStdout: (chunk) => {
        const t = parseProgressTime(chunk.toString('latin1'));
        if (t !== undefined) opts.onProgress?.(0.97 + 0.03 * Math.min(1, t / totalSec));
      },
    });
    if (r.code !== 0) {
      throw new MediaError('FAILED', `ffmpeg could not join the scenes (exit ${r.code})`, {
        detail: summarizeStderr(r.stderr),
      });
    }
    opts.onProgress?.(1);
    const sceneFrames = mux.map((s) => Math.round(s.durationSec * FPS));
    return {
      path: opts.outputPath,
      durationMs: Math.round(totalSec * 1000),
      frames: sceneFrames.reduce((a, b) => a + b, 0),
      sceneDurationsMs: sceneFrames.map((f) => (f * 1000) / FPS),
      subtitlesBurned,
    };
  } catch (e) {
    if (opts.signal?.aborted && !(e instanceof MediaError))
      throw new MediaError('ABORTED', 'render was cancelled', { cause: opts.signal.reason });
    throw e;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
