-- The internal durable job queue (docs/design/2026-11-22-job-queue.md). A row per job;
-- payloads carry ids only, the state a tenant sees lives on the resource's own row.
-- Workers claim queued rows with FOR UPDATE SKIP LOCKED and hold them under a lease
-- (locked_until) that heartbeats extend; an expired lease means the worker died and any
-- worker's sweep puts the row back in the queue.

CREATE TABLE jobs (
  id                   bigserial PRIMARY KEY,
  -- The tenant the job works for; NULL for system jobs (cleanup, sweeps).
  project_id           text REFERENCES projects (id) ON DELETE CASCADE,
  queue                text NOT NULL DEFAULT 'default',
  task                 text NOT NULL,
  payload              jsonb NOT NULL DEFAULT '{}',
  -- Deduplication: at most one unfinished job per key (index below).
  job_key              text,
  state                text NOT NULL DEFAULT 'queued'
                       CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  -- Smaller runs sooner.
  priority             integer NOT NULL DEFAULT 0,
  -- Claims so far; a claim counts one, a graceful shutdown gives it back.
  attempts             integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts         integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  run_at               timestamptz NOT NULL DEFAULT now(),
  locked_by            text,
  locked_until         timestamptz,
  last_error           text,
  -- Set by cancel(): a queued job is cancelled at once, a running one is told to stop
  -- (NOTIFY to its worker, and its next heartbeat reads it) and ends cancelled.
  cancel_requested_at  timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  finished_at          timestamptz,
  CHECK ((state = 'running') = (locked_by IS NOT NULL AND locked_until IS NOT NULL)),
  CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
);

-- Claiming: the next runnable jobs of a queue in (priority, run_at, id) order.
CREATE INDEX jobs_claim_idx ON jobs (queue, priority, run_at, id) WHERE state = 'queued';
-- The lease sweep: running jobs whose worker stopped heartbeating.
CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE state = 'running';
-- Dedupe: one unfinished job per key; a finished one frees the key.
CREATE UNIQUE INDEX jobs_job_key_idx ON jobs (job_key)
  WHERE job_key IS NOT NULL AND state IN ('queued', 'running');
-- Per-tenant listing and the cascade when a project is deleted.
CREATE INDEX jobs_project_idx ON jobs (project_id, created_at) WHERE project_id IS NOT NULL;

-- Wakes workers. NOTIFY is transactional: a job enqueued inside a caller's transaction
-- is announced when (and only if) that transaction commits. Payloads:
--   queued:<queue>  a job of <queue> became runnable (inserted, retried, re-queued)
--   cancel:<id>     a running job was asked to stop
-- Jobs that become runnable later (run_at in the future) are found by polling.
CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state = 'queued' AND NEW.run_at <= now()
     AND (TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM 'queued') THEN
    PERFORM pg_notify('doppel_jobs', 'queued:' || NEW.queue);
  ELSIF TG_OP = 'UPDATE' AND NEW.state = 'running'
     AND NEW.cancel_requested_at IS NOT NULL AND OLD.cancel_requested_at IS NULL THEN
    PERFORM pg_notify('doppel_jobs', 'cancel:' || NEW.id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
  FOR EACH ROW EXECUTE FUNCTION jobs_notify();
CREATE TRIGGER jobs_notify_update AFTER UPDATE OF state, cancel_requested_at ON jobs
  FOR EACH ROW EXECUTE FUNCTION jobs_notify();
