// ffmpeg argv for composition: inputs per background kind, the filter graph, codecs per format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AvatarLayer,
  clockFrame,
  composeArgs,
  ffColor,
  filterValue,
  idleMoves,
  idlePosition,
  muxArgs,
  overlayPosition,
  parseProgressTime,
  type RenderPlan,
} from '../../src/engines/render/compose-args.ts';

const avatar: AvatarLayer = {
  base: '/w/base.pam',
  faces: '/w/faces.ffconcat',
  x: 440,
  y: 320,
  faceAt: { x: 100, y: 120 },
};
const plan = (over: Partial<RenderPlan> = {}): RenderPlan => ({
  width: 1280,
  height: 720,
  fps: 25,
  durationSec: 3.04,
  background: { color: '#102030' },
  avatar,
  speech: '/w/speech.wav',
  output: { path: '/out/v.mp4', format: 'mp4' },
  ...over,
});
const after = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];
const graph = (args: string[]): string => after(args, '-filter_complex') ?? '';
const inputs = (args: string[]): string[] => args.flatMap((a, i) => (args[i - 1] === '-i' ? [a] : []));

test('colour background, avatar body and faces, speech: H.264 + AAC MP4 with faststart, exact length', () => {
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
  assert.deepEqual(inputs(args), [
    'color=c=0x102030:s=1280x720:r=25',
    '/w/base.pam',
    '/w/faces.ffconcat',
    '/w/speech.wav',
  ]);
  assert.deepEqual(args.slice(args.indexOf('concat') - 1, args.indexOf('concat') + 5), [
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    '/w/faces.ffconcat',
  ]);
  // Without a clock the picture is composed every frame; the face is drawn over the body.
  assert.equal(
    graph(args),
    "[0:v]setsar=1[bg];[1:v]format=yuva420p[body];[2:v]format=yuva420p[face];[bg][body]overlay=x='440':y='320':eval=frame:shortest=0:format=yuv420[s0];[s0][face]overlay=x='540':y='440':eval=frame:shortest=0:format=yuv420,format=yuv420p[v];[3:a]apad[a]",
  );
  assert.equal(after(args, '-t'), '3.040');
  assert.equal(after(args, '-c:v'), 'libx264');
  assert.equal(after(args, '-c:a'), 'aac');
  assert.equal(after(args, '-movflags'), '+faststart');
  assert.equal(after(args, '-preset'), 'veryfast');
  assert.equal(args[args.length - 1], '/out/v.mp4');
});

test('a still scene with a clock is composed once per segment: the clock padded to the output, fps after', () => {
  const args = composeArgs(plan({ clock: { concatFile: '/w/clock.ffconcat' } }));
  assert.deepEqual(inputs(args).slice(0, 3), ['/w/clock.ffconcat', '/w/base.pam', '/w/faces.ffconcat']);
  assert.deepEqual(args.slice(8, 14), ['-f', 'concat', '-safe', '0', '-i', '/w/clock.ffconcat']);
  const g = graph(args);
  assert.ok(g.startsWith('[0:v]pad=1280:720:0:0:color=0x102030,setsar=1[bg];'), g);
  assert.ok(g.includes(':format=yuv420,fps=25,format=yuv420p[v]'), g);
  // Subtitles are burned before fps, once per segment.
  const subs = graph(composeArgs(plan({ clock: { concatFile: '/c' }, subtitles: { assFile: '/w/s.ass' } })));
  assert.ok(subs.includes(':format=yuv420,ass=/w/s.ass,fps=25,format=yuv420p[v]'), subs);
  // Under an image the clock is black and the picture, scaled once, is drawn over it.
  const img = composeArgs(plan({ clock: { concatFile: '/c' }, background: { image: '/a/bg.jpg' } }));
  assert.deepEqual(inputs(img), ['/c', '/w/base.pam', '/w/faces.ffconcat', '/w/speech.wav', '/a/bg.jpg']);
  assert.ok(
    graph(img).startsWith(
      '[0:v]pad=1280:720:0:0:color=black,setsar=1[clk];[4:v]scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720,setsar=1[img];[clk][img]overlay=0:0:format=yuv420[bg];',
    ),
    graph(img),
  );
  // Video changes every frame: no clock.
  assert.throws(
    () => composeArgs(plan({ clock: { concatFile: '/c' }, background: { video: '/a/bg.mp4' } })),
    /still scene/,
  );
  assert.throws(
    () =>
      composeArgs(
        plan({
          clock: { concatFile: '/c' },
          layers: [{ kind: 'video', path: '/l.mp4', x: 0, y: 0, width: 10, height: 10, z: 1 }],
        }),
      ),
    /still scene/,
  );
});

