// `npm run bench:render [-- --seconds 60 --rounds 2]`: the 2D renderer against the physical floor.
//
//   avatar Mei     renderVideo with the shipped system avatar assets/avatars/mei (1080×1080
//                  canvas, scaled to the output height, idle sway): --seconds of real eSpeak
//                  speech, burned subtitles, colour background → H.264/AAC MP4
//   avatar test    the same with the generated 400×400 test avatar (test/helpers/avatar.ts)
//   plain colour   ffmpeg alone encoding a colour of the same size, fps and length with the same
//                  audio, codec, preset and CRF: what any encode costs here (the floor)
//   plain testsrc  the same with the busy testsrc pattern, once per size, for scale
//
// The machine may be shared: each size runs --rounds rounds of Mei, plain colour and the test
// avatar, interleaved, and keeps the best of each (every run is printed). Printed per size (720p,
// 1080p): wall seconds, × realtime, Mei's precompose share, and the avatar/plain colour ratio.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { resolveMediaTools, runTool } from '../../src/core/media/index.ts';
import {
  type AvatarPackage,
  loadAvatarPackage,
  parseAvatarPackage,
  renderVideo,
} from '../../src/engines/render/index.ts';
import { createSpeechService } from '../../src/engines/speech/index.ts';
import { buildCues } from '../../src/engines/speech/srt.ts';
import { avatarFiles } from '../../test/helpers/avatar.ts';

const { values: opts } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, rounds: { type: 'string', default: '2' } },
});
const seconds = Number(opts.seconds);
const rounds = Math.max(1, Number(opts.rounds));
const tools = resolveMediaTools({
  FFMPEG_PATH: process.env.FFMPEG_PATH,
  FFPROBE_PATH: process.env.FFPROBE_PATH,
  PATH: process.env.PATH,
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-bench-render-'));
const speech = createSpeechService({ poolSize: 1 });

try {
  // Speech long enough, cut to exactly `seconds` worth of timings.
  const sentence = 'The quick avatar reads this sentence aloud, and then it pauses for a breath. ';
  let text = '';
  while (text.length < seconds * 20) text += sentence;
  const syn = await speech.synthesizeAll({
    script: { original: text, pieces: [{ kind: 'speak', text, source: [0, text.length] }] },
    voice: { engine: 'espeak', language: 'en', params: { voice: 'en-us' } },
    prosody: { speed: 100, pitch: 100, volume: 140 },
  });
  const keep = Math.min(syn.samples.length, Math.round(seconds * syn.sampleRate));
  const synthesis = {
    ...syn,
    samples: syn.samples.subarray(0, keep),
    durationMs: (keep / syn.sampleRate) * 1000,
    phonemes: syn.phonemes.filter((p) => p.endMs <= seconds * 1000),
    words: syn.words.filter((w) => w.endMs <= seconds * 1000),
  };
  const wav = path.join(dir, 'speech.wav');
  fs.writeFileSync(wav, encodeWavPcm16(synthesis.samples, synthesis.sampleRate));
  const cues = buildCues(synthesis.words, text);
  const mei = await loadAvatarPackage(fileURLToPath(new URL('../../assets/avatars/mei', import.meta.url)));
  const testAvatar = parseAvatarPackage(avatarFiles({ idle: true }));
  const dur = synthesis.durationMs / 1000;
  const version = (await runTool(tools.ffmpeg.path, ['-hide_banner', '-version'])).stdout.split('\n')[0];
  console.log(`${version}`);
  console.log(
    `${tools.ffmpeg.path}; ${os.availableParallelism()} cores; load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${dur.toFixed(1)} s of speech; best of ${rounds}, interleaved`,
  );

  const time = async <T>(fn: () => Promise<T>): Promise<{ sec: number; value: T }> => {
    const t0 = performance.now();
    const value = await fn();
    return { sec: (performance.now() - t0) / 1000, value };
  };
  const plain = (w: number, h: number, src: string) =>
    time(async () => {
      const r = await runTool(
        tools.ffmpeg.path,
        [
          ...[
            '-hide_banner',
            '-nostdin',
            '-y',
            '-v',
            'error',
            '-f',
            'lavfi',
            '-i',
            `${src}:s=${w}x${h}:r=25`,
          ],
          ...['-i', wav, '-t', dur.toFixed(3), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20'],
          ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart'],
          path.join(dir, 'plain.mp4'),
        ],
        { timeoutMs: 600_000 },
      );
      if (r.code !== 0) throw new Error(r.stderr);
    });
  const avatarRun = (avatar: AvatarPackage, w: number, h: number) =>
    time(() =>
      renderVideo(tools, {
        avatar,
        speech: { synthesis },
        width: w,
        height: h,
        background: { color: '#203040' },
        subtitles: { cues },
        outputPath: path.join(dir, 'avatar.mp4'),
        workDir: dir,
      }),
    );

  const fmt = (s: number) => `${s.toFixed(2).padStart(6)} s ${(dur / s).toFixed(1).padStart(5)}× realtime`;
  const runs = (xs: number[]) => `runs ${xs.map((s) => s.toFixed(2)).join(' ')}`;
  for (const [w, h] of [
    [1280, 720],
    [1920, 1080],
  ]) {
    const meiSec: number[] = [];
    const meiPre: number[] = [];
    const colorSec: number[] = [];
    const testSec: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const m = await avatarRun(mei, w, h);
      meiSec.push(m.sec);
      meiPre.push(m.value.timingsMs.precompose / 1000);
      colorSec.push((await plain(w, h, 'color=c=0x203040')).sec);
      testSec.push((await avatarRun(testAvatar, w, h)).sec);
    }
    const testsrcSec = (await plain(w, h, 'testsrc=d=3600')).sec;
    const best = (xs: number[]) => Math.min(...xs);
    const plainBest = best(colorSec);
    const ratio = (s: number) => `avatar/plain ${(s / plainBest).toFixed(2)}`;
    const at = meiSec.indexOf(best(meiSec));
    console.log(`${h}p (${w}×${h})`);
    console.log(
      `  avatar Mei     ${fmt(best(meiSec))}  ${ratio(best(meiSec))}  (precompose ${meiPre[at].toFixed(2)} s)  ${runs(meiSec)}`,
    );
    console.log(`  avatar test    ${fmt(best(testSec))}  ${ratio(best(testSec))}  ${runs(testSec)}`);
    console.log(`  plain colour   ${fmt(plainBest)}                    ${runs(colorSec)}`);
    console.log(
      `  plain testsrc  ${fmt(testsrcSec)}  Mei/testsrc ${(best(meiSec) / testsrcSec).toFixed(2)}  (one run)`,
    );
  }
} finally {
  await speech.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
