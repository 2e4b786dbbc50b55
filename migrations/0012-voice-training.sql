-- Voice modeling: voice training jobs, their operation logs (SEMANTICS.md §3.7, §4.7).
--
-- A job walks CREATING → (commit) SYSTEM_AUDITING → WAITING → PROCESSING → SUCCEED | FAILED,
-- or SYSTEM_AUDITING → AUDIT_FAILED → (re-upload, commit) SYSTEM_AUDITING. The queue rows
-- carry only (project_id, job_id). Uploads live under the object prefix
-- voice-training/{project_id}/{job_id}/ (package.zip, segments/{i}.wav|.txt, authorization).
CREATE TABLE voice_training_jobs (
  project_id           text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  job_id               text NOT NULL,
  job_type             text NOT NULL
                       CHECK (job_type IN ('BASIC', 'MIDDLE', 'ADVANCE', 'THIRD_PARTY', 'THIRD_PARTY_LJZN', 'FLEXUS')),
  create_type          text NOT NULL CHECK (create_type IN ('PACKAGE', 'SEGMENT')),
  state                text NOT NULL CHECK (state IN (
                         'CREATING', 'SYSTEM_AUDITING', 'AUDITING', 'AUDIT_FAILED', 'WAITING_SPLIT',
                         'SPLITTING', 'SPLIT_FAILED', 'ANNOTATING', 'WAITING', 'PROCESSING',
                         'RESULT_REVIEW', 'USER_RESULT_REVIEW', 'USER_REVIEW_REJECT', 'UPLOADING',
                         'FAILED', 'SUCCEED')),
  -- How many times review has failed (the contract's reject_times); 0 shows as absent.
  reject_times         integer NOT NULL DEFAULT 0,
  voice_name           text NOT NULL,
  sex                  text,
  language             text,
  tag                  text,
  description          text,
  phone                text,
  dhtms_job_id         text,
  batch_name           text,
  output_language      text,
  custom_text          text,
  is_ondemand_resource boolean NOT NULL DEFAULT false,
  app_user_id          text,
  -- Sentence index → {ok, reasons[]} of ConfirmTrainingSegment (SEGMENT jobs).
  segments             jsonb NOT NULL DEFAULT '{}',
  -- The last system review: {audit_time (ms), errors: [{audio_name, text_name, error_code, error_message}]}.
  system_audit         jsonb,
  -- What training measured and chose (voice profile, preset or cloning voice id).
  result               jsonb,
  asset_id             text,
  job_failed_code      text,
  job_failed_reason    text,
  create_time          timestamptz NOT NULL,
  update_time          timestamptz NOT NULL,
  PRIMARY KEY (project_id, job_id)
);
CREATE INDEX voice_training_jobs_list_idx ON voice_training_jobs (project_id, create_time DESC, job_id DESC);

CREATE TABLE voice_training_op_logs (
  project_id    text NOT NULL,
  job_id        text NOT NULL,
  seq           bigserial,
  time          timestamptz NOT NULL,
  action        text NOT NULL,
  operator      text NOT NULL,
  external_info jsonb,
  PRIMARY KEY (project_id, job_id, seq),
  FOREIGN KEY (project_id, job_id) REFERENCES voice_training_jobs (project_id, job_id) ON DELETE CASCADE
);
