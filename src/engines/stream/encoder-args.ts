// The argv of a live stream's processes. Pure and unit-tested.
//
// The encoder (one per stream) reads the avatar's face box as raw RGBA frames on pipe:0 and the
// stream's PCM on pipe:3, draws them over the background and the avatar's still body (which
// sway and breathe by the render engine's overlay expressions), encodes H.264 + AAC once and
// writes it twice through the tee muxer: an HLS playlist with short segments on disk, and an
// FLV copy on stdout. The RTMP push is a separate `-c copy` relay fed from that stdout, so a
// dropped or refused RTMP connection never stops the encoder (or the HLS preview), and a
// reconnect is a new relay joining mid-stream, given the stream's FLV preamble first
// (flv-tags.ts). MPEG-TS was tried for the relay and dropped: a relay joining a TS mid-stream
// writes FLV without the H.264 sequence header and the ingest cannot decode the picture.
import { type AvatarLayer, ffColor, overlayPosition } from '../render/compose-args.ts';
import { FPS } from '../render/viseme-track.ts';
import { SAMPLE_RATE } from './clip.ts';

export type StreamBackground = { color: string } | { image: string };

/** A picture drawn over the avatar (a product, a SHOW_LAYER reply): a PNG/JPEG file, scaled to its box. */
export interface StreamLayer {
  image: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EncoderPlan {
  width: number;
  height: number;
  bitrateKbps: number;
  background: StreamBackground;
  /** The avatar's body picture (PAM), placement and idle motion; the face box size. */
  avatar: AvatarLayer;
  face: { width: number; height: number };
  /** `append`: a restarted encoder (a host switch) goes on with the playlist it finds. */
  hls: { dir: string; segmentSec: number; listSize: number; append?: boolean };
  /** x264 preset (default superfast: a 1080p stream at ~0.4 core). */
  preset?: string;
  /** H.264 profile (default high). WebRTC viewers get constrained baseline (webrtc.ts). */
  profile?: string;
  /** Frames between keyframes (default one HLS segment). A WebRTC viewer's first picture waits for one. */
  gopFrames?: number;
  /** Pictures over the avatar, bottom first (inputs 4…, each looped like an image background). */
  layers?: readonly StreamLayer[];
}

export const HLS_PLAYLIST = 'index.m3u8';

export function sameLayers(a: readonly StreamLayer[], b: readonly StreamLayer[]): boolean {
  return a.length === b.length && a.every((l, i) => JSON.stringify(l) === JSON.stringify(b[i]));
}

export function encoderArgs(plan: EncoderPlan): string[] {
  const { width: W, height: H } = plan;
  const gop = plan.gopFrames ?? Math.max(1, Math.round(plan.hls.segmentSec * FPS));
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats'];
  // 0: faces (the clock of the whole graph: one frame in, one frame out), 1: PCM, 2: body, 3: bg.
  // Raw inputs need no probing; the default (up to 5 s of data) only delays the start.
  const raw = ['-thread_queue_size', '64', '-probesize', '32', '-analyzeduration', '0'];
  args.push(
    ...raw,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgba',
    '-s',
    `${plan.face.width}x${plan.face.height}`,
    '-framerate',
    String(FPS),
    '-i',
    'pipe:0',
  );
  args.push(...raw, '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', '1', '-i', 'pipe:3');
  args.push('-i', plan.avatar.base);
  const bg = plan.background;
  if ('color' in bg) args.push('-f', 'lavfi', '-i', `color=c=${ffColor(bg.color)}:s=${W}x${H}:r=${FPS}`);
  else args.push('-i', bg.image);
  const layers = plan.layers ?? [];
  for (const l of layers) args.push('-i', l.image);
  const a = plan.avatar;
  const body = overlayPosition(a, FPS, 'mp4');
  const face = overlayPosition(a, FPS, 'mp4', a.faceAt.x, a.faceAt.y);
  const bgChain =
    'color' in bg
      ? '[3:v]setsar=1[bg]'
      : `[3:v]scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1,loop=loop=-1:size=1,setpts=N/(${FPS}*TB)[bg]`;
  const graph = [
    bgChain,
    '[2:v]format=yuva420p[body]',
    '[0:v]format=yuva420p[face]',
    `[bg][body]overlay=x='${body.x}':y='${body.y}':eval=frame:format=yuv420[s0]`,
    `[s0][face]overlay=x='${face.x}':y='${face.y}':eval=frame:format=yuv420:shortest=1${layers.length ? '[l0]' : ',format=yuv420p[v]'}`,
    // A layer: one picture scaled to its box, overlaid as the still body is (its one frame is
    // repeated; the main input ends the graph). Looping it instead, with shortest=1, lost the
    // last frame at the encoder's end, a 40 ms hole in the timestamps at each restart.
    ...layers.flatMap((l, i) => [
      `[${4 + i}:v]scale=${l.width}:${l.height},format=yuva420p,setsar=1[li${i}]`,
      `[l${i}][li${i}]overlay=x=${l.x}:y=${l.y}:format=yuv420${i === layers.length - 1 ? ',format=yuv420p[v]' : `[l${i + 1}]`}`,
    ]),
    // Keeps the audio timestamps counted in samples (no resync stretching on a busy machine).
    '[1:a]aresample=async=0,aformat=channel_layouts=stereo[a]',
  ];
  const k = plan.bitrateKbps;
  args.push('-filter_complex', graph.join(';'), '-map', '[v]', '-map', '[a]');
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    plan.preset ?? 'superfast',
    '-tune',
    'zerolatency',
    '-profile:v',
    plan.profile ?? 'high',
    '-pix_fmt',
    'yuv420p',
    '-r',
    String(FPS),
    '-b:v',
    `${k}k`,
    '-maxrate',
    `${k}k`,
    '-bufsize',
    `${k * 2}k`,
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    // Codec headers out of band (FLV needs them) and repeated in band (each HLS segment
    // decodes on its own).
    '-flags',
    '+global_header',
    '-x264-params',
    'repeat-headers=1',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ar',
    String(SAMPLE_RATE),
  );
  const seg = `${plan.hls.dir.replace(/[\\|[\]]/g, (c) => `\\${c}`)}`;
  const hls = [
    'f=hls',
    `hls_time=${plan.hls.segmentSec}`,
    `hls_list_size=${plan.hls.listSize}`,
    `hls_flags=delete_segments+independent_segments+omit_endlist${plan.hls.append ? '+append_list' : ''}`,
    `hls_segment_filename=${seg}/seg%06d.ts`,
  ].join(':');
  args.push('-f', 'tee', `[${hls}]${seg}/${HLS_PLAYLIST}|[f=flv:flvflags=no_duration_filesize]pipe:1`);
  return args;
}

/** The RTMP relay: the encoder's FLV on stdin, copied to the ingest URL. */
export function relayArgs(rtmpUrl: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    // The stream's codecs are in the preamble it is given (flv-tags.ts): no long probe.
    '-analyzeduration',
    '500000',
    '-probesize',
    '500000',
    '-f',
    'flv',
    '-i',
    'pipe:0',
    '-map',
    '0:v',
    '-map',
    '0:a',
    '-c',
    'copy',
    '-f',
    'flv',
    rtmpUrl,
  ];
}

/**
 * `rtmp://host/app` + stream key → the push URL. A key is appended as the last path segment
 * (what OBS and the platforms do); an output URL that already ends in the key is kept.
 */
export function rtmpTarget(outputUrl: string, streamKey: string | undefined): string {
  const base = outputUrl.replace(/\/+$/, '');
  if (!streamKey) return base;
  return base.endsWith(`/${streamKey}`) ? base : `${base}/${streamKey}`;
}
