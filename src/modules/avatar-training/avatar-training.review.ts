// What the automatic review decides, pure: from the probe of the upload and the faces found in
// frames sampled through it, the list of reasons the upload cannot train an avatar (empty: it
// passes). Every reason says what to change (SEMANTICS §5: mp4, 1080p or 4K, landscape or
// portrait, 3–10 minutes; photos png/jpg/jpeg/webp ≤ 16 MB).
import type { MediaInfo } from '../../core/media/index.ts';
import { type DetectedFace, measureFace } from '../../engines/face/index.ts';

export const MIN_VIDEO_SEC = 180;
export const MAX_VIDEO_SEC = 600;
export const MIN_FPS = 23.9;
export const MAX_FPS = 60.5;
export const MAX_PHOTO_BYTES = 16 * 1024 * 1024;
export const MIN_PHOTO_SIDE = 480;
/** Score below which a detection is not counted as a face. */
export const FACE_MIN_SCORE = 0.5;
/** Head turn (0.5 − nose position between the jaw's sides) and tilt beyond which a face is not frontal. */
export const MAX_YAW = 0.25;
export const MAX_ROLL_DEG = 20;
/** The face box's width against the frame's shorter side. */
export const MIN_FACE_SHARE = 0.1;
/** Share of sampled frames that must show one frontal, large-enough face. */
export const MIN_PRESENT_SHARE = 0.85;

const VIDEO_CODECS = new Set(['h264', 'hevc', 'h265']);
const AUDIO_CODECS = new Set(['aac', 'mp3', 'opus']);
const PHOTO_FORMATS = new Set(['png', 'jpeg', 'webp']);

export interface SampledFrame {
  atSec: number;
  width: number;
  height: number;
  faces: DetectedFace[];
}

export interface ReviewInput {
  info: MediaInfo;
  audioSource: 'VIDEO' | 'AUDIO';
  frames: SampledFrame[];
}

export interface ReviewFacts {
  kind: 'video' | 'photo';
  width?: number;
  height?: number;
  durationSec?: number;
  fps?: number;
  videoCodec?: string;
  audioCodec?: string;
  framesSampled: number;
  framesWithOneFace: number;
}

const fmtTimes = (ts: number[]): string =>
  ts
    .slice(0, 5)
    .map((t) => `${t.toFixed(1)} s`)
    .join(', ') + (ts.length > 5 ? ', …' : '');

/** Whether the file is a still picture (a photo avatar) rather than a video. */
export const isPhoto = (info: MediaInfo): boolean => info.image;

/** The 1080p / 4K classes the docs allow, either way round. */
function resolutionClass(w: number, h: number): '1080P' | '4K' | undefined {
  const long = Math.max(w, h);
  const short = Math.min(w, h);
  if (long === 1920 && short === 1080) return '1080P';
  if (long === 3840 && short === 2160) return '4K';
  return undefined;
}

/** The model resolution a passing upload trains (`model_resolution`). */
export function modelResolution(info: MediaInfo): string {
  const v = info.video;
  if (!v) return '1080P';
  return resolutionClass(v.width, v.height) ?? '1080P';
}

function mediaReasons(input: ReviewInput): string[] {
  const { info } = input;
  const reasons: string[] = [];
  if (isPhoto(info)) {
    if (!info.sniffed || !PHOTO_FORMATS.has(info.sniffed))
      reasons.push('The photo must be a PNG, JPEG or WebP picture.');
    if ((info.sizeBytes ?? 0) > MAX_PHOTO_BYTES)
      reasons.push(
        `The photo is ${((info.sizeBytes ?? 0) / 1048576).toFixed(1)} MB; at most 16 MB is accepted.`,
      );
    const v = info.video;
    if (v && Math.min(v.width, v.height) < MIN_PHOTO_SIDE)
      reasons.push(
        `The photo is ${v.width}×${v.height}; its shorter side must be at least ${MIN_PHOTO_SIDE} px (1080 px or more looks best).`,
      );
    return reasons;
  }
  if (!info.formatNames.includes('mp4'))
    reasons.push(`The video must be an MP4 file (this one is ${info.formatNames[0] ?? 'unknown'}).`);
  const v = info.video;
  if (!v) {
    reasons.push('The file holds no video track.');
    return reasons;
  }
  if (!VIDEO_CODECS.has(v.codec))
    reasons.push(`The video is encoded as ${v.codec}; record or export it as H.264 or H.265.`);
  if (!resolutionClass(v.width, v.height))
    reasons.push(
      `The video is ${v.width}×${v.height}; it must be 1080p (1920×1080 or 1080×1920) or 4K (3840×2160 or 2160×3840).`,
    );
  const d = info.durationSec ?? 0;
  if (d < MIN_VIDEO_SEC)
    reasons.push(
      `The video lasts ${d.toFixed(1)} s; it must last 3 to 10 minutes (at least ${MIN_VIDEO_SEC} s).`,
    );
  else if (d > MAX_VIDEO_SEC)
    reasons.push(
      `The video lasts ${d.toFixed(1)} s; it must last 3 to 10 minutes (at most ${MAX_VIDEO_SEC} s).`,
    );
  if (v.fps === undefined || v.fps < MIN_FPS || v.fps > MAX_FPS)
    reasons.push(
      `The video's frame rate is ${v.fps === undefined ? 'unknown' : `${v.fps.toFixed(2)} fps`}; record at 24 to 60 fps (25 or 30 is best).`,
    );
  if (input.audioSource === 'VIDEO') {
    if (!info.audio)
      reasons.push(
        'The video has no sound; with audio_source_type VIDEO the person must be heard speaking in it.',
      );
    else if (!AUDIO_CODECS.has(info.audio.codec))
      reasons.push(`The video's sound is ${info.audio.codec}; use AAC (or MP3).`);
  }
  return reasons;
}

