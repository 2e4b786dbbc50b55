// The WebRTC output's pure parts: RTP payload offsets, H.264 keyframe detection (a new
// viewer's video starts there), the offer checks and narrowing, the relay's argv, the
// dialog encoder settings leaving the live-job argv as it was by default, and the interrupt
// cut (audio-cut.ts: the old answer's sound still in the pipe goes out as silence).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  afterCut,
  DIALOG_ENCODER,
  encoderArgs,
  FlvSplitter,
  h264StartsKeyframe,
  narrowOffer,
  OfferError,
  OPUS_SILENCE_FRAME,
  opusSilence,
  RtpContinuity,
  RtpMediaClock,
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

/** An Opus RTP packet as the relay sends it: 12-byte header, a payload that is not silence. */
const opusPkt = (ssrc: number, seq: number, ts: number, payload = Buffer.alloc(160, 0xaa)) => {
  const b = Buffer.alloc(12);
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  return Buffer.concat([b, payload]);
};
const isSilence = (b: Buffer) => rtpPayload(b)!.equals(OPUS_SILENCE_FRAME);

test('opusSilence keeps the whole RTP header (CSRCs, extension, marker) and drops the padding', () => {
  const p = rtp([1, 2, 3, 4, 5], { csrc: 1, ext: [7, 7, 7, 7], pad: 4 });
  p[1] = 0x80 | 111; // marker set
  p.writeUInt16BE(4321, 2);
  p.writeUInt32BE(99_000, 4);
  p.writeUInt32BE(0xdeadbeef, 8);
  const s = opusSilence(p);
  assert.notEqual(s, p, "a new buffer: the relay's packet is not changed");
  assert.deepEqual([...rtpPayload(s)!], [...OPUS_SILENCE_FRAME]);
  assert.equal(s[0]! & 0x20, 0, 'no padding');
  assert.equal(s[0]! & 0x0f, 1, 'the CSRC count kept');
  assert.equal(s[0]! & 0x10, 0x10, 'the extension kept');
  assert.equal(s[1], 0x80 | 111);
  assert.deepEqual([s.readUInt16BE(2), s.readUInt32BE(4), s.readUInt32BE(8)], [4321, 99_000, 0xdeadbeef]);
  assert.deepEqual(s.subarray(12, 24), p.subarray(12, 24), 'CSRC and extension bytes');
  assert.equal(opusSilence(Buffer.alloc(4)).length, 4, 'not RTP: left alone');
});

test('RtpMediaClock: each relay process is anchored at its first audio tag; the RTP clock wraps', () => {
  const c = new RtpMediaClock(48_000);
  assert.equal(c.mediaMs(opusPkt(1, 0, 5000)), undefined, 'no audio tag given yet');
  c.restart(2021);
  assert.equal(c.mediaMs(opusPkt(1, 10, 4_294_966_336)), 2021);
  assert.equal(c.mediaMs(opusPkt(1, 11, 0)), 2041, 'across the 2^32 wrap');
  assert.equal(c.mediaMs(opusPkt(1, 12, 960)), 2061);
  // The relay died and a new process was given its first tag at 9001: a new SSRC, new offset.
  c.restart(9001);
  assert.equal(c.mediaMs(opusPkt(2, 777, 123)), 9001);
  assert.equal(c.mediaMs(opusPkt(2, 778, 123 + 960)), 9021);
  assert.equal(c.mediaMs(Buffer.alloc(8)), undefined);
});

/**
 * The WebRTC output's audio path without sockets: relay packets (20 ms each, their media time
 * from the RtpMediaClock) through afterCut and RtpContinuity, as webrtc.ts sends them.
 */
function audioPath() {
  const clock = new RtpMediaClock(48_000);
  const continuity = new RtpContinuity(48_000);
  let cut: number | undefined;
  const sent: Array<{ packet: Buffer; mediaMs: number }> = [];
  return {
    sent,
    interrupt: (atMs: number) => {
      cut = atMs;
    },
    restart: (ms: number) => clock.restart(ms),
    relay: (packet: Buffer, wallMs: number) => {
      const mediaMs = clock.mediaMs(packet)!;
      const out = afterCut(packet, mediaMs, cut);
      continuity.rewrite(out, wallMs);
      sent.push({ packet: out, mediaMs });
    },
  };
}

const assertContinuous = (sent: Array<{ packet: Buffer }>) => {
  for (let i = 1; i < sent.length; i++) {
    const a = sent[i - 1]!.packet;
    const b = sent[i]!.packet;
    assert.equal(b.readUInt16BE(2), (a.readUInt16BE(2) + 1) & 0xffff, `seq continues at ${i}`);
    assert.equal(b.readUInt32BE(4), (a.readUInt32BE(4) + 960) >>> 0, `timestamp continues at ${i}`);
  }
};

