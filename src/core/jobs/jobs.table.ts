// Placeholder: replaced by the job-queue work (migration 0002).
export interface JobsTable {
  id: number;
}
