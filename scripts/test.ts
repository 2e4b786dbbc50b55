// Runs the test suites with Node's own runner (Node 20 has no --test glob support).
// Usage: node --import tsx scripts/test.ts [unit|integration|e2e ...]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const tiers = process.argv.slice(2);
const roots = (tiers.length > 0 ? tiers : ['unit', 'integration', 'e2e']).map((t) => path.join('test', t));

function find(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? find(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
}

const files = roots.flatMap(find);
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
