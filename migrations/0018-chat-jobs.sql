-- Smart chat jobs (SEMANTICS.md §3.5, §4.4 steps 4-7): one row per StartSmartChatJob. A dialog
-- is realtime, so it runs in the API process that started it (`owner`, a per-boot id), which
-- refreshes `heartbeat_time` while it runs; a row whose owner stopped refreshing is ended
-- FAILED by whoever reads it next (nothing waits on a dead process). `config` is what the job
-- runs with, taken from the room at start: avatar, voices, video, subtitles, language, robot.
CREATE TABLE dialog_chat_jobs (
  project_id        text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  job_id            text NOT NULL,
  room_id           text NOT NULL,
  robot_id          text NOT NULL,
  state             text NOT NULL CHECK (state IN ('WAITING', 'PROCESSING', 'SUCCEED', 'FAILED')),
  -- SEMANTICS.md §3.5: 0 waiting for link, 1 waiting to close link, 2 linked.
  chat_state        integer NOT NULL DEFAULT 0,
  job_finish_reason text CHECK (job_finish_reason IN ('NORMAL', 'MUTE_TIMEOUT')),
  client_id         text,
  extend_param      text,
  config            jsonb NOT NULL,
  owner             text NOT NULL,
  -- StopSmartChatJob on another process than the owner: the owner sees it at its next heartbeat.
  stop_requested    boolean NOT NULL DEFAULT false,
  heartbeat_time    timestamptz NOT NULL,
  error_code        text,
  error_msg         text,
  app_user_id       text,
  start_time        timestamptz,
  end_time          timestamptz,
  create_time       timestamptz NOT NULL,
  update_time       timestamptz NOT NULL,
  PRIMARY KEY (project_id, job_id)
);
-- The room's running jobs (concurrency at start).
CREATE INDEX dialog_chat_jobs_room_idx ON dialog_chat_jobs (project_id, room_id, state);
