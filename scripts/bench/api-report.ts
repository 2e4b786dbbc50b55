// The tables `npm run bench:api` prints: every measured run against the baseline, and the
// targets of issue 17 against this run's figures.
import { type Measured, table } from './api-lib.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (n: number | undefined, digits: number) =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);

export function report(baselines: Measured[], doppel: Measured[]): string {
  const baseRps = mean(baselines.map((m) => m.rps));
  const cpus = baselines.map((m) => m.cpuUsPerReq);
  const baseCpu = cpus.every((c) => c !== undefined) ? mean(cpus as number[]) : undefined;
  const row = (m: Measured): string[] => [
    m.scenario,
    String(m.connections),
    fmt(m.rps, 0),
    fmt(m.p50, 2),
    fmt(m.p99, 2),
    fmt(m.max, 1),
    String(m.total),
    (m.rps / baseRps).toFixed(2),
    fmt(m.cpuUsPerReq, 0),
    fmt(m.cpuUsPerReq !== undefined && baseCpu ? m.cpuUsPerReq / baseCpu : undefined, 1),
    Object.entries(m.statuses)
      .map(([code, count]) => `${code}×${count}`)
      .join(' ') + (m.errors > 0 ? ` errors×${m.errors}` : ''),
  ];
  const rows = [
    [
      'scenario',
      'conns',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'responses',
      'ratio',
      'cpu µs/req',
      'cpu ×base',
      'statuses',
    ],
    ...doppel.map(row),
    ...baselines.map(row),
    ['baseline (mean)', '', baseRps.toFixed(0), '', '', '', '', '1.00', fmt(baseCpu, 0), '1.0', ''],
  ];
  return table(rows);
}

/** The targets (issue 17), each against the figure of this run. */
export function targets(baselines: Measured[], doppel: Measured[], skipped: Map<string, string>): string {
  const baseCpu = mean(baselines.map((m) => m.cpuUsPerReq ?? Number.NaN));
  const by = (name: string) => doppel.find((m) => m.scenario === name);
  const lines: string[] = [];
  const verdict = (okay: boolean) => (okay ? 'met' : 'MISSED');
  const cpuTarget = (name: string, label: string, max: number) => {
    const m = by(name);
    if (!m) return lines.push(`  ${label}: not measured (${skipped.get(name) ?? 'scenario skipped'})`);
    const x = (m.cpuUsPerReq ?? Number.NaN) / baseCpu;
    lines.push(
      `  ${label}: ${fmt(x, 1)}× the baseline's CPU (${fmt(m.cpuUsPerReq, 0)} µs vs ${fmt(baseCpu, 0)} µs); target ≤ ${max}×: ${verdict(x <= max)}`,
    );
  };
  cpuTarget('throttled-400', 'signed request, no module work (refused by validation), throttle on', 4);
  cpuTarget('throttled-ShowAsset', 'signed ShowAsset, embedded, throttle on', 30);
  cpuTarget('pg-throttled-ShowAsset', 'signed ShowAsset, PostgreSQL, throttle on', 15);
  const reads = by('pg-reads-50c');
  if (reads) {
    lines.push(
      `  ${reads.connections} connections of signed reads on PostgreSQL, throttle off: p99 ${fmt(reads.p99, 1)} ms (max ${fmt(reads.max, 0)} ms, ${fmt(reads.rps, 0)} req/s); target ≤ 20 ms: ${verdict(reads.p99 <= 20)}`,
    );
  } else
    lines.push(
      `  reads under load on PostgreSQL: not measured (${skipped.get('pg-reads-50c') ?? 'skipped'})`,
    );
  const x2 = by('pg-reads-50c-x2');
  if (reads && x2) {
    const ratio = x2.rps / reads.rps;
    lines.push(
      `  two API processes vs one (PostgreSQL, signed reads): ${fmt(ratio, 2)}× (${fmt(x2.rps, 0)} vs ${fmt(reads.rps, 0)} req/s, p99 ${fmt(x2.p99, 1)} ms); target ≥ 1.8×: ${verdict(ratio >= 1.8)}`,
    );
  } else
    lines.push(`  two API processes vs one: not measured (${skipped.get('pg-reads-50c-x2') ?? 'skipped'})`);
  return lines.join('\n');
}
