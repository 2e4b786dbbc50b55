// Tool resolution, argv builders and the output buffer: all pure, no process is started.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ALLOWED_DEMUXERS,
  BoundedBuffer,
  COVER_MAX_SIDE,
  coverArgs,
  coverScaleFilter,
  coverTime,
  ffmpegInfoArgs,
  ffprobeArgs,
  isMediaError,
  parseVersion,
  type ResolveProbes,
  resolveMediaTools,
} from '../../src/core/media/index.ts';

/** A fake file system: `files` are the executables that exist. */
const probes = (files: string[], npm?: string, platform: NodeJS.Platform = 'linux'): ResolveProbes => ({
  isExecutable: (f) => files.includes(f),
  npmFfmpeg: () => npm,
  platform,
});
const NPM = '/app/node_modules/@ffmpeg-installer/linux-x64/ffmpeg';

describe('resolveMediaTools', () => {
  test('env paths win over PATH', () => {
    const fs = probes(['/opt/ff/ffmpeg', '/opt/ff/ffprobe', '/usr/bin/ffmpeg', '/usr/bin/ffprobe'], NPM);
    const env = { FFMPEG_PATH: '/opt/ff/ffmpeg', FFPROBE_PATH: '/opt/ff/ffprobe', PATH: '/usr/bin' };
    assert.deepEqual(resolveMediaTools(env, fs), {
      ffmpeg: { path: '/opt/ff/ffmpeg', source: 'env' },
      ffprobe: { path: '/opt/ff/ffprobe', source: 'env' },
    });
  });

  test('PATH is searched in order; empty entries (the working directory) are skipped', () => {
    const fs = probes(['/usr/local/bin/ffmpeg', '/usr/bin/ffmpeg', '/usr/bin/ffprobe', 'ffmpeg'], NPM);
    assert.deepEqual(resolveMediaTools({ PATH: '::/usr/local/bin:/usr/bin' }, fs), {
      ffmpeg: { path: '/usr/local/bin/ffmpeg', source: 'path' },
      ffprobe: { path: '/usr/bin/ffprobe', source: 'path' },
    });
  });

  test('nothing installed: the npm ffmpeg, and no ffprobe', () => {
    assert.deepEqual(resolveMediaTools({ PATH: '/usr/bin' }, probes([NPM], NPM)), {
      ffmpeg: { path: NPM, source: 'npm' },
    });
  });

  test('ffmpeg from one place and ffprobe from another', () => {
    const fs = probes(['/opt/ff/ffmpeg', '/usr/bin/ffprobe'], NPM);
    const tools = resolveMediaTools({ FFMPEG_PATH: '/opt/ff/ffmpeg', PATH: '/usr/bin' }, fs);
    assert.equal(tools.ffmpeg.source, 'env');
    assert.equal(tools.ffprobe?.source, 'path');
  });

  test('Windows: ;-separated PATH and .exe names', () => {
    const fs = probes(['C:\\ff\\ffmpeg.exe'], undefined, 'win32');
    assert.equal(resolveMediaTools({ PATH: 'C:\\ff;C:\\other' }, fs).ffmpeg.path, 'C:\\ff\\ffmpeg.exe');
  });

  test('a configured path that is not executable fails loudly instead of falling through', () => {
    const fs = probes(['/usr/bin/ffmpeg'], NPM);
    assert.throws(
      () => resolveMediaTools({ FFMPEG_PATH: '/nope/ffmpeg', PATH: '/usr/bin' }, fs),
      (e: unknown) => isMediaError(e) && e.code === 'TOOL_MISSING' && /FFMPEG_PATH/.test(e.reason),
    );
    assert.throws(() => resolveMediaTools({ FFPROBE_PATH: '/nope/ffprobe', PATH: '/usr/bin' }, fs));
  });

  test('no ffmpeg anywhere', () => {
    assert.throws(
      () => resolveMediaTools({ PATH: '/usr/bin' }, probes([], undefined)),
      (e: unknown) => isMediaError(e) && e.code === 'TOOL_MISSING',
    );
  });

  test('DOPPEL_MEDIA_TOOLS=bundled takes the npm build alone, whatever PATH and FFMPEG_PATH say', () => {
    const fs = probes(['/opt/ff/ffmpeg', '/usr/bin/ffmpeg', '/usr/bin/ffprobe', NPM], NPM);
    const env = { FFMPEG_PATH: '/opt/ff/ffmpeg', PATH: '/usr/bin', DOPPEL_MEDIA_TOOLS: 'bundled' };
    assert.deepEqual(resolveMediaTools(env, fs), { ffmpeg: { path: NPM, source: 'npm' } });
    assert.throws(
      () =>
        resolveMediaTools({ PATH: '/usr/bin', DOPPEL_MEDIA_TOOLS: 'bundled' }, probes(['/usr/bin/ffmpeg'])),
      (e: unknown) => isMediaError(e) && e.code === 'TOOL_MISSING' && /bundled/.test(e.reason),
    );
  });

  test('DOPPEL_MEDIA_TOOLS=system never falls back to the npm build', () => {
    const sys = { PATH: '/usr/bin', DOPPEL_MEDIA_TOOLS: 'system' };
    assert.equal(resolveMediaTools(sys, probes(['/usr/bin/ffmpeg', NPM], NPM)).ffmpeg.source, 'path');
    assert.throws(
      () => resolveMediaTools(sys, probes([NPM], NPM)),
      (e: unknown) => isMediaError(e) && e.code === 'TOOL_MISSING' && /system/.test(e.reason),
    );
  });

  test('DOPPEL_MEDIA_TOOLS: auto is the default; an unknown mode is refused', () => {
    const fs = probes(['/usr/bin/ffmpeg', NPM], NPM);
    assert.equal(
      resolveMediaTools({ PATH: '/usr/bin', DOPPEL_MEDIA_TOOLS: 'auto' }, fs).ffmpeg.source,
      'path',
    );
    assert.throws(() => resolveMediaTools({ PATH: '/usr/bin', DOPPEL_MEDIA_TOOLS: 'npm' }, fs));
  });

  test('blank values count as unset', () => {
    assert.equal(resolveMediaTools({ FFMPEG_PATH: '  ', PATH: '' }, probes([NPM], NPM)).ffmpeg.source, 'npm');
  });
});

