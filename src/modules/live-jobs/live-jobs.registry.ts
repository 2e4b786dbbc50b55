// The live jobs running in this process, by project and job: how StopSmartLive and the commands
// reach a stream at once in embedded mode (API and worker in one process). A job running in
// another process is not here; stop then goes through the row (stop_requested), and a command
// answers that it cannot be delivered (ERRATA 87).
import type { LiveRun } from './live-jobs.run.ts';

export class LiveJobRegistry {
  private readonly runs = new Map<string, LiveRun>();

  add(projectId: string, jobId: string, run: LiveRun): void {
    this.runs.set(`${projectId}/${jobId}`, run);
  }

  remove(projectId: string, jobId: string, run: LiveRun): void {
    if (this.runs.get(`${projectId}/${jobId}`) === run) this.runs.delete(`${projectId}/${jobId}`);
  }

  get(projectId: string, jobId: string): LiveRun | undefined {
    return this.runs.get(`${projectId}/${jobId}`);
  }
}
