// Makes the media that ships with Doppel as system assets (assets/system/): background
// images and music in plain JS, the sample video with ffmpeg. Run once; the files are
// committed and seeded at start (src/modules/assets/system-catalog.ts). Re-running gives the
// same PNG and WAV bytes; the MP4 depends on the ffmpeg build.
//
//   node --import tsx scripts/make-system-assets.ts
//
// Then it probes every file and prints the catalog's `size`, `md5` and `extraMeta` values.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng, encodeWav, type Rgb } from '../src/core/media/encode.ts';
import { probeMedia, resolveMediaTools, runTool, toAssetMeta } from '../src/core/media/index.ts';

const OUT = fileURLToPath(new URL('../assets/system/', import.meta.url));

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];
const clampByte = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
const smooth = (t: number): number => t * t * (3 - 2 * t);

/** Dusk: deep navy above, violet in the middle, a warm peach horizon, and a soft glow. */
function dusk(w: number, h: number) {
  const top: Rgb = [16, 24, 58];
  const mid: Rgb = [88, 62, 132];
  const low: Rgb = [238, 160, 120];
  return (x: number, y: number): Rgb => {
    const t = y / (h - 1);
    const base = t < 0.62 ? mix(top, mid, smooth(t / 0.62)) : mix(mid, low, smooth((t - 0.62) / 0.38));
    const dx = (x - w * 0.5) / w;
    const dy = (y - h * 0.78) / h;
    const glow = Math.exp(-(dx * dx * 6 + dy * dy * 14)) * 0.35;
    const c = mix(base, [255, 214, 170], glow);
    return [clampByte(c[0]), clampByte(c[1]), clampByte(c[2])];
  };
}

/** Studio: a light, neutral blue-grey backdrop with a gentle vignette, as behind a presenter. */
function studio(w: number, h: number) {
  const centre: Rgb = [233, 237, 242];
  const edge: Rgb = [150, 162, 178];
  return (x: number, y: number): Rgb => {
    const dx = (x - w * 0.5) / (w * 0.5);
    const dy = (y - h * 0.42) / (h * 0.5);
    const r = Math.min(1, Math.sqrt(dx * dx * 0.55 + dy * dy * 0.75));
    const c = mix(centre, edge, smooth(r) ** 1.4);
    return [clampByte(c[0]), clampByte(c[1]), clampByte(c[2])];
  };
}

// ── WAV: a soft pad over I–vi–IV–V in C major, with bass and a bell arpeggio ──

const SAMPLE_RATE = 22_050;
const BEAT = 0.75; // 80 bpm
const CHORDS: Array<{ bass: number; notes: number[] }> = [
  { bass: 36, notes: [60, 64, 67, 72] }, // C
  { bass: 33, notes: [57, 60, 64, 69] }, // Am
  { bass: 29, notes: [57, 60, 65, 69] }, // F
  { bass: 31, notes: [55, 59, 62, 67] }, // G
];
const hz = (midi: number): number => 440 * 2 ** ((midi - 69) / 12);