test('parseVersion reads both builds', () => {
  assert.equal(
    parseVersion(
      'ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers\nbuilt with gcc 12',
    ),
    '5.1.9-0+deb12u1',
  );
  assert.equal(
    parseVersion(
      'ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2018',
    ),
    'N-47683-g0e8eb07980-static',
  );
  assert.equal(parseVersion('garbage'), undefined);
});

describe('argv', () => {
  test('probe commands whitelist the file protocol and media demuxers, and pass the file as file:', () => {
    assert.deepEqual(ffprobeArgs('/d/-x.mp4'), [
      '-v',
      'error',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      ALLOWED_DEMUXERS,
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      'file:/d/-x.mp4',
    ]);
    assert.deepEqual(ffmpegInfoArgs('a.png').slice(-2), ['-i', 'file:a.png']);
    assert.ok(!ffmpegInfoArgs('a.png').includes('-v'), 'the stream list is printed at info level');
    for (const name of ['mov,mp4,m4a,3gp,3g2,mj2', 'png_pipe', 'wav', 'mp3', 'gif']) {
      assert.ok(ALLOWED_DEMUXERS.split(',').includes(name.split(',')[0]), name);
    }
    assert.ok(!/\b(hls|concat|tty|lavfi)\b/.test(ALLOWED_DEMUXERS));
  });

  test('coverArgs for a video: seek before -i, one frame, scaled JPEG', () => {
    const args = coverArgs({ input: '/in/v.mp4', output: '/out/c.jpg', atSec: 1 });
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    assert.equal(at('-ss'), '1.000');
    assert.ok(args.indexOf('-ss') < args.indexOf('-i'));
    assert.equal(at('-i'), 'file:/in/v.mp4');
    assert.equal(at('-frames:v'), '1');
    assert.equal(at('-map'), '0:v:0');
    assert.equal(at('-c:v'), 'mjpeg');
    assert.equal(at('-vf'), coverScaleFilter(COVER_MAX_SIDE));
    assert.equal(args.at(-1), 'file:/out/c.jpg');
    assert.ok(args.includes('-nostdin') && args.includes('-y'));
  });

  test('coverArgs for an image: no seek', () => {
    assert.ok(!coverArgs({ input: 'a.png', output: 'c.jpg' }).includes('-ss'));
    assert.ok(!coverArgs({ input: 'a.png', output: 'c.jpg', atSec: 0 }).includes('-ss'));
  });

  test('the scale filter keeps the aspect, never upscales, gives even sides (no force_divisible_by)', () => {
    const f = coverScaleFilter(720);
    assert.equal(
      f,
      "scale=w='max(2,trunc(iw*min(1,720/max(iw,ih))/2)*2)':h='max(2,trunc(ih*min(1,720/max(iw,ih))/2)*2)',format=yuvj420p",
    );
    // Evaluate the expression the way ffmpeg will, for a few sizes.
    const side = (dim: number, iw: number, ih: number) =>
      Math.max(2, Math.trunc((dim * Math.min(1, 720 / Math.max(iw, ih))) / 2) * 2);
    const size = (iw: number, ih: number) => [side(iw, iw, ih), side(ih, iw, ih)];
    assert.deepEqual(size(1920, 1080), [720, 404]);
    assert.deepEqual(size(1080, 1920), [404, 720]);
    assert.deepEqual(size(160, 120), [160, 120]);
    assert.deepEqual(size(301, 201), [300, 200]);
    assert.deepEqual(size(1, 1), [2, 2]);
  });

  test('coverTime: 10 % in, at most 1 s; 0 for images and unknown durations', () => {
    const video = { codec: 'h264', width: 2, height: 2 };
    assert.equal(coverTime({ image: false, video, durationSec: 2 }), 0.2);
    assert.equal(coverTime({ image: false, video, durationSec: 120 }), 1);
    assert.equal(coverTime({ image: false, video }), 0);
    assert.equal(coverTime({ image: true, video, durationSec: 5 }), 0);
  });
});

test('BoundedBuffer keeps the head and the tail of a flood', () => {
  const b = new BoundedBuffer(10, 'head-and-tail');
  assert.equal(b.push(Buffer.from('abcde')), true);
  assert.equal(b.push(Buffer.from('12345')), true);
  assert.equal(b.toString(), 'abcde12345');
  assert.equal(b.push(Buffer.from('6789XYZ')), false);
  assert.equal(b.toString(), 'abcde\n[… 7 bytes dropped …]\n89XYZ');

  const head = new BoundedBuffer(4, 'head');
  assert.equal(head.push(Buffer.from('abc')), true);
  assert.equal(head.push(Buffer.from('def')), false);
  assert.equal(head.toString(), 'abcd');
});
