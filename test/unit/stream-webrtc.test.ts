// The WebRTC output's pure parts: RTP payload offsets, H.264 keyframe detection (a new
// viewer's video starts there), the offer checks and narrowing, the relay's argv, and the
// dialog encoder settings leaving the live-job argv as it was by default.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DIALOG_ENCODER,
  encoderArgs,
  h264StartsKeyframe,
  narrowOffer,
  OfferError,
  RtpContinuity,
  rtpPayload,
  rtpRelayArgs,
} from '../../src/engines/stream/index.ts';

const rtp = (payload: number[], opts: { csrc?: number; ext?: number[]; pad?: number } = {}) => {
  const csrc = opts.csrc ?? 0;
  const b0 = 0x80 | (opts.ext ? 0x10 : 0) | (opts.pad ? 0x20 : 0) | csrc;
  const head = Buffer.alloc(12 + csrc * 4);
  head[0] = b0;
  head[1] = 96;
  const ext = opts.ext ? Buffer.from([0xbe, 0xde, 0, opts.ext.length / 4, ...opts.ext]) : Buffer.alloc(0);
  const pad = opts.pad ? Buffer.from([...Array(opts.pad - 1).fill(0), opts.pad]) : Buffer.alloc(0);
  return Buffer.concat([head, ext, Buffer.from(payload), pad]);
};

test('rtpPayload skips CSRCs, the header extension and padding; refuses what is not RTP', () => {
  assert.deepEqual([...rtpPayload(rtp([1, 2, 3]))!], [1, 2, 3]);
  assert.deepEqual([...rtpPayload(rtp([4, 5], { csrc: 2 }))!], [4, 5]);
  assert.deepEqual([...rtpPayload(rtp([6], { ext: [9, 9, 9, 9] }))!], [6]);
  assert.deepEqual([...rtpPayload(rtp([7, 8], { pad: 3 }))!], [7, 8]);
  assert.equal(rtpPayload(Buffer.alloc(5)), undefined);
  assert.equal(rtpPayload(Buffer.alloc(20)), undefined, 'version 0');
});

test('h264StartsKeyframe: IDR and SPS alone, in a STAP-A, or at the start of an FU-A only', () => {
  assert.equal(h264StartsKeyframe(Buffer.from([0x65, 1])), true, 'IDR');
  assert.equal(h264StartsKeyframe(Buffer.from([0x67, 1])), true, 'SPS');
  assert.equal(h264StartsKeyframe(Buffer.from([0x41, 1])), false, 'non-IDR slice');
  assert.equal(h264StartsKeyframe(Buffer.from([0x06, 1])), false, 'SEI');
  // STAP-A with an SEI then an SPS; and one with two non-IDR slices.
  assert.equal(h264StartsKeyframe(Buffer.from([0x78, 0, 2, 0x06, 0, 0, 2, 0x67, 0])), true);
  assert.equal(h264StartsKeyframe(Buffer.from([0x78, 0, 2, 0x41, 0, 0, 2, 0x41, 0])), false);
  assert.equal(h264StartsKeyframe(Buffer.from([0x7c, 0x85, 1])), true, 'FU-A start of an IDR');
  assert.equal(h264StartsKeyframe(Buffer.from([0x7c, 0x05, 1])), false, 'FU-A middle of an IDR');
  assert.equal(h264StartsKeyframe(Buffer.from([0x7c, 0x81, 1])), false, 'FU-A start of a P slice');
  assert.equal(h264StartsKeyframe(Buffer.alloc(0)), false);
});

// A trimmed Chromium offer: VP8 first, H.264 without packetization mode 1 before the one we want.
const OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:0123456789012345678901',
  'a=fingerprint:sha-256 00:11',
  'a=mid:0',
  'a=recvonly',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:102 H264/90000',
  'a=rtcp-fb:102 nack',
  'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
  'a=rtpmap:103 rtx/90000',
  'a=fmtp:103 apt=102',
  'a=rtpmap:104 H264/90000',
  'a=rtcp-fb:104 nack pli',
  'a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtpmap:105 rtx/90000',
  'a=fmtp:105 apt=104',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=recvonly',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

