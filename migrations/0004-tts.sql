-- TTS: audition and async synthesis jobs, and custom pronunciations (SEMANTICS.md §3.8, §4.8).
--
-- One table for both job kinds: they share the state machine (WAITING → PROCESSING →
-- SUCCEED | FAILED), the request and the output objects; the queue row carries only
-- (project_id, job_id). Outputs live under the object prefix tts/{project_id}/{job_id}/.
CREATE TABLE tts_jobs (
  project_id     text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  job_id         text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('AUDITION', 'ASYNC_JOB')),
  state          text NOT NULL CHECK (state IN ('WAITING', 'PROCESSING', 'SUCCEED', 'FAILED')),
  -- The request as validated (text, voice, prosody, output options); the job re-reads it.
  request        jsonb NOT NULL,
  -- The voice resolved at create time (VoiceSpec), so a later voice edit cannot change a queued job.
  voice          jsonb NOT NULL,
  -- Object keys of what was produced so far: {audio?, info?, srt?, action?, parts?: [...]}.
  outputs        jsonb NOT NULL DEFAULT '{}',
  duration_ms    integer,
  code           text,
  message        text,
  callback_url   text,
  -- NULL (no callback), PENDING, DELIVERED or FAILED (after the retries).
  callback_state text,
  app_user_id    text,
  create_time    timestamptz NOT NULL,
  update_time    timestamptz NOT NULL,
  PRIMARY KEY (project_id, job_id)
);
CREATE INDEX tts_jobs_create_idx ON tts_jobs (project_id, create_time, job_id);

CREATE TABLE tts_vocabulary_configs (
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  id          text NOT NULL,
  type        text NOT NULL CHECK (type IN ('CHINESE_G2P', 'PHONETIC_SYMBOL', 'CONTINUUM', 'ALIAS', 'SAY_AS')),
  key         text NOT NULL,
  value       text NOT NULL,
  group_id    text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX tts_vocabulary_list_idx ON tts_vocabulary_configs (project_id, create_time, id);
-- One reading per word and type in a project: a second Create for the same key is refused.
CREATE UNIQUE INDEX tts_vocabulary_key_uniq ON tts_vocabulary_configs (project_id, type, key);
