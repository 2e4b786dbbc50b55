// ffmpeg argv for composition: inputs per background kind, the filter graph, codecs per format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  composeArgs,
  ffColor,
  filterValue,
  muxArgs,
  overlayPosition,
  parseProgressTime,
  type RenderPlan,
} from '../../src/engines/render/compose-args.ts';

const plan = (over: Partial<RenderPlan> = {}): RenderPlan => ({
  width: 1280,
  height: 720,
  fps: 25,
  durationSec: 3.04,
  background: { color: '#102030' },
  avatar: { concatFile: '/w/frames.ffconcat', x: 440, y: 320, scale: 1, canvasWidth: 400, canvasHeight: 400 },
  speech: '/w/speech.wav',
  output: { path: '/out/v.mp4', format: 'mp4' },
  ...over,
});
const after = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];
const graph = (args: string[]): string => after(args, '-filter_complex') ?? '';

test('colour background, concat avatar, speech: H.264 + AAC MP4 with faststart, exact length', () => {
  const args = composeArgs(plan());
  assert.deepEqual(args.slice(0, 8), [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-progress',
    'pipe:1',
    '-nostats',
  ]);
  assert.ok(args.includes('color=c=0x102030:s=1280x720:r=25'));
  assert.deepEqual(args.slice(args.indexOf('concat') - 1, args.indexOf('concat') + 5), [
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    '/w/frames.ffconcat',
  ]);
  assert.equal(
    graph(args),
    "[0:v]setsar=1[bg];[1:v]format=rgba,format=yuva420p,fps=25[av];[bg][av]overlay=x='440':y='320':eval=frame:shortest=0:format=yuv420,format=yuv420p[v];[2:a]apad[a]",
  );
  assert.equal(after(args, '-t'), '3.040');
  assert.equal(after(args, '-c:v'), 'libx264');
  assert.equal(after(args, '-c:a'), 'aac');
  assert.equal(after(args, '-movflags'), '+faststart');
  assert.equal(after(args, '-preset'), 'veryfast');
  assert.equal(args[args.length - 1], '/out/v.mp4');
});

test('image and looped video backgrounds are scaled to cover and cropped', () => {
  const img = composeArgs(plan({ background: { image: '/a/bg.jpg' } }));
  assert.deepEqual(img.slice(img.indexOf('/a/bg.jpg') - 5, img.indexOf('/a/bg.jpg') + 1), [
    '-loop',
    '1',
    '-framerate',
    '25',
    '-i',
    '/a/bg.jpg',
  ]);
  assert.match(
    graph(img),
    /^\[0:v\]scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720,fps=25,setsar=1\[bg\]/,
  );
  const vid = composeArgs(plan({ background: { video: '/a/bg.mp4' } }));
  assert.deepEqual(vid.slice(vid.indexOf('/a/bg.mp4') - 3, vid.indexOf('/a/bg.mp4') + 1), [
    '-stream_loop',
    '-1',
    '-i',
    '/a/bg.mp4',
  ]);
});

test('scale, idle sway, music under speech and subtitles with escaped paths', () => {
  const args = composeArgs(
    plan({
      avatar: {
        concatFile: '/w/f.ffconcat',
        x: 100,
        y: 50,
        scale: 1.5,
        canvasWidth: 401,
        canvasHeight: 400,
        idle: { swayPx: 4, breathPeriodSec: 4.5 },
      },
      music: { path: '/m/song.mp3', volumeDb: -18 },
      subtitles: { assFile: "/w/it's:sub.ass", fontsDir: '/usr/share/fonts/truetype/dejavu' },
    }),
  );
  const g = graph(args);
  assert.match(g, /\[1:v\]format=rgba,scale=602:600,format=yuva420p,fps=25\[av\]/);
  assert.match(
    g,
    /overlay=x='100\+6\.00\*sin\(2\*PI\*t\/4\.5\)':y='50\+3\.00\*\(1-cos\(4\*PI\*t\/4\.5\)\)\/2':eval=frame/,
  );
  assert.ok(g.includes(String.raw`ass=/w/it\\\'s\\:sub.ass:fontsdir=/usr/share/fonts/truetype/dejavu`), g);
  assert.match(
    g,
    /\[3:a\]volume=-18dB\[mu\];\[sp\]\[mu\]amix=inputs=2:duration=first:dropout_transition=0,volume=2\[a\]/,
  );
  assert.deepEqual(args.slice(args.indexOf('/m/song.mp3') - 3, args.indexOf('/m/song.mp3') + 1), [
    '-stream_loop',
    '-1',
    '-i',
    '/m/song.mp3',
  ]);
});