test('image and looped video backgrounds are scaled to cover and cropped; an image is decoded once', () => {
  const img = composeArgs(plan({ background: { image: '/a/bg.jpg' } }));
  assert.deepEqual(img.slice(img.indexOf('/a/bg.jpg') - 3, img.indexOf('/a/bg.jpg') + 1), [
    '-framerate',
    '25',
    '-i',
    '/a/bg.jpg',
  ]);
  assert.ok(!img.includes('-loop'));
  assert.match(
    graph(img),
    /^\[0:v\]scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720,setsar=1,loop=loop=-1:size=1,setpts=N\/\(25\*TB\)\[bg\]/,
  );
  const vid = composeArgs(plan({ background: { video: '/a/bg.mp4' } }));
  assert.deepEqual(vid.slice(vid.indexOf('/a/bg.mp4') - 3, vid.indexOf('/a/bg.mp4') + 1), [
    '-stream_loop',
    '-1',
    '-i',
    '/a/bg.mp4',
  ]);
  assert.match(graph(vid), /^\[0:v\]scale=1280:720:.*,crop=1280:720,setsar=1,fps=25\[bg\]/);
});

test('idle sway and breathing: even positions from the frame number, face offset from the body', () => {
  const a: AvatarLayer = { ...avatar, x: 101, y: 50, idle: { swayPx: 6, bobPx: 3, periodSec: 4.5 } };
  const body = overlayPosition(a, 25, 'mp4');
  assert.equal(body.x, '2*floor((101+6*sin(2*PI*floor(t*25+0.5)/112.5))/2)');
  assert.equal(body.y, '2*floor((50+3*(1-cos(4*PI*floor(t*25+0.5)/112.5))/2)/2)');
  assert.deepEqual(overlayPosition(a, 25, 'mp4', 100, 120), {
    x: `100+${body.x}`,
    y: `120+${body.y}`,
  });
  // RGB output moves by whole pixels.
  assert.equal(overlayPosition(a, 25, 'mov').x, 'floor(101+6*sin(2*PI*floor(t*25+0.5)/112.5))');
  // The same positions in JS: a quarter period is the sway's right end; half a period the bob's bottom.
  assert.deepEqual(idlePosition(a, 0, 25, 'mp4'), { x: 100, y: 50 });
  assert.deepEqual(idlePosition(a, 28, 25, 'mp4'), { x: 106, y: 52 });
  assert.deepEqual(idlePosition(a, 28, 25, 'mov'), { x: 106, y: 52 });
  for (let n = 0; n < 300; n++) {
    const p = idlePosition(a, n, 25, 'mp4');
    assert.ok(p.x % 2 === 0 && p.y % 2 === 0 && p.x >= 94 && p.x <= 106 && p.y >= 50 && p.y <= 52, `${n}`);
  }
  // Moves: the frames where the position changes, and only those.
  const moves = idleMoves(a, 300, 25, 'mp4');
  assert.ok(moves.length > 10 && moves.length < 60, `${moves.length}`);
  for (let n = 1; n < 300; n++) {
    const moved =
      JSON.stringify(idlePosition(a, n, 25, 'mp4')) !== JSON.stringify(idlePosition(a, n - 1, 25, 'mp4'));
    assert.equal(moves.includes(n), moved, `${n}`);
  }
  // No idle motion: fixed (even) positions, no moves.
  assert.deepEqual(overlayPosition({ ...avatar, x: 1.4, y: -2.6 }, 25, 'mp4'), { x: '0', y: '-4' });
  assert.deepEqual(idleMoves({ ...avatar }, 300, 25, 'mp4'), []);
});