test('after an interrupt, the old answer still in the pipe goes out as silence in the same slots', () => {
  const p = audioPath();
  p.restart(1000);
  const old = Buffer.alloc(150, 0x5a);
  // The old answer plays from 1000; 30 packets (to 1600) have gone out when the user interrupts.
  for (let i = 0; i < 30; i++) p.relay(opusPkt(7, 100 + i, 50_000 + i * 960, old), i * 20);
  // The stream's next written frame is at 2000: everything stamped before it is the old answer.
  p.interrupt(2000);
  for (let i = 30; i < 70; i++) p.relay(opusPkt(7, 100 + i, 50_000 + i * 960, old), i * 20);
  const before = p.sent.slice(0, 30);
  const stale = p.sent.filter((s) => s.mediaMs >= 1600 && s.mediaMs < 2000);
  const fresh = p.sent.filter((s) => s.mediaMs >= 2000);
  assert.equal(stale.length, 20);
  assert.ok(
    before.every((s) => !isSilence(s.packet)),
    'what went out before the interrupt is untouched',
  );
  assert.ok(
    stale.every((s) => isSilence(s.packet)),
    'the rest of the old answer is silence',
  );
  // From the cut on the packets are the stream's own (its idle silence, here a payload of
  // its own to tell them apart): passed as they are.
  assert.ok(fresh.every((s) => rtpPayload(s.packet)!.equals(old)));
  assert.equal(fresh.length, 20);
  assertContinuous(p.sent);
});

test('a question right after an interrupt is heard from its first packet, in every order', () => {
  const answer = Buffer.alloc(200, 0x33);
  const old = Buffer.alloc(150, 0x5a);
  // (a) INTERRUPT_CHAT, then TEXT_DRIVE: the new answer's first frame is the first after the cut.
  // (b) TEXT_DRIVE while speaking: the session interrupts (cut) and the answer starts 3 frames on.
  // (c) INTERRUPT_CHAT, then TEXT_DRIVE, which interrupts again a frame later (the cut moves on).
  const cases = [
    { cuts: [2000], answerAt: 2000 },
    { cuts: [2000], answerAt: 2120 },
    { cuts: [2000, 2040], answerAt: 2040 },
  ];
  for (const c of cases) {
    const p = audioPath();
    p.restart(1000);
    let seq = 0;
    const send = (ms: number, wall: number) => {
      const payload = ms < c.cuts[0]! ? old : ms >= c.answerAt ? answer : Buffer.alloc(3, 0x11);
      p.relay(opusPkt(9, seq, 10_000 + ((ms - 1000) / 20) * 960, payload), wall);
      seq++;
    };
    for (let ms = 1000; ms < 1600; ms += 20) send(ms, ms);
    for (const cut of c.cuts) p.interrupt(cut);
    for (let ms = 1600; ms < 3000; ms += 20) send(ms, ms);
    const heard = p.sent.filter((s) => s.mediaMs >= c.answerAt);
    assert.equal(heard.length, (3000 - c.answerAt) / 20, JSON.stringify(c));
    assert.ok(
      heard.every((s) => rtpPayload(s.packet)!.equals(answer)),
      `the new answer passes untouched: ${JSON.stringify(c)}`,
    );
    assert.ok(
      p.sent.filter((s) => s.mediaMs >= 1600 && s.mediaMs < c.cuts[0]!).every((s) => isSilence(s.packet)),
      `the old answer's tail is silenced: ${JSON.stringify(c)}`,
    );
    assertContinuous(p.sent);
  }
});

test('the cut holds across a relay restart, and unknown times pass unchanged', () => {
  const p = audioPath();
  p.restart(1000);
  for (let i = 0; i < 10; i++) p.relay(opusPkt(1, 500 + i, 7_000 + i * 960), i * 20);
  p.interrupt(1500);
  // The relay dies; the new one is fed from the next keyframe (1300) with a random SSRC, seq and clock.
  p.restart(1300);
  for (let i = 0; i < 20; i++) p.relay(opusPkt(2, 40_000 + i, 3_000_000_000 + i * 960), 1300 + i * 20);
  const replayed = p.sent.slice(10);
  assert.ok(
    replayed.slice(0, 10).every((s) => isSilence(s.packet)),
    'stale (1300–1480) after the restart too',
  );
  assert.ok(
    replayed.slice(10).every((s) => !isSilence(s.packet)),
    'from 1500 on untouched',
  );
  assert.equal(afterCut(opusPkt(1, 1, 1), undefined, 1500).length, 172, 'no media time: unchanged');
  assert.equal(afterCut(opusPkt(1, 1, 1), 10, undefined).length, 172, 'no interrupt yet: unchanged');
});

test('FlvSplitter gives each audio and video tag its timestamp (with the extended byte)', () => {
  const tag = (type: number, ms: number, data: number[]) => {
    const h = Buffer.alloc(11);
    h[0] = type;
    h.writeUIntBE(data.length, 1, 3);
    h.writeUIntBE(ms & 0xffffff, 4, 3);
    h[7] = (ms >>> 24) & 0xff;
    const size = Buffer.alloc(4);
    size.writeUInt32BE(11 + data.length);
    return Buffer.concat([h, Buffer.from(data), size]);
  };
  const header = Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]);
  const units = new FlvSplitter().push(
    Buffer.concat([
      header,
      tag(9, 21, [0x17, 1, 0, 0, 0]),
      tag(8, 42, [0xaf, 1, 9]),
      tag(8, 0x1234567, [0xaf, 1]),
    ]),
  );
  assert.deepEqual(
    units.map((u) => (u.kind === 'audio' || u.kind === 'video' ? `${u.kind}@${u.ms}` : u.kind)),
    ['header', 'video@21', 'audio@42', `audio@${0x1234567}`],
  );
});