/** Why one sampled frame is unusable, or undefined when it shows one good face. */
export function frameProblem(f: SampledFrame): 'none' | 'many' | 'turned' | 'small' | undefined {
  const faces = f.faces.filter((x) => x.score >= FACE_MIN_SCORE);
  if (faces.length === 0) return 'none';
  if (faces.length > 1) return 'many';
  const face = faces[0]!;
  const m = measureFace(face);
  if (face.box.width < MIN_FACE_SHARE * Math.min(f.width, f.height)) return 'small';
  if (m.yaw > MAX_YAW || Math.abs(m.rollDeg) > MAX_ROLL_DEG) return 'turned';
  return undefined;
}

function faceReasons(frames: SampledFrame[], photo: boolean): string[] {
  if (frames.length === 0) return ['No frame of the upload could be decoded.'];
  const by = { none: [] as number[], many: [] as number[], turned: [] as number[], small: [] as number[] };
  let good = 0;
  for (const f of frames) {
    const p = frameProblem(f);
    if (p) by[p].push(f.atSec);
    else good++;
  }
  if (good / frames.length >= MIN_PRESENT_SHARE) return [];
  const where = (ts: number[]) =>
    photo ? '' : ` in ${ts.length} of ${frames.length} frames sampled (at ${fmtTimes(ts)})`;
  const reasons: string[] = [];
  if (by.none.length)
    reasons.push(
      `No face was found${where(by.none)}: the person's face must be in view${photo ? '' : ' all through the video'}, lit, and not covered.`,
    );
  if (by.many.length)
    reasons.push(
      `More than one face was found${where(by.many)}: only the person to be modeled may be in the picture.`,
    );
  if (by.turned.length)
    reasons.push(
      `The face is turned or tilted away from the camera${where(by.turned)}: look straight into the lens.`,
    );
  if (by.small.length)
    reasons.push(
      `The face is too small${where(by.small)}: it must be at least a tenth of the picture's width; move closer to the camera.`,
    );
  return reasons;
}

export function reviewUpload(input: ReviewInput): { reasons: string[]; facts: ReviewFacts } {
  const photo = isPhoto(input.info);
  const v = input.info.video;
  const facts: ReviewFacts = {
    kind: photo ? 'photo' : 'video',
    ...(v ? { width: v.width, height: v.height, videoCodec: v.codec } : {}),
    ...(v?.fps !== undefined && !photo ? { fps: v.fps } : {}),
    ...(input.info.durationSec !== undefined && !photo ? { durationSec: input.info.durationSec } : {}),
    ...(input.info.audio ? { audioCodec: input.info.audio.codec } : {}),
    framesSampled: input.frames.length,
    framesWithOneFace: input.frames.filter((f) => !frameProblem(f)).length,
  };
  return { reasons: [...mediaReasons(input), ...faceReasons(input.frames, photo)], facts };
}

/** How many frames the review samples: one per 20 s of video, 6 to 12; a photo is one frame. */
export const reviewSampleCount = (info: MediaInfo): number =>
  isPhoto(info) ? 1 : Math.max(6, Math.min(12, Math.round((info.durationSec ?? 0) / 20)));
