-- Live jobs (SEMANTICS.md §3.4, §4.3): one row per StartSmartLive. The worker that streams the
-- room owns the row while it is PROCESSING; StopSmartLive marks `stop_requested`, which that
-- worker sees (in this process at once, from another process on its next check) and ends the
-- job SUCCEED. `config` is the room as the job started it (scene scripts, rules, play policy,
-- video config, outputs), so a room updated during a live does not change the running job;
-- REWRITE commands change `config` of the job only. `position` is where the script play is
-- (round, scene, paragraph), kept so a job taken over after a worker died resumes there.
CREATE TABLE live_jobs (
  project_id     text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  job_id         text NOT NULL,
  room_id        text NOT NULL,
  room_name      text NOT NULL,
  state          text NOT NULL CHECK (state IN ('WAITING', 'PROCESSING', 'SUCCEED', 'FAILED', 'BLOCKED')),
  config         jsonb NOT NULL,
  single_job     boolean NOT NULL DEFAULT false,
  stop_requested boolean NOT NULL DEFAULT false,
  position       jsonb,
  -- Commands the job received: [{command_id, command, params, result, time}] (newest last).
  command_log    jsonb NOT NULL DEFAULT '[]',
  -- Milliseconds the RTMP push was connected (stream_duration).
  stream_ms      bigint NOT NULL DEFAULT 0,
  error_code     text,
  error_msg      text,
  block_reason   text,
  app_user_id    text,
  start_time     timestamptz,
  end_time       timestamptz,
  create_time    timestamptz NOT NULL,
  update_time    timestamptz NOT NULL,
  PRIMARY KEY (project_id, job_id)
);
-- ListSmartLive (one room) and ListSmartLiveJobs (the tenant): newest first.
CREATE INDEX live_jobs_room_idx ON live_jobs (project_id, room_id, create_time DESC, job_id DESC);
CREATE INDEX live_jobs_list_idx ON live_jobs (project_id, create_time DESC, job_id DESC);
