-- The webhook log: every callback Doppel sends (TTS, video, subtitle files, and later live
-- and dialog events), with each attempt's outcome, so an operator can see what a receiver
-- got and send one again (`doppel webhooks list|show|replay`).
--
-- webhook_deliveries: one row per callback Doppel means to send. `delivery_key` names it
-- within the project (e.g. 'video:<job_id>'), so the queue's retries of one callback add
-- attempts to one row. `target` keeps what a replay needs to sign again (url, auth type,
-- key); it is never printed whole. `replay_of` links a replay to the delivery it repeats.
CREATE TABLE webhook_deliveries (
  project_id       text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  delivery_id      text NOT NULL,
  delivery_key     text NOT NULL,
  source           text NOT NULL,
  resource_id      text NOT NULL,
  target           jsonb NOT NULL,
  body             jsonb NOT NULL,
  -- PENDING (no attempt has answered 2xx yet), DELIVERED, FAILED (given up).
  state            text NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  last_status      integer,
  last_error       text,
  last_latency_ms  integer,
  replay_of        text,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (project_id, delivery_id),
  UNIQUE (project_id, delivery_key)
);
CREATE INDEX webhook_deliveries_time_idx ON webhook_deliveries (created_at);

-- webhook_attempts: one row per POST, numbered from 1 within its delivery.
CREATE TABLE webhook_attempts (
  project_id   text NOT NULL,
  delivery_id  text NOT NULL,
  attempt      integer NOT NULL,
  started_at   timestamptz NOT NULL,
  -- The receiver's HTTP status, or null when no answer came (refused, timed out, blocked).
  status       integer,
  error        text,
  latency_ms   integer NOT NULL,
  PRIMARY KEY (project_id, delivery_id, attempt),
  FOREIGN KEY (project_id, delivery_id) REFERENCES webhook_deliveries (project_id, delivery_id) ON DELETE CASCADE
);
