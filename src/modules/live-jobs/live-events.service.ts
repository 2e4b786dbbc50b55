// LiveEventReport: audience events (comments, gifts, likes, …) reported for a running job go
// through the job's interaction rules (live-events.rules); a rule that fires puts its reply in
// the play queue. The events reach the stream in this process (the registry), like commands.
import type { OperationTypes } from '../../contract/generated/types.ts';
import type { LiveEventIn } from './live-events.rules.ts';
import { LiveJobErrors } from './live-jobs.errors.ts';
import type { LiveJobRegistry } from './live-jobs.registry.ts';
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

export class LiveEventsService {
  constructor(
    private readonly jobs: LiveJobsService,
    private readonly registry: LiveJobRegistry,
  ) {}

  async report(
    projectId: string,
    roomId: string,
    jobId: string,
    body: Report['body'],
  ): Promise<Report['response']> {
    const events = eventsOf(body);
    const row = await this.jobs.row(projectId, roomId, jobId);
    if (row.state !== 'PROCESSING') throw LiveJobErrors.notRunning(jobId, row.state);
    const run = this.registry.get(projectId, jobId);
    if (!run)
      throw LiveJobErrors.commandUnsupported(
        'LiveEventReport',
        'the job is starting, or it streams in another worker process and events reach only jobs streamed by the process that serves the API',
      );
    run.report(events);
    return {};
  }
}
