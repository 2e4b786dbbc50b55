// Pure pieces of the WebRTC output (webrtc.ts): where an RTP packet's payload starts, whether
// an H.264 packet begins a keyframe (a new viewer is given video from there on, as ffmpeg's
// encoder cannot be asked for one), and the checks and narrowing of a browser's SDP offer.
//
// The offer is narrowed to the one codec per kind the relay sends (H.264 with
// packetization-mode=1, constrained baseline preferred; Opus) before werift reads it: werift
// answers with every remote codec of a matching MIME type and sends with the first, which in
// Chromium's offer is not necessarily a packetization-mode=1 H.264 the relay's FU-A fragments
// are allowed in.

/** The RTP payload of a packet (after CSRCs and any header extension), or undefined if malformed. */
export function rtpPayload(packet: Buffer): Buffer | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return undefined;
  let at = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < at + 4) return undefined;
    at += 4 + packet.readUInt16BE(at + 2) * 4;
  }
  let end = packet.length;
  if (packet[0]! & 0x20) end -= packet[packet.length - 1]!; // padding
  return at <= end ? packet.subarray(at, end) : undefined;
}

const IDR = 5;
const SPS = 7;
const STAP_A = 24;
const FU_A = 28;

/** Does this H.264 RTP payload (RFC 6184) start an IDR picture or its SPS? */
export function h264StartsKeyframe(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const type = payload[0]! & 0x1f;
  if (type === IDR || type === SPS) return true;
  if (type === FU_A) {
    if (payload.length < 2) return false;
    const fu = payload[1]!;
    return (fu & 0x80) !== 0 && ((fu & 0x1f) === IDR || (fu & 0x1f) === SPS);
  }
  if (type === STAP_A) {
    for (let at = 1; at + 2 < payload.length; ) {
      const size = payload.readUInt16BE(at);
      const nal = payload[at + 2]! & 0x1f;
      if (nal === IDR || nal === SPS) return true;
      at += 2 + size;
    }
  }
  return false;
}

/** Largest offer accepted (the route's body limit too). */
export const MAX_OFFER_BYTES = 64 * 1024;

export class OfferError extends Error {}

interface Section {
  kind: string;
  lines: string[];
}

function sections(sdp: string): { session: string[]; media: Section[] } {
  const session: string[] = [];
  const media: Section[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line === '') continue;
    if (line.startsWith('m=')) media.push({ kind: line.slice(2).split(' ')[0]!, lines: [line] });
    else if (media.length) media.at(-1)!.lines.push(line);
    else session.push(line);
  }
  return { session, media };
}

/** payload type → its rtpmap name (lower case) and fmtp parameters. */
function codecsOf(s: Section): Map<string, { name: string; fmtp: Record<string, string> }> {
  const out = new Map<string, { name: string; fmtp: Record<string, string> }>();
  for (const l of s.lines) {
    const m = /^a=rtpmap:(\d+) ([^/]+)\//.exec(l);
    if (m) out.set(m[1]!, { name: m[2]!.toLowerCase(), fmtp: {} });
  }
  for (const l of s.lines) {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(l);
    const c = m && out.get(m[1]!);
    if (c)
      for (const kv of m[2]!.split(';')) {
        const [k, v] = kv.trim().split('=');
        if (k) c.fmtp[k.toLowerCase()] = (v ?? '').toLowerCase();
      }
  }
  return out;
}

/** Keeps only payload type `pt` (and an rtx with apt=pt) in a media section. */
function keepOnly(s: Section, pt: string, codecs: ReturnType<typeof codecsOf>): string[] {
  const keep = new Set([pt]);
  for (const [p, c] of codecs) if (c.name === 'rtx' && c.fmtp.apt === pt) keep.add(p);
  const [m, ...rest] = s.lines;
  const head = m!.split(' ');
  const mline = [...head.slice(0, 3), ...head.slice(3).filter((p) => keep.has(p))].join(' ');
  const perPt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+|\*)[ ]/;
  return [
    mline,
    ...rest.filter((l) => {
      const p = perPt.exec(l)?.[1];
      return p === undefined || p === '*' || keep.has(p);
    }),
  ];
}

