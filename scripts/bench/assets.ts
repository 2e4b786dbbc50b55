// `npm run bench:assets [-- --seconds S] [--sizes 100,100000] [--legs pglite,postgres] [--explain]`:
// what the asset operations cost as a project grows from 100 to 100 000 assets.
//
// For each database leg (embedded PGlite, and PostgreSQL when reachable at
// TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, in a scratch
// database) and each size, a fresh database is seeded with one INSERT … SELECT
// generate_series (assets of mixed types, states and tags, each with a MAIN file row),
// analysed, and then driven in-process through app.inject — the whole HTTP stack (routing,
// validation, serialisation) but no sockets, with loose authentication so that the
// client's signing does not blur the figures:
//
//   list-default    GET  ListAssets, first page (count from the counter table)
//   list-type       GET  ListAssets?asset_type=VIDEO&asset_state=ACTIVED (counters)
//   list-tag        GET  ListAssets?tag=t3 (count over matching rows, GIN index)
//   list-deep       GET  ListAssets?offset=<half the assets> (offset paging walks the index)
//   show            GET  ShowAsset of a random seeded asset (with a presigned file URL)
//   create          POST CreateDigitalAsset
//
// A bare Fastify hello world injected in the same run is the baseline. Requests run one at
// a time, so ops/s is the inverse of the mean latency. The table prints each scenario's
// ops/s, p50 and p99, the ratio of the largest size to the smallest (1.0 = flat) and how
// many times slower than the baseline each request is.
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { parseListQuery } from '../../src/modules/assets/assets.list.ts';
import { AssetsRepo } from '../../src/modules/assets/assets.repo.ts';
import { type DbLeg, dbLegs } from '../../test/helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../../test/helpers/platform.ts';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '100,100000' },
    legs: { type: 'string', default: 'pglite,postgres' },
    explain: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(opts.seconds);
const SIZES = opts.sizes.split(',').map(Number);
const LEGS = opts.legs.split(',');
if (!(SECONDS > 0) || SIZES.some((n) => !Number.isInteger(n) || n < 10)) {
  throw new Error('--seconds must be positive and --sizes integers ≥ 10');
}

interface Stats {
  ops: number;
  p50: number;
  p99: number;
  n: number;
}

/** Runs `fn` back to back for `ms`, unmeasured: JIT, caches and the database warm up. */
async function warm(fn: (i: number) => Promise<void>, ms: number, from = 0): Promise<number> {
  const until = performance.now() + ms;
  let i = from;
  while (performance.now() < until) await fn(i++);
  return i;
}

/** Runs `fn` back to back for SECONDS (after a short warm-up) and summarises the latencies. */
async function measure(fn: (i: number) => Promise<void>): Promise<Stats> {
  let i = await warm(fn, Math.min(1000, SECONDS * 250), 1_000_000);
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    await fn(i++);
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const mean = lat.reduce((s, x) => s + x, 0) / lat.length;
  const at = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]!;
  return { ops: 1000 / mean, p50: at(0.5), p99: at(0.99), n: lat.length };
}

async function baseline(): Promise<Stats> {
  const app = Fastify();
  app.get('/', async () => ({ hello: 'world' }));
  await app.ready();
  const s = await measure(async () => {
    const r = await app.inject({ method: 'GET', url: '/' });
    if (r.statusCode !== 200) throw new Error(`baseline: ${r.statusCode}`);
  });
  await app.close();
  return s;
}

/** n assets in `project`: 6 types, 4 states, 10 tags, one second apart, each with a MAIN file. */
async function seed(p: TestPlatform, project: string, n: number): Promise<void> {
  const db = p.deps.database.db;
  await sql`
    INSERT INTO assets (project_id, asset_id, asset_name, asset_type, asset_state, tags, system_properties,
                        asset_order, create_time, update_time)
    SELECT ${project}, md5('asset' || g), 'asset ' || g,
           (ARRAY['VIDEO','IMAGE','AUDIO','MUSIC','PPT','COMMON_FILE'])[1 + g % 6],
           (ARRAY['ACTIVED','ACTIVED','UNACTIVED','CREATING'])[1 + g % 4],
           ARRAY['t' || (g % 10), 'batch' || (g % 3)],
           CASE WHEN g % 5 = 0 THEN '[{"key":"BACKGROUND_IMG","value":"Yes"}]'::jsonb ELSE '[]'::jsonb END,
           g % 1000, timestamptz '2024-01-01' + g * interval '1 second', timestamptz '2024-01-01' + g * interval '1 second'
    FROM generate_series(1, ${n}) g`.execute(db);
  await sql`
    INSERT INTO asset_files (project_id, file_id, asset_id, file_name, file_md5, file_size, file_type,
                             asset_file_category, state, object_key, created_at, updated_at)
    SELECT project_id, md5('file' || asset_id), asset_id, 'main.mp4', '', 1024, 'mp4', 'MAIN', 'CREATED',
           'assets/' || project_id || '/' || asset_id || '/' || md5('file' || asset_id) || '/main.mp4', create_time, create_time
    FROM assets WHERE project_id = ${project}`.execute(db);
  await sql`ANALYZE`.execute(db);
}

interface Row {
  leg: string;
  size: number;
  scenario: string;
  stats: Stats;
}

