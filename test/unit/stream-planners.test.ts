// The stream engine's pure parts: the play queue's placement rules, pacing, blinks, clips,
// the encoder/relay argv, the FLV tag splitter and the joiner of successive encoders' output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AvatarPackage } from '../../src/engines/render/index.ts';
import {
  BlinkClock,
  type Clip,
  encoderArgs,
  FlvJoiner,
  FlvPreamble,
  FlvSplitter,
  makeClip,
  PlayQueue,
  paceStep,
  progressSentFrames,
  reconnectDelayMs,
  relayArgs,
  resampleTo48k,
  rtmpTarget,
  SAMPLES_PER_FRAME,
} from '../../src/engines/stream/index.ts';

const clip = (frames: number): Clip => ({
  frames,
  samples: new Int16Array(frames * SAMPLES_PER_FRAME),
  mouth: Array(frames).fill('aa'),
  level: 1,
});
const item = (id: string, kind: 'script' | 'reply' = 'reply') => ({ id, kind, payload: id });

/** Plays `n` frames; returns the id on the playhead per frame ('-' idle) and the events. */
function play(q: PlayQueue<string>, n: number) {
  const ids: string[] = [];
  const events: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = q.frame();
    ids.push(f.entry?.item.id ?? '-');
    for (const e of f.events) events.push(`${e.type}:${e.item.id}`);
  }
  return { ids, events };
}
const ready = (q: PlayQueue<string>, id: string, ...frames: number[]) => {
  const e = q.entries.find((x) => x.item.id === id);
  assert.ok(e, id);
  e.clips.push(...frames.map(clip));
  e.done = true;
};

test('play queue: a script plays sentence by sentence and ends', () => {
  const q = new PlayQueue<string>();
  q.add(item('p1', 'script'), 'SCRIPT');
  ready(q, 'p1', 2, 2);
  const r = play(q, 6);
  assert.deepEqual(r.ids, ['p1', 'p1', 'p1', 'p1', '-', '-']);
  assert.deepEqual(r.events, ['start:p1', 'end:p1']);
});

test('play queue: PLAY_NOW cuts the sentence, which restarts after the reply', () => {
  const q = new PlayQueue<string>();
  q.add(item('p1', 'script'), 'SCRIPT');
  ready(q, 'p1', 3, 2);
  play(q, 2); // two frames into p1's first sentence
  q.add(item('r'), 'PLAY_NOW');
  ready(q, 'r', 1);
  const r = play(q, 8);
  // The reply, then p1's first sentence from its start (3 frames), then its second (2).
  assert.deepEqual(r.ids, ['r', 'p1', 'p1', 'p1', 'p1', 'p1', '-', '-']);
  assert.deepEqual(r.events, ['start:r', 'end:r', 'end:p1']);
});

test('play queue: INSERT waits for the current sentence; APPEND for the current entry', () => {
  const q = new PlayQueue<string>();
  q.add(item('p1', 'script'), 'SCRIPT');
  q.add(item('p2', 'script'), 'SCRIPT');
  ready(q, 'p1', 2, 2);
  ready(q, 'p2', 1);
  play(q, 1);
  q.add(item('a'), 'APPEND');
  q.add(item('i1'), 'INSERT');
  q.add(item('i2'), 'INSERT');
  for (const id of ['a', 'i1', 'i2']) ready(q, id, 1);
  const r = play(q, 8);
  assert.deepEqual(r.ids, ['p1', 'i1', 'i2', 'p1', 'p1', 'a', 'p2', '-']);
});

test('play queue: an entry still synthesising holds the playhead in idle, then continues', () => {
  const q = new PlayQueue<string>();
  const e = q.add(item('p1', 'script'), 'SCRIPT');
  e.clips.push(clip(1));
  assert.deepEqual(play(q, 3).ids, ['p1', '-', '-']);
  assert.equal(q.current()?.entry.item.id, 'p1', 'still the current paragraph');
  e.clips.push(clip(1));
  e.done = true;
  const r = play(q, 2);
  assert.deepEqual(r.ids, ['p1', '-']);
  assert.deepEqual(r.events, ['end:p1']);
});

