// The RTP side of a stream's WebRTC output: one ffmpeg per stream reading the encoder's FLV
// (the stream's preamble, then tags from the next keyframe) on stdin, copying the H.264 into
// RTP and transcoding the AAC to Opus (48 kHz, 20 ms frames: what every browser decodes),
// each to a UDP socket of ours on 127.0.0.1. The packets are handed to webrtc.ts, which
// writes them to every viewer's tracks, each audio packet with the media time its sound
// begins at (audio-cut.ts: what an interrupt silences). ffmpeg's RTCP sender reports go to a
// third socket and are dropped: werift sends its own to the browsers. A relay that dies is
// started again (the encoder and the other outputs never notice).
import dgram from 'node:dgram';
import { type LiveProcess, spawnLiveProcess } from '../../core/media/live-process.ts';
import { RtpMediaClock } from './audio-cut.ts';
import type { FlvUnit } from './flv-tags.ts';

export interface RtpPorts {
  video: number;
  audio: number;
  /** Where ffmpeg's own RTCP goes (ignored). */
  rtcp: number;
}

/** The relay's argv. Pure. */
export function rtpRelayArgs(ports: RtpPorts): string[] {
  const url = (port: number) => `rtp://127.0.0.1:${port}?pkt_size=1200&rtcpport=${ports.rtcp}`;
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-nostats',
    // The preamble names both codecs: no probing, no input buffering (each tag is live).
    '-fflags',
    'nobuffer',
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    '-f',
    'flv',
    '-i',
    'pipe:0',
    '-map',
    '0:v',
    '-c:v',
    'copy',
    '-f',
    'rtp',
    '-payload_type',
    '96',
    url(ports.video),
    '-map',
    '0:a',
    '-c:a',
    'libopus',
    '-application',
    'lowdelay',
    '-frame_duration',
    '20',
    '-b:a',
    '64k',
    '-ar',
    '48000',
    '-ac',
    '2',
    '-f',
    'rtp',
    '-payload_type',
    '111',
    url(ports.audio),
  ];
}

/** Bytes the relay may have queued in its stdin before tags are dropped (a few seconds). */
const MAX_QUEUED = 4 * 1024 * 1024;

export interface RtpRelayOptions {
  ffmpegPath: string;
  /** The stream's FLV beginning (header, metadata, sequence headers). */
  preamble: () => Buffer | undefined;
  onVideo: (packet: Buffer) => void;
  /** An Opus packet and where on the stream's media clock (FLV ms) its sound begins, once known. */
  onAudio: (packet: Buffer, mediaMs: number | undefined) => void;
}

export class RtpRelay {
  private proc: LiveProcess | undefined;
  private flowing = false;
  /** This process has been given an audio tag (its RTP clock is anchored to that tag's time). */
  private audioFed = false;
  private readonly clock = new RtpMediaClock(48_000);
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  lastError = '';

  private constructor(
    private readonly opts: RtpRelayOptions,
    private readonly sockets: { video: dgram.Socket; audio: dgram.Socket; rtcp: dgram.Socket },
  ) {}

  static async start(opts: RtpRelayOptions): Promise<RtpRelay> {
    const bind = async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(0, '127.0.0.1', () => {
          s.off('error', reject);
          resolve();
        });
      });
      return s;
    };
    const sockets = { video: await bind(), audio: await bind(), rtcp: await bind() };
    // Only the relay may speak to these sockets.
    sockets.video.on('message', (m, from) => {
      if (from.address === '127.0.0.1') opts.onVideo(m);
    });
    sockets.rtcp.on('message', () => {});
    const r = new RtpRelay(opts, sockets);
    sockets.audio.on('message', (m, from) => {
      if (from.address === '127.0.0.1') opts.onAudio(m, r.clock.mediaMs(m));
    });
    r.spawn();
    return r;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** One FLV tag of the stream (LiveStream.addOutputListener). */
  write(tag: FlvUnit): void {
    const p = this.proc;
    if (!p || tag.kind === 'header' || tag.kind === 'script') return;
    if (!this.flowing) {
      const preamble = this.opts.preamble();
      if (!preamble || tag.kind !== 'video' || !tag.keyframe) return;
      p.stdin.write(preamble);
      this.flowing = true;
    }
    if (p.stdin.writableLength > MAX_QUEUED) return;
    if (tag.kind === 'audio' && !tag.sequenceHeader && !this.audioFed) {
      this.audioFed = true;
      this.clock.restart(tag.ms);
    }
    p.stdin.write(tag.bytes);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const p = this.proc;
    this.proc = undefined;
    if (p) {
      p.stdin.end();
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 2000))]);
      p.kill();
    }
    for (const s of Object.values(this.sockets)) s.close();
  }

  private spawn(): void {
    if (this.closed) return;
    const ports = {
      video: this.sockets.video.address().port,
      audio: this.sockets.audio.address().port,
      rtcp: this.sockets.rtcp.address().port,
    };
    const proc = spawnLiveProcess(this.opts.ffmpegPath, rtpRelayArgs(ports));
    this.proc = proc;
    this.flowing = false;
    this.audioFed = false;
    proc.stdout.resume();
    void proc.exited.then((r) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      this.lastError = r.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 256);
      this.timer = setTimeout(() => this.spawn(), 1000);
    });
  }
}
