// `npm run bench:live [-- --seconds 60 --soak --streams 3]`: the realtime stream engine with the
// shipped avatar Mei at 1920×1080, 3000 kbit/s, real eSpeak speech, the bundled or system
// ffmpeg. Timings are read from the encoder's own output (its FLV tags), so they include
// encoding and muxing; the RTMP hop on loopback adds nothing measurable and is left out.
//
//   start → first HLS segment   LiveStream.start() until the playlist lists a segment
//   PLAY_NOW → audible          say(PLAY_NOW) until the encoder emits the audio tag carrying the
//                               reply's first frame (synthesis of its first sentence + encode)
//   drift, dropped              over --seconds (default 60; --soak: 600, the 10-minute target):
//                               max |audio − video| output timestamp at each second, frames the
//                               pacer had to skip, and the output frame rate
//   CPU                         Node + encoder per stream, % of one core, over the same period
//   concurrent                  1…--streams streams at once for 30 s: does each hold 25 fps
//                               (output ≥ 24.5 fps over the last 20 s, no dropped frames)?
// The machine may be shared: the load average is printed with the figures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveMediaTools } from '../../src/core/media/index.ts';
import { type AvatarPackage, loadAvatarPackage } from '../../src/engines/render/index.ts';
import { createSpeechService } from '../../src/engines/speech/index.ts';
import { parseSpeechInput } from '../../src/engines/speech/ssml.ts';
import { FlvSplitter, LiveStream, type SpeechItem, speechClips } from '../../src/engines/stream/index.ts';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    soak: { type: 'boolean', default: false },
    streams: { type: 'string', default: '3' },
  },
});
const period = opts.soak ? 600 : Number(opts.seconds);
const maxStreams = Math.max(1, Number(opts.streams));
const tools = resolveMediaTools({ FFMPEG_PATH: process.env.FFMPEG_PATH, PATH: process.env.PATH });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-bench-live-'));
const speech = createSpeechService({ poolSize: 2 });
const VOICE = { engine: 'espeak', language: 'en', params: { voice: 'en-us' } };
const PROSODY = { speed: 100, pitch: 100, volume: 140 };
const PARAGRAPH =
  'Welcome back to the shop. This oak lamp is bright and warm, and it fits every room. Today it comes with a second shade. Ask me anything in the comments.';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Said = { text: string };
interface Watched {
  stream: LiveStream<Said>;
  /** Wall ms at which the first tag with timestamp ≥ t (ms) came out, per kind. */
  tags: { audio: Array<[number, number]>; video: Array<[number, number]> };
  startedAt: number;
  firstSegmentMs?: number;
}

async function startStream(avatar: AvatarPackage, name: string, script = true): Promise<Watched> {
  const split = new FlvSplitter();
  const tags: Watched['tags'] = { audio: [], video: [] };
  const startedAt = performance.now();
  const stream = await LiveStream.start<Said>({
    tools,
    avatar,
    width: 1920,
    height: 1080,
    bitrateKbps: 3000,
    background: { color: '#1d2b3a' },
    dir: path.join(dir, name),
    synthesize: (item, signal) =>
      speechClips(speech, avatar, {
        script: parseSpeechInput(item.payload.text, { maxChars: 5000 }),
        voice: VOICE,
        prosody: PROSODY,
        signal,
      }),
    ...(script
      ? {
          nextScript: (): SpeechItem<Said> => ({
            id: `p${Date.now()}`,
            kind: 'script',
            payload: { text: PARAGRAPH },
          }),
        }
      : {}),
    onOutput: (c) => {
      const now = performance.now();
      for (const u of split.push(c)) {
        if ((u.kind === 'audio' || u.kind === 'video') && !u.sequenceHeader) {
          const ts = u.bytes.readUIntBE(4, 3) | (u.bytes[7] << 24);
          tags[u.kind].push([ts, now]);
        }
      }
    },
  });
  const w: Watched = { stream, tags, startedAt };
  void (async () => {
    while (w.firstSegmentMs === undefined && performance.now() - startedAt < 60_000) {
      if (fs.existsSync(stream.playlist) && /\.ts$/m.test(fs.readFileSync(stream.playlist, 'utf8')))
        w.firstSegmentMs = performance.now() - startedAt;
      else await sleep(20);
    }
  })();
  return w;
}

