// A running stream's picture and sound for browsers, over WebRTC (the dialog page): one RTP
// relay per stream (rtp-relay.ts: the encoder's H.264 copied, its AAC turned into Opus) and
// one werift peer per viewer, signalled WHEP-style (one offer in, one answer out, ICE
// gathered first, no trickle). The H.264 is copied, never encoded again: one encode per
// stream whatever the number of viewers, and no second encoder's delay; only the sound is
// transcoded (browsers have no AAC in WebRTC). VP8 was measured too and not used: it would
// mean a second video encode, and ffmpeg's VP8 packetiser needs its PictureID rewritten.
//
// Traps handled (docs/dialog-media.md): werift's default public STUN server and its choice of
// interfaces (host candidates on the given addresses only); its RTCP sender reports carry a
// whole-second NTP time, which makes Chromium's lip-sync drift video by up to ~280 ms, so
// video and audio go in separate MediaStreams (no lip-sync: each plays as it arrives, both
// within tens of ms); ffmpeg does not honour a PLI, so a new viewer is given video from the
// next keyframe on (the dialog encoder's GOP is 1 s, see DIALOG_ENCODER). After an interrupt
// the old answer's sound still in the encoder and the relay goes out as Opus silence in the
// same RTP slots (audio-cut.ts), so the browser stops hearing it as soon as what it has
// buffered has played.
import { randomUUID } from 'node:crypto';
import type { MediaStreamTrack, RTCPeerConnection } from 'werift';
import { FPS } from '../render/viseme-track.ts';
import { afterCut } from './audio-cut.ts';
import { h264StartsKeyframe, narrowOffer, OfferError, RtpContinuity, rtpPayload } from './rtp-packets.ts';
import { RtpRelay } from './rtp-relay.ts';
import type { LiveStream } from './stream.ts';

export { OfferError } from './rtp-packets.ts';

/** Encoder settings for a stream watched over WebRTC (StreamOptions.encoder): what the offer is narrowed to, a keyframe a second. */
export const DIALOG_ENCODER = { profile: 'baseline', gopFrames: FPS } as const;

interface Viewer {
  pc: RTCPeerConnection;
  video: MediaStreamTrack;
  audio: MediaStreamTrack;
  /** Video flows once the peer is connected and a keyframe starts. */
  videoOpen: boolean;
}

/** How long an answer may wait for ICE gathering (host candidates only: milliseconds in practice). */
const GATHER_TIMEOUT_MS = 5000;
/** A viewer that has not connected this long after its answer is dropped. */
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * werift (with its x509, DTLS and mDNS dependencies) is loaded on the first viewer, not at
 * boot: an idle server that never answers an offer does not hold it (≈ 30 MB).
 */
let weriftModule: Promise<typeof import('werift')> | undefined;
const loadWerift = () => {
  weriftModule ??= import('werift');
  return weriftModule;
};

export class WebRtcOut {
  private readonly peers = new Map<string, Viewer>();
  private relay!: RtpRelay;
  private unsubscribe: () => void = () => {};
  /** Sequence numbers and timestamps continue across relay restarts (every viewer's tracks). */
  private readonly videoClock = new RtpContinuity(90_000);
  private readonly audioClock = new RtpContinuity(48_000);
  private closed = false;
  private cutAt: () => number | undefined = () => undefined;
  private tap: ((packet: Buffer, mediaMs: number | undefined) => void) | undefined;

  private constructor(private readonly iceAddresses: string[]) {}

  static async start<P = unknown>(opts: {
    ffmpegPath: string;
    stream: LiveStream<P>;
    iceAddresses?: string[];
    /** Sees every audio packet as it goes to the viewers (after an interrupt's silencing; tests). */
    onAudio?: (packet: Buffer, mediaMs: number | undefined) => void;
  }): Promise<WebRtcOut> {
    const out = new WebRtcOut(opts.iceAddresses ?? ['127.0.0.1']);
    out.cutAt = () => opts.stream.audioCut();
    out.tap = opts.onAudio;
    out.relay = await RtpRelay.start({
      ffmpegPath: opts.ffmpegPath,
      preamble: () => opts.stream.flvPreamble(),
      onVideo: (p) => out.video(p),
      onAudio: (p, ms) => out.audio(p, ms),
    });
    out.unsubscribe = opts.stream.addOutputListener((tag) => out.relay.write(tag));
    return out;
  }

