// The embedded database opens with Doppel's memory settings: PGlite's shared buffers are
// PGLITE_SHARED_BUFFERS (its own default is 128 MB, most of an idle server's RSS), and the
// rest of PGlite's start parameters stay as PGlite sets them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, PGLITE_SHARED_BUFFERS, pgliteOptions } from '../../src/core/db/index.ts';

it('a data-dir PGlite runs with the configured shared buffers and PGlite’s other defaults', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-pglite-'));
  const d = await openDatabase({ pgliteDir: path.join(dir, 'db') });
  try {
    const show = async (name: string) =>
      (await sql<Record<string, string>>`SELECT current_setting(${name}) AS v`.execute(d.db)).rows[0]?.v;
    assert.equal(await show('shared_buffers'), PGLITE_SHARED_BUFFERS);
    assert.equal(await show('search_path'), 'public');
    assert.equal(await show('max_worker_processes'), '0');
  } finally {
    await d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const opts = pgliteOptions('/x');
  assert.equal(opts.dataDir, '/x');
  assert.ok(opts.startParams?.includes(`shared_buffers=${PGLITE_SHARED_BUFFERS}`));
});