function music(): Buffer {
  const chordSec = BEAT * 4;
  const seconds = chordSec * CHORDS.length;
  const n = Math.round(seconds * SAMPLE_RATE);
  const mixBuf = new Float64Array(n);
  const add = (startSec: number, durSec: number, fn: (t: number) => number) => {
    const s0 = Math.round(startSec * SAMPLE_RATE);
    const len = Math.round(durSec * SAMPLE_RATE);
    for (let i = 0; i < len && s0 + i < n; i++) mixBuf[s0 + i] += fn(i / SAMPLE_RATE);
  };
  CHORDS.forEach((chord, ci) => {
    const start = ci * chordSec;
    // Pad: two slightly detuned sines per note, slow attack, overlapping release.
    const padDur = chordSec + 0.6;
    for (const note of chord.notes) {
      const f = hz(note);
      add(start, padDur, (t) => {
        const env = Math.min(1, t / 0.5) * Math.min(1, (padDur - t) / 0.8);
        return env * 0.06 * (Math.sin(2 * Math.PI * f * t) + Math.sin(2 * Math.PI * f * 1.003 * t) * 0.7);
      });
    }
    // Bass: the root, warm (fundamental plus a little second harmonic).
    const fb = hz(chord.bass + 12);
    add(start, chordSec, (t) => {
      const env = Math.min(1, t / 0.05) * Math.min(1, (chordSec - t) / 0.3);
      return env * 0.16 * (Math.sin(2 * Math.PI * fb * t) + 0.25 * Math.sin(4 * Math.PI * fb * t));
    });
    // Bell arpeggio in eighth notes, an octave up, decaying.
    const order = [0, 1, 2, 3, 2, 1, 2, 3];
    order.forEach((k, j) => {
      const f = hz(chord.notes[k] + 12);
      add(start + (j * BEAT) / 2, 1.2, (t) => {
        const env = Math.min(1, t / 0.005) * Math.exp(-t * 4.5);
        return env * 0.07 * (Math.sin(2 * Math.PI * f * t) + 0.2 * Math.sin(2 * Math.PI * f * 3 * t));
      });
    });
  });
  // Fade in and out, then normalise to -3 dBFS.
  for (let i = 0; i < n; i++) {
    const t = i / SAMPLE_RATE;
    mixBuf[i] *= Math.min(1, t / 0.3) * Math.min(1, (seconds - t) / 1.5);
  }
  const peak = mixBuf.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  // Rounded exactly as before the encoder moved to core/media, so the shipped bytes stay the same.
  const gain = (10 ** (-3 / 20) * 32767) / peak;
  return encodeWav(
    Array.from(mixBuf, (v) => Math.round(v * gain) / 32767),
    SAMPLE_RATE,
  );
}

// ── MP4: slowly moving colour gradients with the music's first seconds ─────────

async function sampleVideo(ffmpeg: string, musicFile: string, out: string): Promise<void> {
  const seconds = 4;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `gradients=s=1280x720:r=25:d=${seconds}:c0=0x1a2a6c:c1=0x6a4c9c:c2=0xee9f78:c3=0x2c7a8c:n=4:speed=0.02:seed=7`,
    '-i',
    musicFile,
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-t',
    String(seconds),
    '-af',
    `afade=t=out:st=${seconds - 1}:d=1`,
    '-c:v',
    'libx264',
    '-preset',
    'slow',
    '-crf',
    '30',
    '-x264-params',
    'threads=1',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-ac',
    '1',
    '-movflags',
    '+faststart',
    '-map_metadata',
    '-1',
    '-fflags',
    '+bitexact',
    '-flags',
    '+bitexact',
    out,
  ];
  const r = await runTool(ffmpeg, args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
}

// ── main ───────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const tools = resolveMediaTools({
    FFMPEG_PATH: process.env.FFMPEG_PATH,
    FFPROBE_PATH: process.env.FFPROBE_PATH,
    PATH: process.env.PATH,
  });
  const files = {
    'background-dusk.png': () => encodePng(1920, 1080, dusk(1920, 1080)),
    'background-studio.png': () => encodePng(1920, 1080, studio(1920, 1080)),
    'music-morning-chords.wav': () => music(),
  };
  for (const [name, make] of Object.entries(files)) fs.writeFileSync(path.join(OUT, name), make());
  await sampleVideo(
    tools.ffmpeg.path,
    path.join(OUT, 'music-morning-chords.wav'),
    path.join(OUT, 'sample-gradient.mp4'),
  );

  const types = {
    'background-dusk.png': 'IMAGE',
    'background-studio.png': 'IMAGE',
    'music-morning-chords.wav': 'MUSIC',
    'sample-gradient.mp4': 'VIDEO',
  } as const;
  for (const [name, type] of Object.entries(types)) {
    const file = path.join(OUT, name);
    const bytes = fs.readFileSync(file);
    const info = await probeMedia(tools, file);
    const out = {
      file: name,
      size: bytes.length,
      md5: createHash('md5').update(bytes).digest('base64'),
      extraMeta: toAssetMeta(info, type),
    };
    console.log(JSON.stringify(out, null, 2));
  }
}

await main();
