// LiveEventReport: audience events (comments, gifts, likes, …) reported for a running job go
// through the job's interaction rules (live-events.rules); a rule that fires puts its reply in
// the play queue. The events reach the stream like commands (live-jobs.delivery).
import type { OperationTypes } from '../../contract/generated/types.ts';
import type { AuthCaller } from '../../core/auth/authenticate.ts';
import { Errors } from '../../core/errors/index.ts';
import type { ModuleDeps } from '../types.ts';
import { checkReportAuth, reportUrl } from './live-events.auth.ts';
import type { LiveEventIn } from './live-events.rules.ts';
import type { LiveDelivery } from './live-jobs.delivery.ts';
import { LiveJobErrors } from './live-jobs.errors.ts';
import type { LiveJobsService } from './live-jobs.service.ts';

type Report = OperationTypes['LiveEventReport'];
/** Event types a platform reports (SEMANTICS §4.3 step 4). */
export const EVENT_TYPES = [1, 2, 3, 4, 5, 6];

/** The request's events, parsed and checked: total matches, content is a JSON object. */
export function eventsOf(body: Report['body']): LiveEventIn[] {
  const events = body.events ?? [];
  if (events.length !== body.total)
    throw LiveJobErrors.invalid(`total ${body.total} does not match the ${events.length} events sent`);
  return events.map((e, i) => {
    if (!EVENT_TYPES.includes(e.type ?? 0))
      throw LiveJobErrors.invalid(`events[${i}].type ${e.type}: one of ${EVENT_TYPES.join(', ')}`);
    let content: unknown;
    try {
      content = JSON.parse(e.content ?? '{}');
    } catch {
      throw LiveJobErrors.invalid(`events[${i}].content is not JSON`);
    }
    if (!content || typeof content !== 'object' || Array.isArray(content))
      throw LiveJobErrors.invalid(`events[${i}].content is not a JSON object`);
    return { timestamp: e.timestamp, type: e.type as number, content: content as Record<string, unknown> };
  });
}

/** The per-deployment secret of the report URLs. */
export const reportSecret = (deps: Pick<ModuleDeps, 'keys'>): string => deps.keys.liveEvents.toString('hex');

/** The report URL of a job, with a fresh 2-hour key (ERRATA 65). */
export const jobReportUrl = (
  deps: ModuleDeps,
  t: { projectId: string; roomId: string; jobId: string },
): string => reportUrl(deps.publicUrl, reportSecret(deps), t, deps.clock.now().getTime());

const one = (v: unknown): string | undefined =>
  v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);

/**
 * LiveEventReport called with the report URL's own key (query auth_key + expires_time, or the
 * x-mss-auth-key / x-mss-expires-time headers) instead of a signature. No key: undefined (the
 * ordinary authentication follows); a forged or expired key: 401.
 */
export function reportUrlCaller(
  deps: ModuleDeps,
  req: { params: Record<string, string>; query: Record<string, unknown>; headers: Record<string, unknown> },
): AuthCaller | undefined {
  const target = { projectId: req.params.project_id, jobId: req.params.job_id };
  const given = {
    authKey: one(req.query.auth_key ?? req.headers['x-mss-auth-key']),
    expiresTime: one(req.query.expires_time ?? req.headers['x-mss-expires-time']),
  };
  if (!given.authKey && !given.expiresTime) return undefined;
  const r = checkReportAuth(reportSecret(deps), target, given, deps.clock.now().getTime());
  if (r === 'ok') return { kind: 'url', projectId: target.projectId };
  if (r === 'expired')
    throw Errors.unauthorized(
      'The live event report URL has expired; call LiveEventReport with refresh_url=true for a new one',
    );
  if (r === 'missing')
    throw Errors.unauthorized('The live event report URL needs both auth_key and expires_time');
  throw Errors.unauthorized('The live event report key is not valid for this job');
}

export class LiveEventsService {
  constructor(
    private readonly deps: ModuleDeps,
    private readonly jobs: LiveJobsService,
    private readonly delivery: LiveDelivery,
  ) {
    delivery.on('events', async (run, _projectId, m) => {
      run.report(m.events);
      return {};
    });
  }

  async report(
    projectId: string,
    roomId: string,
    jobId: string,
    body: Report['body'],
    refreshUrl: boolean,
  ): Promise<Report['response']> {
    const events = eventsOf(body);
    const row = await this.jobs.row(projectId, roomId, jobId);
    if (row.state !== 'PROCESSING') throw LiveJobErrors.notRunning(jobId, row.state);
    await this.delivery.deliver(projectId, jobId, { kind: 'events', roomId, events }, 'LiveEventReport');
    return refreshUrl ? { live_event_report_url: jobReportUrl(this.deps, { projectId, roomId, jobId }) } : {};
  }
}
