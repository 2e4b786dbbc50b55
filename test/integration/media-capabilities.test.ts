// Encoder checks: a render or an MP3 needs certain ffmpeg encoders, and a build without one
// fails up front with a reason that names the encoder and the way out (no server path). The
// resolved ffmpeg and the bundled npm build both have every encoder Doppel uses.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  ffmpegEncoders,
  isMediaError,
  type MediaTools,
  requireEncoders,
  systemProbes,
} from '../../src/core/media/index.ts';
import { encodersFor } from '../../src/engines/render/compose-args.ts';
import { envTools, mkTmp } from '../helpers/media-fixtures.ts';

const dir = mkTmp('doppel-caps');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in ffmpeg that lists only libx264 and aac among its encoders. */
function minimalFfmpeg(): MediaTools {
  const file = path.join(dir, 'ffmpeg');
  fs.writeFileSync(
    file,
    '#!/bin/sh\nprintf "Encoders:\\n V..... = Video\\n ------\\n V..... libx264              H.264\\n A..... aac                  AAC\\n"\n',
  );
  fs.chmodSync(file, 0o755);
  return { ffmpeg: { path: file, source: 'path' } };
}

describe('ffmpeg encoder checks', () => {
  test('a build without libmp3lame or libvpx is refused with the encoder named and no path', async () => {
    const tools = minimalFfmpeg();
    assert.deepEqual([...(await ffmpegEncoders(tools.ffmpeg.path))].sort(), ['aac', 'libx264']);
    await requireEncoders(tools, encodersFor('mp4'), 'an MP4 video');
    await assert.rejects(
      requireEncoders(tools, ['libmp3lame'], 'MP3 audio'),
      (e: unknown) =>
        isMediaError(e) &&
        e.code === 'TOOL_MISSING' &&
        /MP3 audio needs the ffmpeg encoder libmp3lame/.test(e.reason) &&
        /the one on PATH/.test(e.reason) &&
        /DOPPEL_MEDIA_TOOLS=bundled/.test(e.reason) &&
        !e.reason.includes(dir),
    );
    await assert.rejects(requireEncoders(tools, encodersFor('webm'), 'a WEBM video'), /libvpx, libvorbis/);
  });

  const needed = [...encodersFor('mp4'), ...encodersFor('webm'), ...encodersFor('mov'), 'libmp3lame'];
  test('the resolved ffmpeg has every encoder Doppel uses', async () => {
    await requireEncoders(envTools(), needed, 'Doppel');
  });
  test('so has the bundled npm build', async (t) => {
    const npm = systemProbes.npmFfmpeg();
    if (!npm) return t.skip('no npm ffmpeg for this platform');
    await requireEncoders({ ffmpeg: { path: npm, source: 'npm' } }, needed, 'Doppel');
  });
});