/** utime + stime of a process, in ms (Linux /proc). */
function cpuMs(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

const outFps = (w: Watched, fromWall: number, toWall: number) =>
  w.tags.video.filter(([, at]) => at >= fromWall && at < toWall).length / ((toWall - fromWall) / 1000);

try {
  const avatar = await loadAvatarPackage(path.join(import.meta.dirname, '../../assets/avatars/mei'));
  await speech.synthesizeAll({
    script: parseSpeechInput('ready', { maxChars: 100 }),
    voice: VOICE,
    prosody: PROSODY,
  });
  const ff = await import('node:child_process').then(
    (cp) => cp.execFileSync(tools.ffmpeg.path, ['-hide_banner', '-version']).toString().split('\n')[0],
  );
  console.log(ff);
  console.log(
    `${tools.ffmpeg.path}; ${os.availableParallelism()} cores; load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );

  // 1. Start → first segment, PLAY_NOW latency, then the period: drift, drops, CPU.
  const w = await startStream(avatar, 'main');
  await sleep(4000);
  const latencies: number[] = [];
  for (let k = 0; k < 3; k++) {
    const replyId = `r${k}`;
    let startFrame: number | undefined;
    const t0 = performance.now();
    const onStart = setInterval(() => {
      const now = w.stream.nowPlaying();
      // Output timestamps count the frames written (a skipped frame is not in the output).
      if (startFrame === undefined && now?.item.id === replyId) startFrame = w.stream.stats().frames - 1;
    }, 5);
    w.stream.say(
      { id: replyId, kind: 'reply', payload: { text: 'Thank you Alice for the lovely gift!' } },
      'PLAY_NOW',
    );
    while (startFrame === undefined && performance.now() - t0 < 20_000) await sleep(5);
    clearInterval(onStart);
    const targetTs = ((startFrame ?? 0) * 1000) / 25;
    let heard: number | undefined;
    while (heard === undefined && performance.now() - t0 < 20_000) {
      heard = w.tags.audio.find(([ts]) => ts >= targetTs)?.[1];
      if (heard === undefined) await sleep(5);
    }
    latencies.push((heard ?? Number.NaN) - t0);
    await sleep(5000);
  }
  const pids = w.stream.pids();
  const cpu0 = pids.map(cpuMs);
  const node0 = process.cpuUsage();
  const wall0 = performance.now();
  const drop0 = w.stream.stats().dropped;
  let drift = 0;
  for (let s = 0; s < period; s++) {
    await sleep(1000);
    const a = w.tags.audio.at(-1)?.[0] ?? 0;
    const v = w.tags.video.at(-1)?.[0] ?? 0;
    // Tags leave in interleaved bursts; compare the stream positions, not a tag's.
    drift = Math.max(drift, Math.abs(a - v));
  }
  const wall1 = performance.now();
  const nodeCpu = process.cpuUsage(node0);
  const cpuEnc = pids.map(cpuMs).reduce((t, c, i) => t + c - cpu0[i], 0);
  const dropped = w.stream.stats().dropped - drop0;
  const fps = outFps(w, wall0, wall1);
  await w.stream.stop();
  const pct = (ms: number) => ((100 * ms) / (wall1 - wall0)).toFixed(0);
  console.log(
    `start → first HLS segment   ${((w.firstSegmentMs ?? Number.NaN) / 1000).toFixed(2)} s (target ≤ 3 s)`,
  );
  console.log(
    `PLAY_NOW → reply audible     ${latencies.map((l) => (l / 1000).toFixed(2)).join(' / ')} s (target ≤ 1.5 s)`,
  );
  console.log(
    `over ${period} s${opts.soak ? ' (soak)' : ' (--soak for 10 min)'}: A/V drift max ${drift} ms (target < 40), dropped ${dropped} frames (target 0), output ${fps.toFixed(2)} fps`,
  );
  console.log(
    `CPU per 1080p stream         Node ${pct((nodeCpu.user + nodeCpu.system) / 1000)} % + encoder ${pct(cpuEnc)} % of one core (eSpeak synthesis runs in its own pool processes, not counted)`,
  );

  // 2. Concurrent streams.
  for (let n = 1; n <= maxStreams; n++) {
    const ws = await Promise.all(Array.from({ length: n }, (_, i) => startStream(avatar, `c${n}-${i}`)));
    const d0 = ws.map((x) => x.stream.stats().dropped);
    await sleep(10_000);
    const from = performance.now();
    await sleep(20_000);
    const to = performance.now();
    const res = ws.map((x, i) => ({ fps: outFps(x, from, to), dropped: x.stream.stats().dropped - d0[i] }));
    await Promise.all(ws.map((x) => x.stream.stop()));
    const hold = res.every((r) => r.fps >= 24.5 && r.dropped === 0);
    console.log(
      `${n} concurrent: ${res.map((r) => `${r.fps.toFixed(1)} fps/${r.dropped} dropped`).join(', ')} → ${hold ? 'holds 25 fps' : 'does not hold'}  (load ${os.loadavg()[0].toFixed(1)})`,
    );
    if (!hold) break;
  }
} finally {
  await speech.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
