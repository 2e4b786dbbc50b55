// Fault injection for integrators (off unless configured; docs/fault-injection.md): chosen
// operations answer throttling, 5xx, timeouts or extra latency, and chosen job tasks fail
// at once, fail part-way through their work, or stall — so that a MetaStudio client can test
// its retry and error handling against Doppel.
//
//   DOPPEL_FAULTS="ShowAsset=throttle; CreateAsyncTtsJob=error:503@0.5; *=latency:200;
//                  job:tts=fail#1; job:video-render=fail-after:3000; job:*=stall:10000"
//   DOPPEL_FAULT_HEADER=on   requests may carry `X-Doppel-Fault: error:503` (operation actions)
//
// A rule is `<target>=<action>[@<probability>][#<times>]`; rules are separated by `;` or new
// lines. The first rule whose target names the operation (or task) wins, then `*`. `#n`
// fires the rule at most n times in this process; `@p` fires it with probability p.
// Parsing and deciding are pure; the HTTP layer and the job queue apply the decision.

export type OperationFault =
  | { kind: 'throttle' }
  | { kind: 'error'; status: 500 | 502 | 503 | 504 }
  | { kind: 'timeout'; ms: number }
  | { kind: 'latency'; ms: number };

export type JobFault = { kind: 'fail' } | { kind: 'fail-after'; ms: number } | { kind: 'stall'; ms: number };

interface Rule<F> {
  target: string;
  fault: F;
  probability: number;
  times: number | undefined;
  fired: number;
}

export interface FaultPlan {
  /** The fault for one call of this operation, if any (counts `#n` rules as fired). */
  forOperation(operationId: string, header?: string): OperationFault | undefined;
  /** The fault for one run of a job of this task, if any. */
  forJob(task: string): JobFault | undefined;
  readonly headerEnabled: boolean;
  /** The rules as configured, for the start-up log line. */
  readonly summary: string;
}

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

const MAX_MS = 10 * 60_000;

function parseMs(raw: string | undefined, fallback: number, what: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > MAX_MS)
    throw new FaultSpecError(`${what}: "${raw}" must be 0…${MAX_MS} ms`);
  return n;
}

/** One operation action, as in a rule or in the X-Doppel-Fault header. */
export function parseOperationFault(action: string): OperationFault {
  const [name, arg] = action.trim().split(':', 2) as [string, string | undefined];
  switch (name) {
    case 'throttle':
      return { kind: 'throttle' };
    case 'error': {
      const status = arg === undefined ? 500 : Number(arg);
      if (status !== 500 && status !== 502 && status !== 503 && status !== 504)
        throw new FaultSpecError(`error:${arg}: the status must be 500, 502, 503 or 504`);
      return { kind: 'error', status };
    }
    case 'timeout':
      return { kind: 'timeout', ms: parseMs(arg, 30_000, 'timeout') };
    case 'latency':
      if (arg === undefined) throw new FaultSpecError('latency needs a duration: latency:<ms>');
      return { kind: 'latency', ms: parseMs(arg, 0, 'latency') };
    default:
      throw new FaultSpecError(
        `unknown operation fault "${action.trim()}" (throttle, error[:status], timeout[:ms], latency:<ms>)`,
      );
  }
}

function parseJobFault(action: string): JobFault {
  const [name, arg] = action.trim().split(':', 2) as [string, string | undefined];
  switch (name) {
    case 'fail':
      return { kind: 'fail' };
    case 'fail-after':
      return { kind: 'fail-after', ms: parseMs(arg, 1_000, 'fail-after') };
    case 'stall':
      return { kind: 'stall', ms: parseMs(arg, 60_000, 'stall') };
    default:
      throw new FaultSpecError(`unknown job fault "${action.trim()}" (fail, fail-after:<ms>, stall[:ms])`);
  }
}

function splitModifiers(rest: string): { action: string; probability: number; times: number | undefined } {
  const m = /^([^@#]+)(?:@([0-9.]+))?(?:#([0-9]+))?$/.exec(rest.trim());
  if (!m) throw new FaultSpecError(`"${rest.trim()}" is not <action>[@<probability>][#<times>]`);
  const probability = m[2] === undefined ? 1 : Number(m[2]);
  if (!(probability > 0 && probability <= 1))
    throw new FaultSpecError(`@${m[2]}: the probability must be in (0, 1]`);
  const times = m[3] === undefined ? undefined : Number(m[3]);
  if (times !== undefined && times < 1) throw new FaultSpecError(`#${m[3]}: the count must be at least 1`);
  return { action: m[1] as string, probability, times };
}

export function parseFaults(
  spec: string | undefined,
  headerEnabled = false,
  random: () => number = Math.random,
): FaultPlan {
  const ops: Array<Rule<OperationFault>> = [];
  const jobs: Array<Rule<JobFault>> = [];
  for (const raw of (spec ?? '').split(/[;\n]/)) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new FaultSpecError(`"${line}" is not <target>=<action>`);
    const target = line.slice(0, eq).trim();
    const { action, probability, times } = splitModifiers(line.slice(eq + 1));
    if (target.startsWith('job:')) {
      const task = target.slice(4).trim();
      if (!task) throw new FaultSpecError(`"${line}": name a task after job: (or job:*)`);
      jobs.push({ target: task, fault: parseJobFault(action), probability, times, fired: 0 });
    } else {
      if (!/^(\*|[A-Za-z0-9]+)$/.test(target))
        throw new FaultSpecError(`"${target}" is not an operation id or *`);
      ops.push({ target, fault: parseOperationFault(action), probability, times, fired: 0 });
    }
  }
  const pick = <F>(rules: Array<Rule<F>>, name: string): F | undefined => {
    const rule = rules.find((r) => r.target === name) ?? rules.find((r) => r.target === '*');
    if (!rule) return undefined;
    if (rule.times !== undefined && rule.fired >= rule.times) return undefined;
    if (rule.probability < 1 && random() >= rule.probability) return undefined;
    rule.fired++;
    return rule.fault;
  };
  return {
    headerEnabled,
    summary: [...ops, ...jobs.map((j) => ({ ...j, target: `job:${j.target}` }))]
      .map(
        (r) =>
          `${r.target}=${describe(r.fault)}${r.probability < 1 ? `@${r.probability}` : ''}${r.times ? `#${r.times}` : ''}`,
      )
      .join('; '),
    forOperation(operationId, header) {
      if (header !== undefined && headerEnabled) return parseOperationFault(header);
      return pick(ops, operationId);
    },
    forJob: (task) => pick(jobs, task),
  };
}

function describe(f: OperationFault | JobFault): string {
  return 'ms' in f ? `${f.kind}:${f.ms}` : 'status' in f ? `error:${f.status}` : f.kind;
}

/** No faults: what every process runs with unless DOPPEL_FAULTS or the header are configured. */
export const NO_FAULTS: FaultPlan = parseFaults('', false);