test('the clock picture: 2×2 of the background colour, Y4M converted as ffmpeg does, PAM for RGB', () => {
  const y4m = clockFrame('#203040', 'mp4', 25);
  assert.equal(y4m.ext, 'y4m');
  const header = 'YUV4MPEG2 W2 H2 F25:1 Ip A1:1 C420jpeg\nFRAME\n';
  assert.equal(y4m.data.subarray(0, header.length).toString('latin1'), header);
  // What ffmpeg 5.1's pad/color produce for 0x203040 (read back from a rendered frame).
  assert.deepEqual([...y4m.data.subarray(header.length)], [55, 55, 55, 55, 137, 120]);
  const pam = clockFrame('#203040', 'mov', 25);
  assert.equal(pam.ext, 'pam');
  assert.ok(
    pam.data
      .toString('latin1')
      .startsWith('P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n'),
  );
  assert.deepEqual(
    [...pam.data.subarray(pam.data.length - 12)],
    [32, 48, 64, 32, 48, 64, 32, 48, 64, 32, 48, 64],
  );
  assert.throws(() => clockFrame('red', 'mp4', 25), /not #RRGGBB/);
});

test('music under speech, subtitles with escaped paths', () => {
  const args = composeArgs(
    plan({
      music: { path: '/m/song.mp3', volumeDb: -18 },
      subtitles: { assFile: "/w/it's:sub.ass", fontsDir: '/usr/share/fonts/truetype/dejavu' },
    }),
  );
  const g = graph(args);
  assert.ok(g.includes(String.raw`ass=/w/it\\\'s\\:sub.ass:fontsdir=/usr/share/fonts/truetype/dejavu`), g);
  assert.match(
    g,
    /\[3:a\]apad\[sp\];\[4:a\]volume=-18dB\[mu\];\[sp\]\[mu\]amix=inputs=2:duration=first:dropout_transition=0,volume=2\[a\]/,
  );
  assert.deepEqual(args.slice(args.indexOf('/m/song.mp3') - 3, args.indexOf('/m/song.mp3') + 1), [
    '-stream_loop',
    '-1',
    '-i',
    '/m/song.mp3',
  ]);
});

test('webm is VP8 + Vorbis, mov is QTRLE + PCM composed in RGB', () => {
  const webm = composeArgs(plan({ output: { path: '/o.webm', format: 'webm' } }));
  assert.equal(after(webm, '-c:v'), 'libvpx');
  assert.equal(after(webm, '-c:a'), 'libvorbis');
  const mov = composeArgs(plan({ output: { path: '/o.mov', format: 'mov' } }));
  assert.equal(after(mov, '-c:v'), 'qtrle');
  assert.equal(after(mov, '-c:a'), 'pcm_s16le');
  assert.match(
    graph(mov),
    /\[1:v\]format=rgba\[body\];\[2:v\]format=rgba\[face\];.*:format=rgb,format=rgb24\[v\]/,
  );
});

test('helpers: colours, escaping, progress parsing', () => {
  assert.equal(ffColor('#A0b1C2'), '0xa0b1c2');
  assert.throws(() => ffColor('red'), /not #RRGGBB/);
  assert.equal(filterValue('a:b,c'), String.raw`a\\:b\,c`);
  assert.equal(
    parseProgressTime('frame=10\nout_time_us=400000\nout_time_ms=400000\nprogress=continue\n'),
    0.4,
  );
  assert.equal(parseProgressTime('frame=1\n'), undefined);
});

test('image and video layers are stacked with the avatar by z, back to front', () => {
  const args = composeArgs(
    plan({
      avatar: { ...avatar, x: 0, y: 0, faceAt: { x: 0, y: 0 }, z: 2 },
      layers: [
        { kind: 'image', path: '/l/logo.png', x: 10, y: 20, width: 161, height: 90, z: 3 },
        { kind: 'video', path: '/l/clip.mp4', x: 5, y: 6, width: 320, height: 180, z: 1 },
      ],
    }),
  );
  // Inputs 4 and 5 (no music): the still picture once (overlay repeats it), the clip looped forever.
  assert.deepEqual(inputs(args).slice(4), ['/l/logo.png', '/l/clip.mp4']);
  assert.equal(args[args.indexOf('/l/logo.png') - 2], '/w/speech.wav');
  assert.deepEqual(args.slice(args.indexOf('/l/clip.mp4') - 3, args.indexOf('/l/clip.mp4') + 1), [
    '-stream_loop',
    '-1',
    '-i',
    '/l/clip.mp4',
  ]);
  const g = graph(args);
  assert.ok(g.includes('[4:v]format=rgba,scale=162:90,format=yuva420p,setsar=1[l0]'), g);
  assert.ok(g.includes('[5:v]format=rgba,scale=320:180,format=yuva420p,fps=25,setsar=1[l1]'), g);
  // z order: clip (1), avatar body and face (2), logo (3).
  assert.match(
    g,
    /\[bg\]\[l1\]overlay=x=5:y=6:.*\[s0\];\[s0\]\[body\]overlay=.*\[s1\];\[s1\]\[face\]overlay=.*\[s2\];\[s2\]\[l0\]overlay=x=10:y=20:.*format=yuv420p\[v\]/,
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

test('a picture-only clip has no sound input, no audio graph and no audio codec; music needs speech', () => {
  const { speech: _, ...silent } = plan();
  const args = composeArgs(silent);
  assert.deepEqual(inputs(args), ['color=c=0x102030:s=1280x720:r=25', '/w/base.pam', '/w/faces.ffconcat']);
  assert.ok(!graph(args).includes(':a]'), graph(args));
  assert.ok(args.includes('-an'));
  assert.equal(args.indexOf('-c:a'), -1);
  assert.deepEqual(
    args.flatMap((a, i) => (args[i - 1] === '-map' ? [a] : [])),
    ['[v]'],
  );
  assert.throws(() => composeArgs({ ...silent, music: { path: '/m.wav', volumeDb: -18 } }), RangeError);
});
