// The probe parsers against output captured from real tools: ffmpeg/ffprobe 5.1.9 (Debian 12)
// and the 2018 static ffmpeg that @ffmpeg-installer/ffmpeg 1.1.0 ships. The files were made
// with ffmpeg's lavfi sources (see test/helpers/media-fixtures.ts). ffprobe JSON is trimmed to
// the keys the parser reads; ffmpeg stderr is verbatim.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  channelsOf,
  isMediaError,
  type MediaErrorCode,
  parseFfmpegInfo,
  parseFfprobe,
  parseRational,
  splitTopLevel,
  summarizeStderr,
} from '../../src/core/media/index.ts';

const ffmpegRun = (stderr: string) => ({ code: 1, stdout: '', stderr });
const fails = (code: MediaErrorCode, reason?: RegExp) => (e: unknown) => {
  assert.ok(isMediaError(e), String(e));
  assert.equal(e.code, code, e.message);
  if (reason) assert.match(e.reason, reason);
  assert.ok(e.reason.length <= 256);
  return true;
};

// ── ffmpeg -i, 5.1.9 ────────────────────────────────────────────────────────

const MP4_51 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:sample.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
  Duration: 00:00:02.00, start: 0.000000, bitrate: 114 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 160x120 [SAR 1:1 DAR 4:3], 37 kb/s, 25 fps, 25 tbr, 12800 tbn (default)
    Metadata:
      handler_name    : VideoHandler
      vendor_id       : [0][0][0][0]
      encoder         : Lavc libx264
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 65 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
      vendor_id       : [0][0][0][0]
At least one output file must be specified
`;

const WEBM_51 = `Input #0, matroska,webm, from 'v.webm':
  Metadata:
    ENCODER         : Lavf59.27.100
  Duration: 00:00:01.01, start: -0.007000, bitrate: 153 kb/s
  Stream #0:0: Video: vp8, yuv420p(tv, progressive), 64x48, SAR 1:1 DAR 4:3, 29.97 fps, 29.97 tbr, 1k tbn
    Metadata:
      ENCODER         : Lavc59.37.100 libvpx
      DURATION        : 00:00:01.008000000
  Stream #0:1: Audio: opus, 48000 Hz, stereo, fltp
    Metadata:
      ENCODER         : Lavc59.37.100 libopus
      DURATION        : 00:00:01.008000000
At least one output file must be specified
`;

const WAV_51 = `Guessed Channel Layout for Input Stream #0.0 : mono
Input #0, wav, from 'a.wav':
  Metadata:
    encoder         : Lavf59.27.100
  Duration: 00:00:01.50, bitrate: 256 kb/s
  Stream #0:0: Audio: pcm_s16le ([1][0][0][0] / 0x0001), 16000 Hz, mono, s16, 256 kb/s
At least one output file must be specified
`;

const JPEG_51 = `Input #0, jpeg_pipe, from 'i.jpg':
  Duration: N/A, bitrate: N/A
  Stream #0:0: Video: mjpeg (Baseline), yuvj444p(pc, bt470bg/unknown/unknown), 64x48 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 25 tbn
At least one output file must be specified
`;

const MP3_COVER_51 = `Input #0, mp3, from 'file:cover.mp3':
  Metadata:
    encoder         : Lavf59.27.100
  Duration: 00:00:01.54, start: 0.025056, bitrate: 140 kb/s
  Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 128 kb/s
    Metadata:
      encoder         : Lavc59.37
  Stream #0:1: Video: mjpeg (Baseline), yuvj444p(pc, bt470bg/unknown/unknown), 64x48 [SAR 1:1 DAR 4:3], 90k tbr, 90k tbn (attached pic)
    Metadata:
      comment         : Cover (front)
At least one output file must be specified
`;

const SIX_CH_51 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:six.m4a':
  Duration: 00:00:01.00, start: 0.000000, bitrate: 186 kb/s
  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1, fltp, 174 kb/s (default)
At least one output file must be specified
`;

const TRUNC_MP4_51 = `[mov,mp4,m4a,3gp,3g2,mj2 @ 0x564e674a5840] moov atom not found
/srv/doppel/objects/ab/trunc.mp4: Invalid data found when processing input
`;