/** H.264 variants in order of preference: constrained baseline (what the dialog encoder makes) first. */
function h264Rank(fmtp: Record<string, string>): number {
  if (fmtp['packetization-mode'] !== '1') return -1;
  const profile = (fmtp['profile-level-id'] ?? '42e01f').slice(0, 4);
  return profile === '42e0' ? 3 : profile === '4200' ? 2 : 1;
}

/**
 * Checks a browser's offer and narrows it to H.264 (packetization-mode=1) and Opus. Throws
 * OfferError naming what is wrong: not an SDP, no ICE/DTLS credentials, no video or audio
 * the relay can send.
 */
export function narrowOffer(sdp: string): string {
  if (Buffer.byteLength(sdp) > MAX_OFFER_BYTES)
    throw new OfferError(`the offer exceeds ${MAX_OFFER_BYTES} bytes`);
  if (!/^v=0\r?\n/.test(sdp)) throw new OfferError('the body is not an SDP offer (it must start with v=0)');
  const { session, media } = sections(sdp);
  const all = [...session, ...media.flatMap((s) => s.lines)];
  if (!all.some((l) => l.startsWith('a=ice-ufrag:')) || !all.some((l) => l.startsWith('a=fingerprint:')))
    throw new OfferError('the offer has no ICE credentials or DTLS fingerprint');
  const out = [...session];
  let video = false;
  let audio = false;
  for (const s of media) {
    const codecs = codecsOf(s);
    if (s.kind === 'video' && !video) {
      const best = [...codecs]
        .filter(([, c]) => c.name === 'h264' && h264Rank(c.fmtp) > 0)
        .sort((a, b) => h264Rank(b[1].fmtp) - h264Rank(a[1].fmtp))[0];
      if (!best) throw new OfferError('the offer has no H.264 video with packetization-mode=1');
      out.push(...keepOnly(s, best[0], codecs));
      video = true;
    } else if (s.kind === 'audio' && !audio) {
      const opus = [...codecs].find(([, c]) => c.name === 'opus');
      if (!opus) throw new OfferError('the offer has no Opus audio');
      out.push(...keepOnly(s, opus[0], codecs));
      audio = true;
    } else out.push(...s.lines);
  }
  if (!video || !audio) throw new OfferError('the offer must receive one audio and one video track');
  return `${out.join('\r\n')}\r\n`;
}

/**
 * Keeps one RTP source's sequence numbers and timestamps continuous when its origin changes
 * (a relay started again begins at random ones): the first packet of a new SSRC is placed one
 * sequence number after the last packet sent, and as many clock ticks after it as wall time
 * has passed. Without this, a browser's jitter buffer sees a jump of up to 2^31 and waits or
 * drops. Rewrites the packet in place; the SSRC is werift's to set per viewer.
 */
export class RtpContinuity {
  private ssrc: number | undefined;
  private seqOffset = 0;
  private tsOffset = 0;
  private last: { seq: number; ts: number; at: number } | undefined;

  constructor(private readonly clockRate: number) {}

  rewrite(packet: Buffer, nowMs: number): Buffer {
    if (packet.length < 12) return packet;
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const ts = packet.readUInt32BE(4);
    if (ssrc !== this.ssrc) {
      this.ssrc = ssrc;
      if (this.last) {
        const ticks = Math.max(1, Math.round(((nowMs - this.last.at) * this.clockRate) / 1000));
        this.seqOffset = (this.last.seq + 1 - seq) & 0xffff;
        this.tsOffset = (this.last.ts + ticks - ts) >>> 0;
      }
    }
    const outSeq = (seq + this.seqOffset) & 0xffff;
    const outTs = (ts + this.tsOffset) >>> 0;
    packet.writeUInt16BE(outSeq, 2);
    packet.writeUInt32BE(outTs, 4);
    this.last = { seq: outSeq, ts: outTs, at: nowMs };
    return packet;
  }
}