async function runSize(leg: DbLeg, size: number, rows: Row[]): Promise<void> {
  const p = await startTestPlatform(leg, { runJobs: false, env: { DOPPEL_AUTH: 'loose' } });
  try {
    const project = p.tenant.projectId;
    const t0 = performance.now();
    await seed(p, project, size);
    console.log(`  ${leg.name}: seeded ${size} assets in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const base = `/v1/${project}/digital-assets`;
    const get = async (url: string, expect = 200) => {
      const r = await p.app.inject({ method: 'GET', url, headers: { 'content-type': 'application/json' } });
      if (r.statusCode !== expect) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    };
    const ids = (
      await p.deps.database.db
        .selectFrom('assets')
        .select('asset_id')
        .where('project_id', '=', project)
        .execute()
    ).map((r) => r.asset_id);
    const scenarios: Array<[string, (i: number) => Promise<void>]> = [
      ['list-default', () => get(base)],
      ['list-type', () => get(`${base}?asset_type=VIDEO&asset_state=ACTIVED`)],
      ['list-tag', () => get(`${base}?tag=t3`)],
      ['list-deep', () => get(`${base}?offset=${Math.floor(size / 2)}`)],
      ['show', (i) => get(`${base}/${ids[(i * 7919) % ids.length]}`)],
      [
        'create',
        async (i) => {
          const r = await p.app.inject({
            method: 'POST',
            url: base,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({
              asset_name: `bench ${size} ${i}`,
              asset_type: 'IMAGE',
              tags: ['bench'],
            }),
          });
          if (r.statusCode !== 200) throw new Error(`create: ${r.statusCode} ${r.body}`);
        },
      ],
    ];
    // Every scenario once round before any is measured, so the first is not the one that
    // pays for a cold process.
    for (const [, fn] of scenarios) await warm(fn, 300);
    for (const [scenario, fn] of scenarios) {
      rows.push({ leg: leg.name, size, scenario, stats: await measure(fn) });
    }
    if (opts.explain && leg.name === 'postgres') await explain(p, project, size);
  } finally {
    await p.close();
  }
}

/** The plans behind the list scenarios, to check that they use the indexes. */
async function explain(p: TestPlatform, project: string, size: number): Promise<void> {
  const db = p.deps.database.db;
  const now = new Date();
  for (const query of [
    {},
    { asset_type: 'VIDEO', asset_state: 'ACTIVED' },
    { tag: 't3' },
    { asset_source: 'ALL' as const },
  ]) {
    const spec = parseListQuery({ limit: 10, offset: 0, ...query });
    const repo = new AssetsRepo(db);
    for (const [what, q] of [
      ['page', repo.pageQuery(project, spec, now)],
      ['count', repo.countQuery(project, spec, now)],
    ] as const) {
      const plan = await q.explain(undefined, sql`analyze`);
      console.log(`\n  EXPLAIN ListAssets ${JSON.stringify(query)} ${what} at ${size}:`);
      for (const r of plan) console.log(`    ${Object.values(r)[0]}`);
    }
  }
}

/** test/helpers/db.ts's legs, narrowed to --legs; a PostgreSQL leg that cannot run is reported and dropped. */
async function legs(): Promise<DbLeg[]> {
  const out: DbLeg[] = [];
  for (const leg of await dbLegs()) {
    if (!LEGS.includes(leg.name)) continue;
    if (leg.skip) console.log(`PostgreSQL leg skipped: ${leg.skip}`);
    else out.push(leg);
  }
  return out;
}

const fmt = (x: number, d = 0) => x.toFixed(d).padStart(8);

async function main(): Promise<void> {
  console.log(`bench:assets — ${SECONDS} s per scenario, sizes ${SIZES.join(', ')}, node ${process.version}`);
  const base = await baseline();
  console.log(
    `  baseline (bare Fastify inject): ${base.ops.toFixed(0)} ops/s, p99 ${base.p99.toFixed(3)} ms`,
  );
  const rows: Row[] = [];
  for (const leg of await legs()) {
    for (const size of SIZES) await runSize(leg, size, rows);
  }
  const base2 = await baseline();
  const baseOps = (base.ops + base2.ops) / 2;
  console.log(
    `  baseline again: ${base2.ops.toFixed(0)} ops/s; using the mean, ${baseOps.toFixed(0)} ops/s\n`,
  );

  const small = Math.min(...SIZES);
  const large = Math.max(...SIZES);
  console.log('leg       size     scenario        ops/s   p50 ms   p99 ms  large/small  × baseline');
  for (const r of rows) {
    const ref = rows.find((x) => x.leg === r.leg && x.scenario === r.scenario && x.size === small)!;
    const ratio = r.size === large && large !== small ? (ref.stats.ops / r.stats.ops).toFixed(2) : '';
    console.log(
      `${r.leg.padEnd(9)} ${String(r.size).padEnd(8)} ${r.scenario.padEnd(12)} ${fmt(r.stats.ops)} ${fmt(r.stats.p50, 2)} ${fmt(r.stats.p99, 2)} ${ratio.padStart(12)} ${fmt(baseOps / r.stats.ops, 1)}`,
    );
  }
  console.log('\nlarge/small: how many times slower a request is at the largest size than at the smallest.');
  console.log('× baseline: how many bare-Fastify requests fit in the time of one such request.');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
