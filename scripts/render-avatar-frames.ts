// Renders a short clip of each system avatar (assets/avatars/<id>/) with real eSpeak speech and
// burned subtitles, and keeps one frame of it where the avatar speaks as docs/avatars/<id>-frame.png:
// Mei in Mandarin at 1280×720, Marcus in English in portrait 720×1280, Priya mixing both. The
// frames show what a customer gets (placement, lips, subtitles in the subtitle font Doppel picks:
// the bundled Doppel Sans SC when no system Noto Sans CJK is installed). Prints the font used.
//
//   npm run avatars:frames            (needs an ffmpeg with libass on PATH or in FFMPEG_PATH)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveMediaTools, runTool } from '../src/core/media/index.ts';
import {
  type Background,
  FPS,
  findSubtitleFont,
  loadAvatarPackage,
  planFrames,
  renderVideo,
} from '../src/engines/render/index.ts';
import { createSpeechService, type VoiceSpec } from '../src/engines/speech/index.ts';
import { buildCues } from '../src/engines/speech/srt.ts';
import { parseSpeechInput } from '../src/engines/speech/ssml.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = path.join(ROOT, 'docs/avatars');
const SEED = 7;

interface Clip {
  id: string;
  text: string;
  voice: VoiceSpec;
  width: number;
  height: number;
  background: Background;
}

// The voices are those of src/modules/assets/system-voices.ts (晓晴 Xiaoqing, and an en-us one).
const CLIPS: Clip[] = [
  {
    id: 'mei',
    text: '大家好，我是美美，欢迎光临！',
    voice: {
      engine: 'espeak',
      language: 'zh',
      params: { voice: 'cmn', variant: 'f2', pitch: 56, rate: 165 },
    },
    width: 1280,
    height: 720,
    background: { image: path.join(ROOT, 'assets/system/background-studio.png') },
  },
  {
    id: 'marcus',
    text: "Hi, I'm Marcus. Let me walk you through today's update.",
    voice: {
      engine: 'espeak',
      language: 'en',
      params: { voice: 'en-us', variant: 'm3', pitch: 45, rate: 170 },
    },
    width: 720,
    height: 1280,
    background: { image: path.join(ROOT, 'assets/system/background-dusk.png') },
  },
  {
    id: 'priya',
    text: '我是 Priya，Doppel 的 API 和 MetaStudio 一样好用。',
    voice: {
      engine: 'espeak',
      language: 'zh',
      params: { voice: 'cmn', variant: 'f4', pitch: 62, rate: 175 },
    },
    width: 1280,
    height: 720,
    background: { color: '#22303F' },
  },
];

const tools = resolveMediaTools({
  FFMPEG_PATH: process.env.FFMPEG_PATH,
  FFPROBE_PATH: process.env.FFPROBE_PATH,
  PATH: process.env.PATH,
});
const speech = createSpeechService({ poolSize: 1 });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-avatar-frames-'));
const font = findSubtitleFont();
console.log(`ffmpeg: ${tools.ffmpeg.path}`);
console.log(`subtitle font: ${font ? `${font.family} (${font.dir}), cjk ${font.cjk}` : 'none found'}`);

try {
  for (const clip of CLIPS) {
    const avatar = await loadAvatarPackage(path.join(ROOT, 'assets/avatars', clip.id));
    const synthesis = await speech.synthesizeAll({
      script: parseSpeechInput(clip.text, { maxChars: 1000 }),
      voice: clip.voice,
      prosody: { speed: 100, pitch: 100, volume: 140 },
    });
    const cues = buildCues(synthesis.words, clip.text);
    const video = path.join(work, `${clip.id}.mp4`);
    const notices: string[] = [];
    await renderVideo(tools, {
      avatar,
      speech: { synthesis },
      width: clip.width,
      height: clip.height,
      background: clip.background,
      subtitles: { cues },
      outputPath: video,
      workDir: work,
      seed: SEED,
      onNotice: (m) => notices.push(m),
    });

    // A speaking moment: the middle of the longest open-mouth run while a subtitle is up.
    const plan = planFrames(avatar, synthesis.phonemes, synthesis.durationMs, SEED);
    let at = 0;
    let best: { frame: number; frames: number } | undefined;
    for (const run of plan.runs) {
      const mid = at + Math.floor(run.frames / 2);
      const ms = (mid * 1000) / FPS;
      const shown = cues.some((c) => c.startMs <= ms && ms < c.endMs);
      if (shown && ['aa', 'oh', 'E'].includes(run.mouth) && run.frames > (best?.frames ?? 0))
        best = { frame: mid, frames: run.frames };
      at += run.frames;
    }
    const t = ((best?.frame ?? Math.floor(plan.totalFrames / 2)) + 0.5) / FPS;
    const png = path.join(OUT, `${clip.id}-frame.png`);
    const r = await runTool(tools.ffmpeg.path, [
      '-hide_banner',
      '-v',
      'error',
      '-y',
      '-ss',
      t.toFixed(3),
      '-i',
      video,
      '-frames:v',
      '1',
      png,
    ]);
    if (r.code !== 0) throw new Error(`ffmpeg could not extract a frame of ${clip.id}: ${r.stderr}`);
    const cue = cues.find((c) => c.startMs <= t * 1000 && t * 1000 < c.endMs);
    console.log(
      `${path.relative(ROOT, png)}: ${clip.width}×${clip.height}, ${(synthesis.durationMs / 1000).toFixed(1)} s, ` +
        `frame at ${t.toFixed(2)} s, subtitle "${cue?.lines.join(' / ') ?? ''}"` +
        (notices.length ? `; notices: ${notices.join('; ')}` : ''),
    );
  }
} finally {
  await speech.close();
  fs.rmSync(work, { recursive: true, force: true });
}
