-- 2D avatar video jobs and subtitle-file jobs (SEMANTICS.md §3.2, §3.3, §4.2).
--
-- A video job keeps the request as resolved at create time (`request`: the script's fields
-- merged with the explicit ones, validated) and the voice behind its voice asset, so a later
-- edit of the script or the voice cannot change a queued job. The queue row carries only
-- (project_id, job_id). Work files live under the job's scratch directory; the output is a
-- new VIDEO asset (asset_id below) whose files are stored like any uploaded asset's.
CREATE TABLE video_jobs (
  project_id      text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  job_id          text NOT NULL,
  job_type        text NOT NULL DEFAULT '2D_DIGITAL_HUMAN_VIDEO',
  state           text NOT NULL
                  CHECK (state IN ('WAITING', 'PROCESSING', 'SUCCEED', 'FAILED', 'CANCELED', 'BLOCK')),
  script_id       text,
  -- The output asset's name (ListDigitalHumanVideo filters on it).
  asset_name      text NOT NULL,
  request         jsonb NOT NULL,
  voice           jsonb NOT NULL,
  -- 0–1 while PROCESSING (Doppel extension `progress` in the job detail).
  progress        real NOT NULL DEFAULT 0,
  duration_ms     integer,
  asset_id        text,
  error_code      text,
  error_msg       text,
  start_time      timestamptz,
  end_time        timestamptz,
  callback_url    text,
  -- NULL (no callback), PENDING, DELIVERED or FAILED (after the retries).
  callback_state  text,
  app_user_id     text,
  create_time     timestamptz NOT NULL,
  update_time     timestamptz NOT NULL,
  PRIMARY KEY (project_id, job_id)
);
-- ListDigitalHumanVideo: newest first within a project and a create_time window.
CREATE INDEX video_jobs_create_idx ON video_jobs (project_id, create_time DESC, job_id DESC);

-- CreateSubtitleFile: one job per request, one entry per scene in `scenes`
-- ([{sequence_no, state, object_key?, generate_time?, error_code?, error_msg?}]).
CREATE TABLE subtitle_jobs (
  project_id     text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  job_id         text NOT NULL,
  script_id      text NOT NULL,
  job_state      text NOT NULL CHECK (job_state IN ('GENERATING', 'GENERATED')),
  scenes         jsonb NOT NULL,
  callback_url   text,
  callback_state text,
  app_user_id    text,
  create_time    timestamptz NOT NULL,
  update_time    timestamptz NOT NULL,
  PRIMARY KEY (project_id, job_id)
);
