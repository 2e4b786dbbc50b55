// `npm run bench:render [-- --seconds 60]`: the 2D renderer against the physical floor.
//
//   avatar    renderVideo: --seconds of real eSpeak speech, a generated avatar scaled to the
//             output height with idle sway, burned subtitles, colour background → H.264/AAC MP4
//   plain     ffmpeg alone encoding the same length and size (a colour, and the testsrc
//             pattern) with the same audio and codec settings: what any encode costs here
//   Printed per size (720p, 1080p): wall seconds, × realtime, and the avatar/plain ratio.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodeWavPcm16 } from '../../src/core/media/encode.ts';
import { resolveMediaTools, runTool } from '../../src/core/media/index.ts';
import { parseAvatarPackage, renderVideo } from '../../src/engines/render/index.ts';
import { createSpeechService } from '../../src/engines/speech/index.ts';
import { buildCues } from '../../src/engines/speech/srt.ts';
import { avatarFiles } from '../../test/helpers/avatar.ts';

const { values: opts } = parseArgs({ options: { seconds: { type: 'string', default: '60' } } });
const seconds = Number(opts.seconds);
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
  const avatar = parseAvatarPackage(avatarFiles({ idle: true }));
  const dur = synthesis.durationMs / 1000;
  console.log(
    `ffmpeg ${tools.ffmpeg.path}; ${os.availableParallelism()} cores; ${dur.toFixed(1)} s of speech`,
  );

  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
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

  for (const [w, h] of [
    [1280, 720],
    [1920, 1080],
  ]) {
    const avatarSec = await time(() =>
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
    const colorSec = await plain(w, h, 'color=c=0x203040');
    const testsrcSec = await plain(w, h, 'testsrc=d=3600');
    const row = (name: string, s: number) =>
      `  ${name.padEnd(16)} ${s.toFixed(2).padStart(7)} s  ${(dur / s).toFixed(1).padStart(6)}× realtime`;
    console.log(`${h}p`);
    console.log(row('avatar', avatarSec));
    console.log(`${row('plain colour', colorSec)}   avatar/plain ${(avatarSec / colorSec).toFixed(2)}`);
    console.log(`${row('plain testsrc', testsrcSec)}   avatar/plain ${(avatarSec / testsrcSec).toFixed(2)}`);
  }
} finally {
  await speech.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
