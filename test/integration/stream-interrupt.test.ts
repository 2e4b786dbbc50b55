// Interrupt → silence through the real pipe (issue 13): a dialog-shaped LiveStream (the
// generated avatar, the dialog encoder settings, real ffmpeg) speaking a tone, its WebRtcOut's
// relay turning the AAC into Opus, and every audio packet the viewers would be sent seen as it
// goes out. When the stream is interrupted, the old answer's sound already in the encoder and
// the relay must go out as Opus silence in the same RTP slots, and an answer said at once
// after the interrupt must be sent untouched from its first packet.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadAvatarPackage } from '../../src/engines/render/index.ts';
import {
  type Clip,
  DIALOG_ENCODER,
  LiveStream,
  OPUS_SILENCE_FRAME,
  rtpPayload,
  SAMPLES_PER_FRAME,
  WebRtcOut,
} from '../../src/engines/stream/index.ts';
import { avatarFiles } from '../helpers/avatar.ts';
import { envTools } from '../helpers/media-fixtures.ts';

const tools = envTools();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-stream-interrupt-'));
type Tone = { frames: number };
interface Sent {
  packet: Buffer;
  mediaMs: number | undefined;
  /** Sent after interrupt() returned. */
  late: boolean;
}
let stream: LiveStream<Tone>;
let out: WebRtcOut;
const sent: Sent[] = [];
const startedAt = new Map<string, number>();
let interrupted = false;

/** A 440 Hz tone at a quarter of full scale: every Opus packet of it is far larger than silence. */
function tone(frames: number): Clip {
  const samples = new Int16Array(frames * SAMPLES_PER_FRAME);
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48_000));
  return { frames, samples, mouth: Array(frames).fill('sil'), level: 5000 };
}

before(async () => {
  const pkgDir = path.join(dir, 'avatar');
  for (const [name, bytes] of avatarFiles()) {
    fs.mkdirSync(path.dirname(path.join(pkgDir, name)), { recursive: true });
    fs.writeFileSync(path.join(pkgDir, name), bytes);
  }
  const avatar = await loadAvatarPackage(pkgDir);
  stream = await LiveStream.start<Tone>({
    tools,
    avatar,
    width: 640,
    height: 360,
    bitrateKbps: 800,
    background: { color: '#203040' },
    dir: path.join(dir, 'stream'),
    preset: 'ultrafast',
    encoder: DIALOG_ENCODER,
    lookaheadMs: 1500,
    synthesize: async function* (item) {
      yield tone(item.payload.frames);
    },
    // The media time of an item's first frame: 'start' comes just before that frame is written.
    onEvent: (e) => {
      if (e.type === 'start') startedAt.set(e.item.id, stream.mediaTime());
    },
  });
  out = await WebRtcOut.start({
    ffmpegPath: tools.ffmpeg.path,
    stream,
    onAudio: (packet, mediaMs) => sent.push({ packet: Buffer.from(packet), mediaMs, late: interrupted }),
  });
});
after(async () => {
  await out?.close();
  await stream?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isSilence = (p: Buffer) => rtpPayload(p)!.equals(OPUS_SILENCE_FRAME);
/** An Opus packet of the tone (silence and near-silence code to a few dozen bytes at most). */
const sounds = (p: Buffer) => rtpPayload(p)!.length > 60;

test('an interrupt silences the old answer still in the pipe; the next answer is sent from its first packet', async () => {
  // The old answer: 10 s of tone. Wait until its sound is going out.
  stream.say({ id: 'old', kind: 'reply', payload: { frames: 250 } }, 'APPEND');
  for (const end = Date.now() + 30_000; !sent.some((s) => sounds(s.packet)); await sleep(50))
    assert.ok(Date.now() < end, 'the tone reaches the relay output');
  await sleep(1000);
  // INTERRUPT_CHAT, then at once a new question's answer (what ask() does: interrupt, then say).
  stream.interrupt();
  interrupted = true;
  const cut = stream.audioCut();
  assert.ok(cut !== undefined && cut > startedAt.get('old')!, `the cut is on the media clock: ${cut}`);
  stream.say({ id: 'next', kind: 'reply', payload: { frames: 25 } }, 'APPEND');
  for (const end = Date.now() + 30_000; !startedAt.has('next'); await sleep(20))
    assert.ok(Date.now() < end, 'the new answer starts');
  const next = startedAt.get('next')!;
  assert.ok(next >= cut, `the new answer is after the cut (${next} ≥ ${cut})`);
  await sleep(2500);

  const late = sent.filter((s) => s.late);
  const stale = late.filter((s) => s.mediaMs !== undefined && s.mediaMs < cut);
  // Some of the old answer is always still in the pipe (the AAC and Opus encoders alone hold
  // a frame each); all of it goes out as silence.
  assert.ok(stale.length >= 1, 'old sound was still on its way when the interrupt came');
  assert.ok(
    stale.every((s) => isSilence(s.packet)),
    `the old answer's tail is silence: ${stale.map((s) => rtpPayload(s.packet)!.length).join(' ')}`,
  );
  // Before the interrupt nothing was replaced: the tone went out as the relay made it.
  const early = sent.filter(
    (s) => !s.late && s.mediaMs !== undefined && s.mediaMs >= startedAt.get('old')! + 100,
  );
  assert.ok(early.length > 20 && early.every((s) => sounds(s.packet)), 'the tone played untouched before');
  // The new answer (1 s of tone) is heard from its first packet on: 50 packets of sound.
  const heard = late.filter((s) => s.mediaMs !== undefined && s.mediaMs >= next && s.mediaMs < next + 1000);
  assert.equal(heard.length, 50);
  assert.ok(
    heard.every((s) => sounds(s.packet)),
    `the new answer is sent untouched: ${heard.map((s) => rtpPayload(s.packet)!.length).join(' ')}`,
  );
  // One RTP stream throughout: sequence numbers continue from the first packet, and timestamps
  // (20 ms per packet) across the cut, from the first packet of the old tone on. The very first
  // packets are left out of the timestamp check: the 2018 ffmpeg of the bundled media tools
  // steps 952 instead of 960 once while its Opus encoder starts, before anything is cut.
  const settled = sent.indexOf(early[0]!);
  for (let i = 1; i < sent.length; i++) {
    const a = sent[i - 1]!.packet;
    const b = sent[i]!.packet;
    assert.equal(b.readUInt16BE(2), (a.readUInt16BE(2) + 1) & 0xffff, `sequence at packet ${i}`);
    if (i > settled)
      assert.equal(b.readUInt32BE(4), (a.readUInt32BE(4) + 960) >>> 0, `timestamp at packet ${i}`);
  }
});
