// Training material made in the test run: a one-person portrait cropped from a sample photo
// that ships inside @vladmandic/face-api (those show real people: the pictures and anything
// made from them stay in the run's temp or git-ignored folders, never in the repository), and
// long videos made cheaply: one short segment encoded, then repeated by stream copy.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { extractFrame, runTool } from '../../src/core/media/index.ts';
import { createFaceAnalyzer, measureFace } from '../../src/engines/face/index.ts';
import { envTools } from './media-fixtures.ts';

const require = createRequire(import.meta.url);

/** A sample photo of face-api's demo folder, or undefined when the package has none. */
export function samplePhoto(n = 2): string | undefined {
  try {
    const dir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
    const f = path.join(dir, `sample${n}.jpg`);
    return fs.existsSync(f) ? f : undefined;
  } catch {
    return undefined;
  }
}

/** Where test runs may keep pictures of the sample faces (git-ignored). */
export const TEST_OUTPUT = path.resolve(import.meta.dirname, '../../test-output');

async function ffmpeg(args: string[], what: string): Promise<void> {
  const r = await runTool(
    envTools().ffmpeg.path,
    ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args],
    {
      timeoutMs: 180_000,
    },
  );
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stderr}`);
}

/**
 * A 1080×1920 portrait of the most frontal large face in the photo (the samples show groups):
 * a crop three face-widths wide around it, scaled up. Returns the PNG's path.
 */
export async function singleFacePortrait(photo: string, out: string): Promise<string> {
  const img = await extractFrame(envTools(), { input: photo, atSec: 0 });
  const analyzer = createFaceAnalyzer();
  let faces: Awaited<ReturnType<typeof analyzer.detect>>;
  try {
    const rgb = new Uint8Array(img.width * img.height * 3);
    for (let i = 0, j = 0; i < img.data.length; i += 4) {
      rgb[j++] = img.data[i]!;
      rgb[j++] = img.data[i + 1]!;
      rgb[j++] = img.data[i + 2]!;
    }
    faces = await analyzer.detect({ width: img.width, height: img.height, rgb });
  } finally {
    await analyzer.close();
  }
  const best = faces
    .filter((f) => f.score > 0.8)
    .sort((a, b) => measureFace(a).yaw - measureFace(b).yaw || b.box.width - a.box.width)[0];
  if (!best) throw new Error(`no usable face in ${photo}`);
  let w = Math.round(best.box.width * 3);
  let h = Math.round((w * 16) / 9);
  if (h > img.height) {
    h = img.height;
    w = Math.round((h * 9) / 16);
  }
  const cx = best.box.x + best.box.width / 2;
  const cy = best.box.y + best.box.height / 2;
  const x = Math.round(Math.max(0, Math.min(img.width - w, cx - w / 2)));
  const y = Math.round(Math.max(0, Math.min(img.height - h, cy - h * 0.38)));
  await ffmpeg(
    [
      '-i',
      `file:${photo}`,
      '-vf',
      `crop=${w}:${h}:${x}:${y},scale=1080:1920`,
      '-frames:v',
      '1',
      `file:${out}`,
    ],
    'cropping the portrait',
  );
  return out;
}

/** An H.264 + AAC MP4 of a still picture with the audio, as long as the audio (25 fps). */
export async function stillVideo(
  image: string,
  audio: string | undefined,
  out: string,
  seconds: number,
): Promise<string> {
  await ffmpeg(
    [
      '-loop',
      '1',
      '-framerate',
      '25',
      '-t',
      String(seconds),
      '-i',
      `file:${image}`,
      ...(audio ? ['-i', `file:${audio}`] : []),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'stillimage',
      '-pix_fmt',
      'yuv420p',
      '-r',
      '25',
      ...(audio ? ['-c:a', 'aac', '-b:a', '64k', '-af', 'apad', '-t', String(seconds)] : []),
      `file:${out}`,
    ],
    'encoding the still video',
  );
  return out;
}

/** `segment` repeated by stream copy until the video lasts at least `seconds`: a long video in a second. */
export async function repeatVideo(
  segment: string,
  segmentSec: number,
  seconds: number,
  out: string,
): Promise<string> {
  const n = Math.ceil(seconds / segmentSec);
  const list = `${out}.txt`;
  fs.writeFileSync(
    list,
    Array.from({ length: n }, () => `file '${segment.replace(/'/g, "'\\''")}'`).join('\n'),
  );
  await ffmpeg(
    [
      '-f',
      'concat',
      '-safe',
      '0',
      '-protocol_whitelist',
      'file',
      '-i',
      `file:${list}`,
      '-c',
      'copy',
      `file:${out}`,
    ],
    'repeating the video',
  );
  return out;
}
