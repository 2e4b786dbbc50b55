// Creates a new embedded database directory (PGlite's initdb) in a short-lived child process:
// `node --import tsx src/core/db/pglite-init.ts <dir>`. initdb runs a second WebAssembly
// instance and peaks at ≈ 750 MB; in the server's own process the freed memory stayed
// resident as malloc fragmentation, ≈ 110 MB of a fresh server's idle RSS for as long as it
// ran (measured with `npm run bench:footprint`). The parent holds the data dir's lock while
// its child works.
import { PGlite } from '@electric-sql/pglite';
import { pgliteOptions } from './index.ts';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: pglite-init.ts <data dir>\n');
  process.exit(2);
}
const pglite = await PGlite.create(pgliteOptions(dir));
await pglite.close();