test('webm is VP8 + Vorbis, mov is QTRLE + PCM', () => {
  const webm = composeArgs(plan({ output: { path: '/o.webm', format: 'webm' } }));
  assert.equal(after(webm, '-c:v'), 'libvpx');
  assert.equal(after(webm, '-c:a'), 'libvorbis');
  const mov = composeArgs(plan({ output: { path: '/o.mov', format: 'mov' } }));
  assert.equal(after(mov, '-c:v'), 'qtrle');
  assert.equal(after(mov, '-c:a'), 'pcm_s16le');
  assert.match(graph(mov), /\[1:v\]format=rgba,fps=25\[av\];.*:format=rgb,format=rgb24\[v\]/);
});

test('helpers: colours, escaping, still overlay, progress parsing', () => {
  assert.equal(ffColor('#A0b1C2'), '0xa0b1c2');
  assert.throws(() => ffColor('red'), /not #RRGGBB/);
  assert.equal(filterValue('a:b,c'), String.raw`a\\:b\,c`);
  assert.deepEqual(
    overlayPosition({ concatFile: '', x: 1.4, y: 2.6, scale: 1, canvasWidth: 1, canvasHeight: 1 }),
    { x: '1', y: '3' },
  );
  assert.equal(
    parseProgressTime('frame=10\nout_time_us=400000\nout_time_ms=400000\nprogress=continue\n'),
    0.4,
  );
  assert.equal(parseProgressTime('frame=1\n'), undefined);
});

test('image and video layers are stacked with the avatar by z, back to front', () => {
  const args = composeArgs(
    plan({
      avatar: { concatFile: '/w/f', x: 0, y: 0, scale: 1, canvasWidth: 400, canvasHeight: 400, z: 2 },
      layers: [
        { kind: 'image', path: '/l/logo.png', x: 10, y: 20, width: 161, height: 90, z: 3 },
        { kind: 'video', path: '/l/clip.mp4', x: 5, y: 6, width: 320, height: 180, z: 1 },
      ],
    }),
  );
  // Inputs 3 and 4 (no music): the still picture looped at 25 fps, the clip looped forever.
  assert.deepEqual(args.slice(args.indexOf('/l/logo.png') - 5, args.indexOf('/l/logo.png') + 1), [
    '-loop',
    '1',
    '-framerate',
    '25',
    '-i',
    '/l/logo.png',
  ]);
  assert.deepEqual(args.slice(args.indexOf('/l/clip.mp4') - 3, args.indexOf('/l/clip.mp4') + 1), [
    '-stream_loop',
    '-1',
    '-i',
    '/l/clip.mp4',
  ]);
  const g = graph(args);
  assert.ok(g.includes('[3:v]format=rgba,scale=162:90,format=yuva420p,setsar=1[l0]'), g);
  assert.ok(g.includes('[4:v]format=rgba,scale=320:180,format=yuva420p,fps=25,setsar=1[l1]'), g);
  // z order: clip (1), avatar (2), logo (3).
  assert.match(
    g,
    /\[bg\]\[l1\]overlay=x=5:y=6:.*\[s0\];\[s0\]\[av\]overlay=.*\[s1\];\[s1\]\[l0\]overlay=x=10:y=20:.*format=yuv420p\[v\]/,
  );
});

test('muxArgs joins scene clips with the picture copied and the speech of each scene fitted to its clip', () => {
  const args = muxArgs({
    concatFile: '/w/scenes.ffconcat',
    scenes: [
      { speech: '/w/a.wav', durationSec: 2.04 },
      { speech: '/w/b.m4a', durationSec: 3.2 },
    ],
    music: { path: '/m/bg.mp3', volumeDb: -12 },
    output: { path: '/o.mp4', format: 'mp4' },
  });
  assert.deepEqual(args.slice(args.indexOf('concat') - 1, args.indexOf('concat') + 5), [
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    '/w/scenes.ffconcat',
  ]);
  const g = graph(args);
  assert.ok(
    g.includes('[1:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=mono,apad,atrim=end=2.040[a0]'),
    g,
  );
  assert.ok(
    g.includes('[2:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=mono,apad,atrim=end=3.200[a1]'),
    g,
  );
  assert.ok(g.includes('[a0][a1]concat=n=2:v=0:a=1[sp]'), g);
  assert.ok(g.includes('[3:a]volume=-12dB[mu]'), g);
  assert.equal(after(args, '-c:v'), 'copy');
  assert.equal(after(args, '-c:a'), 'aac');
  assert.equal(after(args, '-t'), '5.240');
  assert.equal(after(args, '-movflags'), '+faststart');
  const noMusic = graph(
    muxArgs({
      concatFile: '/c',
      scenes: [{ speech: '/a', durationSec: 1 }],
      output: { path: '/o.webm', format: 'webm' },
    }),
  );
  assert.ok(noMusic.endsWith('[a0]concat=n=1:v=0:a=1[a]'), noMusic);
});