test('play queue: lookahead, clean-up and failures', () => {
  const q = new PlayQueue<string>();
  const p = q.add(item('p1', 'script'), 'SCRIPT');
  assert.equal(q.nextToPrepare(10), p);
  p.clips.push(clip(12));
  assert.equal(q.nextToPrepare(10), undefined, 'enough is ready');
  p.done = true;
  assert.equal(q.wantsMore(20), true);
  q.add(item('x'), 'APPEND');
  q.add(item('y'), 'INSERT');
  assert.deepEqual(
    q.removeWaiting().map((e) => e.item.id),
    ['y', 'x'],
  );
  const f = q.add(item('z'), 'APPEND');
  q.fail(f);
  const r = play(q, 1);
  assert.deepEqual(r.events, ['end:y', 'end:x', 'end:z', 'start:p1']);
});

test('pacing: frames due by the wall clock; a long stall skips instead of bursting', () => {
  assert.deepEqual(paceStep(0, 0), { send: 1, skip: 0 });
  assert.deepEqual(paceStep(39, 1), { send: 0, skip: 0 });
  assert.deepEqual(paceStep(40, 1), { send: 1, skip: 0 });
  assert.deepEqual(paceStep(400, 1), { send: 10, skip: 0 });
  assert.deepEqual(paceStep(4000, 1), { send: 1, skip: 99 });
});

test('blinks: seeded, four frames each, 2.5-6 s apart, none in the first half second', () => {
  const a = new BlinkClock(7);
  const b = new BlinkClock(7);
  const seq = Array.from({ length: 25 * 60 }, (_, n) => a.eyes(n));
  assert.deepEqual(
    seq,
    Array.from({ length: 25 * 60 }, (_, n) => b.eyes(n)),
  );
  assert.ok(seq.slice(0, 12).every((e) => e === 'open'));
  const starts = seq.flatMap((e, n) => (e === 'half' && seq[n - 1] === 'open' ? [n] : []));
  assert.ok(starts.length >= 9 && starts.length <= 25, `${starts.length} blinks a minute`);
  for (let i = 1; i < starts.length; i++)
    assert.ok(starts[i] - starts[i - 1] >= 62 && starts[i] - starts[i - 1] <= 150);
  assert.deepEqual(seq.slice(starts[0], starts[0] + 4), ['half', 'closed', 'closed', 'half']);
});

test('clips: whole frames of 48 kHz audio, one mouth sprite per frame', () => {
  const avatar = { mouth: { shapes: { sil: {}, aa: {}, E: {} } } } as unknown as AvatarPackage;
  const samples = new Int16Array(22_050).fill(1000); // 1 s at 22.05 kHz
  const c = makeClip(avatar, { samples, sampleRate: 22_050 }, [{ phoneme: 'a', startMs: 100, endMs: 800 }]);
  assert.equal(c.frames, 25);
  assert.equal(c.samples.length, 25 * 1920);
  assert.equal(c.mouth.length, 25);
  assert.ok(c.mouth.includes('aa'));
  assert.ok(c.mouth.every((m) => m === 'aa' || m === 'sil'));
  assert.equal(resampleTo48k(new Int16Array(100), 24_000).length, 200);
});

test('argv: one encoder writing HLS and FLV; a copy relay; push URLs', () => {
  const args = encoderArgs({
    width: 1080,
    height: 1920,
    bitrateKbps: 4000,
    background: { color: '#102030' },
    avatar: { base: '/w/base.pam', faces: '', x: 10, y: 20, faceAt: { x: 4, y: 6 } },
    face: { width: 200, height: 120 },
    hls: { dir: '/w/hls', segmentSec: 2, listSize: 6 },
  });
  const at = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(at('-b:v'), '4000k');
  assert.equal(at('-g'), '50');
  assert.ok(args.includes('pipe:0') && args.includes('pipe:3'));
  assert.ok(args.includes('200x120'));
  assert.match(at('-filter_complex'), /color|\[3:v\]setsar/);
  assert.match(
    args.at(-1) as string,
    /^\[f=hls:.*hls_segment_filename=\/w\/hls\/seg%06d\.ts\]\/w\/hls\/index\.m3u8\|\[f=flv.*\]pipe:1$/,
  );
  assert.doesNotMatch(args.at(-1) as string, /append_list/);
  // After a host switch the new encoder goes on with the playlist (and marks the discontinuity).
  const again = encoderArgs({
    width: 1080,
    height: 1920,
    bitrateKbps: 4000,
    background: { color: '#102030' },
    avatar: { base: '/w/base.pam', faces: '', x: 10, y: 20, faceAt: { x: 4, y: 6 } },
    face: { width: 200, height: 120 },
    hls: { dir: '/w/hls', segmentSec: 2, listSize: 6, append: true },
  });
  assert.match(again.at(-1) as string, /hls_flags=[^:]*\+append_list/);
  const relay = relayArgs('rtmp://127.0.0.1:1935/live/k');
  assert.deepEqual(relay.slice(-3), ['-f', 'flv', 'rtmp://127.0.0.1:1935/live/k']);
  assert.equal(rtmpTarget('rtmp://h/live/', 'k'), 'rtmp://h/live/k');
  assert.equal(rtmpTarget('rtmp://h/live/k', 'k'), 'rtmp://h/live/k');
  assert.equal(rtmpTarget('rtmp://h/live', undefined), 'rtmp://h/live');
  assert.deepEqual([0, 1, 2, 3, 4, 9].map(reconnectDelayMs), [500, 1000, 2000, 4000, 8000, 8000]);
  assert.equal(progressSentFrames('frame=0\nprogress=continue\n'), false);
  assert.equal(progressSentFrames('frame=12\nprogress=continue\n'), true);
});