test('narrowOffer keeps one H.264 (packetization-mode=1) with its rtx, and Opus', () => {
  const sdp = narrowOffer(OFFER);
  const lines = sdp.split('\r\n');
  assert.ok(lines.includes('m=video 9 UDP/TLS/RTP/SAVPF 104 105'), sdp);
  assert.ok(lines.includes('m=audio 9 UDP/TLS/RTP/SAVPF 111'), sdp);
  assert.ok(lines.includes('a=rtcp-fb:104 nack pli'));
  assert.ok(lines.includes('a=fmtp:105 apt=104'));
  assert.ok(!sdp.includes('VP8') && !sdp.includes('PCMU') && !sdp.includes(':102 '), sdp);
  assert.ok(lines.includes('a=ice-ufrag:abcd') && lines.includes('a=mid:1'));
  assert.ok(sdp.endsWith('\r\n'));
  // Constrained baseline is preferred over another profile listed first.
  const high = OFFER.replace(
    'packetization-mode=0;profile-level-id=42e01f',
    'packetization-mode=1;profile-level-id=640c1f',
  );
  assert.ok(narrowOffer(high).includes('m=video 9 UDP/TLS/RTP/SAVPF 104 105'));
});

test('narrowOffer refuses what the relay cannot serve, naming why', () => {
  const bad: Array<[string, RegExp]> = [
    ['hello', /start with v=0/],
    [OFFER.replace(/a=ice-ufrag:abcd\r\n/, ''), /ICE credentials/],
    [OFFER.replace(/packetization-mode=1/, 'packetization-mode=0'), /no H\.264/],
    [OFFER.replace(/opus/, 'ISAC'), /no Opus/],
    [OFFER.slice(0, OFFER.indexOf('m=audio')), /one audio and one video/],
    [`v=0\r\n${'a=x\r\n'.repeat(20_000)}`, /exceeds/],
  ];
  for (const [sdp, why] of bad)
    assert.throws(
      () => narrowOffer(sdp),
      (e: Error) => e instanceof OfferError && why.test(e.message),
    );
});

test('the relay copies H.264 to one RTP port and sends Opus to another; RTCP to a third', () => {
  const args = rtpRelayArgs({ video: 5000, audio: 5002, rtcp: 5004 });
  const at = (flag: string, from = 0) => args[args.indexOf(flag, from) + 1];
  assert.equal(at('-c:v'), 'copy');
  assert.equal(at('-c:a'), 'libopus');
  assert.equal(at('-ar'), '48000');
  assert.ok(args.includes('rtp://127.0.0.1:5000?pkt_size=1200&rtcpport=5004'));
  assert.equal(args.at(-1), 'rtp://127.0.0.1:5002?pkt_size=1200&rtcpport=5004');
});

test('dialog encoder settings: baseline and a keyframe a second; live jobs keep their argv', () => {
  const plan = {
    width: 640,
    height: 360,
    bitrateKbps: 800,
    background: { color: '#102030' },
    avatar: { base: '/w/base.pam', faces: '', x: 10, y: 20, faceAt: { x: 4, y: 6 } },
    face: { width: 200, height: 120 },
    hls: { dir: '/w/hls', segmentSec: 2, listSize: 6 },
  };
  const live = encoderArgs(plan);
  assert.equal(live[live.indexOf('-profile:v') + 1], 'high');
  assert.equal(live[live.indexOf('-g') + 1], '50');
  const dialog = encoderArgs({ ...plan, ...DIALOG_ENCODER });
  assert.equal(dialog[dialog.indexOf('-profile:v') + 1], 'baseline');
  assert.equal(dialog[dialog.indexOf('-g') + 1], '25');
  assert.equal(dialog[dialog.indexOf('-keyint_min') + 1], '25');
  assert.equal(dialog.length, live.length);
});

test('RtpContinuity: a new source continues the sequence and the clock where the old one stopped', () => {
  const pkt = (ssrc: number, seq: number, ts: number) => {
    const b = Buffer.alloc(14);
    b[0] = 0x80;
    b.writeUInt16BE(seq, 2);
    b.writeUInt32BE(ts, 4);
    b.writeUInt32BE(ssrc, 8);
    return b;
  };
  const head = (b: Buffer) => [b.readUInt16BE(2), b.readUInt32BE(4)];
  const c = new RtpContinuity(90_000);
  // The first source passes unchanged.
  assert.deepEqual(head(c.rewrite(pkt(1, 65535, 4_294_967_000), 0)), [65535, 4_294_967_000]);
  assert.deepEqual(head(c.rewrite(pkt(1, 0, 3000), 40)), [0, 3000]);
  // A restarted relay 1 s later: next sequence number, 90 000 ticks on (wrapping as uint32).
  assert.deepEqual(head(c.rewrite(pkt(2, 1234, 777), 1040)), [1, 93_000]);
  assert.deepEqual(head(c.rewrite(pkt(2, 1235, 777 + 3600), 1080)), [2, 96_600]);
  const wrap = new RtpContinuity(48_000);
  wrap.rewrite(pkt(1, 10, 4_294_967_290), 0);
  assert.deepEqual(head(wrap.rewrite(pkt(9, 500, 5), 20)), [11, (4_294_967_290 + 960) >>> 0]);
});
