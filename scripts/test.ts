// Runs the test suites with Node's own runner (Node 20 has no --test glob support).
// Usage: node --import tsx scripts/test.ts [--media] [--s3] [unit|integration|e2e ...]
// --media keeps the files that run ffmpeg (directly, through renders, probes, MP3 speech or a
// server doing those): CI runs them a second time with DOPPEL_MEDIA_TOOLS=bundled.
// --s3 keeps the files that test the S3 backend against a service (they use test/helpers/s3.ts
// and skip without one): CI runs them with TEST_S3=s3rver.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const mediaOnly = args.includes('--media');
const s3Only = args.includes('--s3');
const tiers = args.filter((a) => a !== '--media' && a !== '--s3');
// What a test file that needs ffmpeg mentions: the media core or its fixtures, the renderer,
// the tools themselves, or an operation whose job runs them (uploads are probed, videos are
// rendered, MP3 speech is encoded, live streams are encoded).
const MEDIA =
  /core\/media|media-fixtures|engines\/(render|stream)|ffmpeg|ffprobe|DigitalHumanVideo|SubtitleFile|AsyncTtsJob|TtsAudition|ConfirmFileUpload|SmartLive|SmartChatJob|TrainingJob|startServer/;
const roots = (tiers.length > 0 ? tiers : ['unit', 'integration', 'e2e']).map((t) => path.join('test', t));

function find(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? find(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
}

// What a test file that runs against an S3 service imports.
const S3 = /helpers\/s3\.ts/;
const files = roots
  .flatMap(find)
  .filter((f) => !mediaOnly || MEDIA.test(fs.readFileSync(f, 'utf8')))
  .filter((f) => !s3Only || S3.test(fs.readFileSync(f, 'utf8')));
if (mediaOnly) console.log(`media-dependent test files (${files.length}):\n  ${files.join('\n  ')}`);
if (s3Only) console.log(`S3 service test files (${files.length}):\n  ${files.join('\n  ')}`);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit', env: { ...process.env, DOPPEL_LOG_LEVEL: process.env.DOPPEL_LOG_LEVEL ?? 'silent' } },
);
process.exit(r.status ?? 1);
