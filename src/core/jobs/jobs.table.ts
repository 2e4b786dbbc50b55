// Storage shape of the `jobs` table (migrations/0002-jobs.sql).
import type { ColumnType, Generated, Selectable } from 'kysely';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** States a job can still leave; the job_key dedupe covers exactly these. */
export const UNFINISHED_STATES = ['queued', 'running'] as const satisfies readonly JobState[];

export interface JobsTable {
  id: Generated<number>;
  project_id: string | null;
  queue: Generated<string>;
  task: string;
  /** jsonb: reads as the parsed value; written as JSON text. */
  payload: ColumnType<unknown, string | undefined, string>;
  job_key: string | null;
  state: Generated<JobState>;
  priority: Generated<number>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  run_at: ColumnType<Date, Date | undefined, Date>;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  cancel_requested_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  finished_at: Date | null;
}

export type JobRow = Selectable<JobsTable>;