const TRUNC_PNG_51 = `[png @ 0x556eb65bf100] chunk too big
[png_pipe @ 0x556eb65bd880] Could not find codec parameters for stream 0 (Video: png, none(pc)): unspecified size
Consider increasing the value for the 'analyzeduration' (0) and 'probesize' (5000000) options
Input #0, png_pipe, from 'file:trunc.png':
  Duration: N/A, bitrate: N/A
  Stream #0:0: Video: png, none(pc), 25 fps, 25 tbr, 25 tbn
At least one output file must be specified
`;

// ── ffmpeg -i, 2018 static build (N-47683-g0e8eb07980) ──────────────────────

const MP4_2018 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:sample.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
  Duration: 00:00:02.00, start: 0.000000, bitrate: 114 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 160x120 [SAR 1:1 DAR 4:3], 37 kb/s, 25 fps, 25 tbr, 12800 tbn, 50 tbc (default)
    Metadata:
      handler_name    : VideoHandler
      encoder         : Lavc libx264
    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 65 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
At least one output file must be specified
`;

const PNG_2018 = `Input #0, png_pipe, from 'file:p.png':
  Duration: N/A, bitrate: N/A
    Stream #0:0: Video: png, rgb24(pc), 300x200, 25 tbr, 25 tbn, 25 tbc
At least one output file must be specified
`;

const GIF_2018 = `Input #0, gif, from 'file:i.gif':
  Duration: N/A, bitrate: N/A
    Stream #0:0: Video: gif, bgra, 64x48, 10 tbr, 100 tbn, 100 tbc
At least one output file must be specified
`;

const MP3_COVER_2018 = `Input #0, mp3, from 'file:cover.mp3':
  Metadata:
    encoder         : Lavf59.27.100
  Duration: 00:00:01.54, start: 0.025056, bitrate: 140 kb/s
    Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 128 kb/s
    Metadata:
      encoder         : Lavc59.37
    Stream #0:1: Video: mjpeg (Baseline), yuvj444p(pc, bt470bg/unknown/unknown), 64x48 [SAR 1:1 DAR 4:3], 90k tbr, 90k tbn, 90k tbc
    Metadata:
      comment         : Cover (front)