test('FLV: tags split across chunks; the preamble keeps header, metadata and sequence headers', () => {
  const tag = (type: number, data: number[]) => {
    const b = Buffer.alloc(11 + data.length + 4);
    b[0] = type;
    b.writeUIntBE(data.length, 1, 3);
    Buffer.from(data).copy(b, 11);
    b.writeUInt32BE(11 + data.length, 11 + data.length);
    return b;
  };
  const header = Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]);
  const stream = Buffer.concat([
    header,
    tag(18, [2, 0, 1]),
    tag(9, [0x17, 0, 1, 2]), // AVC sequence header
    tag(8, [0xaf, 0, 9]), // AAC sequence header
    tag(9, [0x27, 1, 5]), // inter frame
    tag(9, [0x17, 1, 5]), // keyframe
  ]);
  const s = new FlvSplitter();
  const units = [...s.push(stream.subarray(0, 30)), ...s.push(stream.subarray(30))];
  assert.deepEqual(
    units.map(
      (u) => `${u.kind}${'keyframe' in u ? `:${u.keyframe ? 'k' : '-'}${u.sequenceHeader ? 's' : ''}` : ''}`,
    ),
    ['header', 'script', 'video:ks', 'audio:ks', 'video:-', 'video:k'],
  );
  const p = new FlvPreamble();
  const kept = units.filter((u) => p.keep(u));
  assert.equal(kept.length, 4);
  assert.equal(p.ready, true);
  assert.equal(p.bytes().length, header.length + 15 + 3 + 15 + 4 + 15 + 3);
});

test('FLV joiner: a second encoder loses its header and same sequence headers, its stamps shifted and rising', () => {
  const tag = (type: number, ms: number, data: number[]) => {
    const b = Buffer.alloc(11 + data.length + 4);
    b[0] = type;
    b.writeUIntBE(data.length, 1, 3);
    b.writeUIntBE(ms & 0xffffff, 4, 3);
    b[7] = ms >>> 24;
    Buffer.from(data).copy(b, 11);
    b.writeUInt32BE(11 + data.length, 11 + data.length);
    return b;
  };
  const header = Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]);
  const encoder = (frames: number, audioTail: boolean) =>
    Buffer.concat([
      header,
      tag(18, 0, [2, 0, 1]),
      tag(9, 0, [0x17, 0, 1, 2]),
      tag(8, 0, [0xaf, 0, 9]),
      ...Array.from({ length: frames }, (_, i) => [
        tag(9, i * 40, [i ? 0x27 : 0x17, 1, i]),
        tag(8, i * 40, [0xaf, 1, i]),
      ]).flat(),
      // A flush that stamps its padded last audio frame like the one before.
      ...(audioTail ? [tag(8, (frames - 1) * 40, [0xaf, 1, 99])] : []),
    ]);
  const j = new FlvJoiner();
  const first = j.push(encoder(3, true));
  j.next(120);
  const second = Buffer.concat([
    j.push(encoder(2, false).subarray(0, 50)),
    j.push(encoder(2, false).subarray(50)),
  ]);
  const units = new FlvSplitter().push(Buffer.concat([first, second]));
  assert.deepEqual(
    units.map((u) => ('ms' in u ? `${u.kind[0]}${u.ms}${u.sequenceHeader ? 's' : ''}` : u.kind)),
    [
      'header',
      'script',
      'v0s',
      'a0s',
      'v0',
      'a0',
      'v40',
      'a40',
      'v80',
      'a80',
      'v120',
      'a120',
      'v160',
      'a160',
    ],
  );
});
