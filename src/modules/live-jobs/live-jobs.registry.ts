// The live jobs running in this process, by project and job: how StopSmartLive and the commands
// reach a stream at once when it runs here. A job running in another process is not here; stop
// then goes through the row (stop_requested), and commands and event reports go over the bus to
// the process that streams it (live-jobs.delivery.ts, ERRATA 87).
import type { LiveRun } from './live-jobs.run.ts';

export class LiveJobRegistry {
  private readonly runs = new Map<string, LiveRun>();
  private readonly added = new Set<() => void>();

  add(projectId: string, jobId: string, run: LiveRun): void {
    this.runs.set(`${projectId}/${jobId}`, run);
    for (const fn of this.added) fn();
  }

  remove(projectId: string, jobId: string, run: LiveRun): void {
    if (this.runs.get(`${projectId}/${jobId}`) === run) this.runs.delete(`${projectId}/${jobId}`);
  }

  get(projectId: string, jobId: string): LiveRun | undefined {
    return this.runs.get(`${projectId}/${jobId}`);
  }

  /** The ids of the jobs streamed here. */
  jobIds(): string[] {
    return [...this.runs.values()].map((r) => r.jobId);
  }

  /** Calls `fn` each time a job starts streaming here. */
  onAdd(fn: () => void): void {
    this.added.add(fn);
  }
}