At least one output file must be specified
`;

// ── ffprobe 5.1.9 JSON ──────────────────────────────────────────────────────

const PROBE_MP4 = `{"streams": [{"index": 0, "codec_name": "h264", "codec_type": "video", "width": 160, "height": 120, "pix_fmt": "yuv420p", "r_frame_rate": "25/1", "avg_frame_rate": "25/1", "duration": "2.000000", "bit_rate": "37248", "disposition": {"attached_pic": 0}}, {"index": 1, "codec_name": "aac", "codec_type": "audio", "sample_rate": "44100", "channels": 1, "channel_layout": "mono", "r_frame_rate": "0/0", "avg_frame_rate": "0/0", "duration": "2.000000", "bit_rate": "65044", "disposition": {"attached_pic": 0}}], "format": {"nb_streams": 2, "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "2.000000", "size": "28521", "bit_rate": "114084"}}`;
const PROBE_PNG = `{"streams": [{"index": 0, "codec_name": "png", "codec_type": "video", "width": 300, "height": 200, "pix_fmt": "rgb24", "r_frame_rate": "25/1", "avg_frame_rate": "25/1", "disposition": {"attached_pic": 0}}], "format": {"nb_streams": 1, "format_name": "png_pipe", "size": "639"}}`;
const PROBE_WAV = `{"streams": [{"index": 0, "codec_name": "pcm_s16le", "codec_type": "audio", "sample_rate": "22050", "channels": 1, "r_frame_rate": "0/0", "avg_frame_rate": "0/0", "duration": "1.500000", "bit_rate": "352800", "disposition": {"attached_pic": 0}}], "format": {"nb_streams": 1, "format_name": "wav", "duration": "1.500000", "size": "66194", "bit_rate": "353034"}}`;
const PROBE_MP3_COVER = `{"streams": [{"index": 0, "codec_name": "mp3", "codec_type": "audio", "sample_rate": "44100", "channels": 2, "channel_layout": "stereo", "r_frame_rate": "0/0", "avg_frame_rate": "0/0", "duration": "1.541224", "bit_rate": "128000", "disposition": {"attached_pic": 0}}, {"index": 1, "codec_name": "mjpeg", "codec_type": "video", "width": 64, "height": 48, "pix_fmt": "yuvj444p", "r_frame_rate": "90000/1", "avg_frame_rate": "0/0", "duration": "1.541222", "disposition": {"attached_pic": 1}}], "format": {"nb_streams": 2, "format_name": "mp3", "duration": "1.541224", "size": "27125", "bit_rate": "140797"}}`;
const PROBE_TRUNC_PNG = `{"streams": [{"index": 0, "codec_name": "png", "codec_type": "video", "width": 0, "height": 0, "r_frame_rate": "25/1", "avg_frame_rate": "25/1"}], "format": {"nb_streams": 1, "format_name": "png_pipe", "size": "100"}}`;

describe('ffmpeg -i (5.1)', () => {
  test('an H.264 + AAC MP4', () => {
    const info = parseFfmpegInfo(ffmpegRun(MP4_51));
    assert.deepEqual(info, {
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      formatNames: ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2'],
      durationSec: 2,
      bitRate: 114_000,
      streams: [
        { index: 0, kind: 'video', codec: 'h264' },
        { index: 1, kind: 'audio', codec: 'aac' },
      ],
      video: { codec: 'h264', width: 160, height: 120, fps: 25, pixFmt: 'yuv420p', bitRate: 37_000 },
      audio: { codec: 'aac', sampleRate: 44_100, channels: 1, channelLayout: 'mono', bitRate: 65_000 },
      image: false,
      probedWith: 'ffmpeg',
    });
  });

  test('WebM: NTSC rate, SAR without brackets, commas inside the pixel format', () => {
    const info = parseFfmpegInfo(ffmpegRun(WEBM_51));
    assert.equal(info.durationSec, 1.01);
    assert.deepEqual(info.video, { codec: 'vp8', width: 64, height: 48, fps: 29.97, pixFmt: 'yuv420p' });
    assert.deepEqual(info.audio, { codec: 'opus', sampleRate: 48_000, channels: 2, channelLayout: 'stereo' });
  });

  test('WAV, after the "Guessed Channel Layout" line', () => {
    const info = parseFfmpegInfo(ffmpegRun(WAV_51));
    assert.equal(info.durationSec, 1.5);
    assert.equal(info.video, undefined);
    assert.deepEqual(info.audio, {
      codec: 'pcm_s16le',
      sampleRate: 16_000,
      channels: 1,
      channelLayout: 'mono',
      bitRate: 256_000,
    });
  });

  test('a JPEG is an image: no duration, no frame rate', () => {
    const info = parseFfmpegInfo(ffmpegRun(JPEG_51));
    assert.equal(info.image, true);
    assert.equal(info.durationSec, undefined);
    assert.deepEqual(info.video, { codec: 'mjpeg', width: 64, height: 48, pixFmt: 'yuvj444p' });
  });

  test('cover art in an MP3 is marked, not taken for the video', () => {
    const info = parseFfmpegInfo(ffmpegRun(MP3_COVER_51));
    assert.equal(info.video, undefined);
    assert.equal(info.image, false);
    assert.deepEqual(info.streams[1], { index: 1, kind: 'video', codec: 'mjpeg', attachedPic: true });
    assert.equal(info.audio?.channels, 2);
  });

  test('5.1 surround counts six channels', () => {
    assert.equal(parseFfmpegInfo(ffmpegRun(SIX_CH_51)).audio?.channels, 6);
  });

  test('a truncated MP4 is UNDECODABLE, with the cause and without the server path', () => {
    assert.throws(
      () => parseFfmpegInfo(ffmpegRun(TRUNC_MP4_51), '/srv/doppel/objects/ab/trunc.mp4'),
      fails('UNDECODABLE', /^cannot decode the file: moov atom not found; input: Invalid data found/),
    );
    assert.throws(
      () => parseFfmpegInfo(ffmpegRun(TRUNC_MP4_51)),
      (e: unknown) => {
        assert.ok(isMediaError(e) && !e.reason.includes('0x564e'));
        return true;
      },
    );
  });

  test('a stream without a size (cut-off PNG) is UNDECODABLE', () => {
    assert.throws(() => parseFfmpegInfo(ffmpegRun(TRUNC_PNG_51)), fails('UNDECODABLE', /chunk too big/));
  });

  test('no output at all', () => {
    assert.throws(() => parseFfmpegInfo(ffmpegRun('')), fails('UNDECODABLE', /not a recognised media file/));
  });
});

describe('ffmpeg -i (2018 npm build)', () => {
  test('the same MP4 gives the same info despite the different layout', () => {
    assert.deepEqual(parseFfmpegInfo(ffmpegRun(MP4_2018)), parseFfmpegInfo(ffmpegRun(MP4_51)));
  });

  test('a PNG without "fps" on its stream line', () => {
    const info = parseFfmpegInfo(ffmpegRun(PNG_2018));
    assert.equal(info.image, true);
    assert.deepEqual(info.video, { codec: 'png', width: 300, height: 200, pixFmt: 'rgb24' });
  });

  test('a GIF is an image (this build reports no duration for it)', () => {
    const info = parseFfmpegInfo(ffmpegRun(GIF_2018));
    assert.equal(info.image, true);
    assert.equal(info.durationSec, undefined);
    assert.equal(info.video?.width, 64);
  });

  test('cover art is recognised although this build does not say "(attached pic)"', () => {
    const info = parseFfmpegInfo(ffmpegRun(MP3_COVER_2018));
    assert.deepEqual(info, parseFfmpegInfo(ffmpegRun(MP3_COVER_51)));
  });
});

describe('ffprobe JSON (5.1)', () => {
  const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });

  test('the MP4 agrees with the ffmpeg -i parse on the essentials', () => {
    const info = parseFfprobe(ok(PROBE_MP4));
    const viaFfmpeg = parseFfmpegInfo(ffmpegRun(MP4_51));
    assert.equal(info.probedWith, 'ffprobe');
    assert.equal(info.durationSec, viaFfmpeg.durationSec);
    assert.deepEqual(info.streams, viaFfmpeg.streams);
    assert.deepEqual(info.video, {
      codec: 'h264',
      width: 160,
      height: 120,
      fps: 25,
      pixFmt: 'yuv420p',
      bitRate: 37_248,
    });
    assert.deepEqual(info.audio, {
      codec: 'aac',
      sampleRate: 44_100,
      channels: 1,
      channelLayout: 'mono',
      bitRate: 65_044,
    });
  });

  test('PNG and WAV', () => {
    const png = parseFfprobe(ok(PROBE_PNG));
    assert.equal(png.image, true);
    assert.deepEqual(png.video, { codec: 'png', width: 300, height: 200, pixFmt: 'rgb24' });
    const wav = parseFfprobe(ok(PROBE_WAV));
    assert.deepEqual([wav.durationSec, wav.audio?.sampleRate, wav.audio?.channels], [1.5, 22_050, 1]);
  });

  test('cover art by disposition', () => {
    const info = parseFfprobe(ok(PROBE_MP3_COVER));
    assert.equal(info.video, undefined);
    assert.equal(info.streams[1].attachedPic, true);
  });

  test('failures: empty JSON with exit 1, a sizeless stream, no streams', () => {
    const stderr =
      '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x556a453271c0] moov atom not found\nx.mp4: Invalid data found when processing input\n';
    assert.throws(
      () => parseFfprobe({ code: 1, stdout: '{\n\n}\n', stderr }, 'x.mp4'),
      fails('UNDECODABLE', /moov atom not found/),
    );
    assert.throws(() => parseFfprobe(ok(PROBE_TRUNC_PNG)), fails('UNDECODABLE'));
    assert.throws(
      () => parseFfprobe(ok('{"streams": [], "format": {"format_name": "mp3"}}')),
      fails('NO_STREAMS'),
    );
    assert.throws(() => parseFfprobe(ok('not json')), fails('UNDECODABLE'));
  });
});

test('small helpers', () => {
  assert.deepEqual(splitTopLevel('yuv420p(tv, bt709), 160x120 [SAR 1:1, x], 25 fps'), [
    'yuv420p(tv, bt709)',
    '160x120 [SAR 1:1, x]',
    '25 fps',
  ]);
  assert.deepEqual(
    ['mono', 'stereo', '5.1(side)', '7.1', '2.1', 'quad', '6 channels', 'weird'].map(channelsOf),
    [1, 2, 6, 8, 3, 4, 6, 0],
  );
  assert.deepEqual(['30000/1001', '25/1', '0/0', 'x', undefined].map(parseRational), [
    29.97,
    25,
    undefined,
    undefined,
    undefined,
  ]);
  assert.equal(summarizeStderr('\n\n'), undefined);
  assert.equal(summarizeStderr(`${'x'.repeat(400)} error`)?.length, 256);
});