  /** One viewer: the browser's SDP offer → Doppel's SDP answer (non-trickle: ICE gathered). */
  async answer(offerSdp: string): Promise<{ viewerId: string; sdp: string }> {
    if (this.closed) throw new Error('the WebRTC output is closed');
    const offer = narrowOffer(offerSdp);
    const { MediaStream, MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, useNACK, usePLI } =
      await loadWerift();
    if (this.closed) throw new Error('the WebRTC output is closed');
    const pc = new RTCPeerConnection({
      iceServers: [],
      iceAdditionalHostAddresses: this.iceAddresses,
      iceUseIpv4: false,
      iceUseIpv6: false,
      codecs: {
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/H264',
            clockRate: 90000,
            rtcpFeedback: [useNACK(), usePLI()],
            parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
          }),
        ],
        audio: [
          new RTCRtpCodecParameters({
            mimeType: 'audio/opus',
            clockRate: 48000,
            channels: 2,
            parameters: 'minptime=10;useinbandfec=1',
          }),
        ],
      },
    });
    const viewerId = randomUUID();
    const viewer: Viewer = {
      pc,
      video: new MediaStreamTrack({ kind: 'video' }),
      audio: new MediaStreamTrack({ kind: 'audio' }),
      videoOpen: false,
    };
    try {
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      } catch (e) {
        throw new OfferError(`the offer could not be used: ${(e as Error).message}`);
      }
      // Separate streams: no lip-sync on werift's coarse sender-report clock (header comment).
      pc.addTrack(viewer.video, new MediaStream([viewer.video]));
      pc.addTrack(viewer.audio, new MediaStream([viewer.audio]));
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      const sdp = pc.localDescription?.sdp;
      if (!sdp) throw new Error('werift produced no answer');
      this.peers.set(viewerId, viewer);
      let connected = false;
      pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') connected = true;
        if (state === 'failed' || state === 'closed') this.drop(viewerId);
      });
      setTimeout(() => connected || this.drop(viewerId), CONNECT_TIMEOUT_MS).unref();
      return { viewerId, sdp };
    } catch (e) {
      await pc.close().catch(() => {});
      throw e;
    }
  }

  viewers(): number {
    return this.peers.size;
  }

  /** The relay's process id (CPU accounting). */
  pids(): number[] {
    return this.relay.pid ? [this.relay.pid] : [];
  }

  /** Closes every peer and the relay. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.all(peers.map((v) => v.pc.close().catch(() => {})));
    await this.relay.close();
  }

  private drop(id: string): void {
    const v = this.peers.get(id);
    if (!v) return;
    this.peers.delete(id);
    void v.pc.close().catch(() => {});
  }

  private video(packet: Buffer): void {
    this.videoClock.rewrite(packet, performance.now());
    let keyframe: boolean | undefined;
    for (const v of this.peers.values()) {
      if (!v.videoOpen) {
        if (v.pc.connectionState !== 'connected') continue;
        keyframe ??= h264StartsKeyframe(rtpPayload(packet) ?? Buffer.alloc(0));
        if (!keyframe) continue;
        v.videoOpen = true;
      }
      v.video.writeRtp(packet);
    }
  }

  /** Sound from before the latest interrupt goes out as silence (audio-cut.ts), in the same slots. */
  private audio(relayed: Buffer, mediaMs: number | undefined): void {
    const packet = afterCut(relayed, mediaMs, this.cutAt());
    this.audioClock.rewrite(packet, performance.now());
    this.tap?.(packet, mediaMs);
    for (const v of this.peers.values()) if (v.pc.connectionState === 'connected') v.audio.writeRtp(packet);
  }
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unSubscribe();
      reject(new Error('ICE gathering did not complete'));
    }, GATHER_TIMEOUT_MS);
    const sub = pc.iceGatheringStateChange.subscribe((s) => {
      if (s !== 'complete') return;
      clearTimeout(timer);
      sub.unSubscribe();
      resolve();
    });
  });
}
