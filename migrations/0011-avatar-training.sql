-- 2D avatar (image) modeling jobs (SEMANTICS.md §3.6, §4.6, §5; ERRATA 70–74).
--
-- One row per training job, holding the contract's state machine. `options` keeps the flags
-- given at create (and replaced by update); `uploads` maps each upload slot (training_video,
-- action_video, audio, cover, id_card_image1, id_card_image2, grant_file) to where its bytes go:
-- {key, upload_id?, parts?, done?}. Every upload URL is for a key of its own, made anew by each
-- update (`upload_round`), so an old URL can never write into a new round. `review` keeps what
-- the automatic review measured and why it failed; `operation_logs` the user-visible history.
-- The queue rows carry only (project_id, job_id); the training's intermediate results live
-- in the object store under the job's prefix, so a killed worker resumes from the last stage.
CREATE TABLE avatar_training_jobs (
  project_id      text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  job_id          text NOT NULL,
  name            text NOT NULL,
  contact         text,
  state           text NOT NULL CHECK (state IN (
                    'WAIT_FILE_UPLOAD', 'AUTO_VERIFYING', 'AUTO_VERIFY_FAILED', 'MANUAL_VERIFYING',
                    'MANUAL_VERIFY_FAILED', 'MANUAL_VERIFY_SUCCESS', 'WAIT_TRAINING_DATA_PREPROCESS',
                    'TRAINING_DATA_PREPROCESSING', 'TRAINING_DATA_PREPROCESS_FAILED',
                    'TRAINING_DATA_PREPROCESS_SUCCESS', 'TRAINING', 'TRAIN_FAILED', 'TRAIN_SUCCESS',
                    'INFERENCE_DATA_PREPROCESSING', 'INFERENCE_DATA_PREPROCESS_FAILED', 'JOB_SUCCESS')),
  batch_name      text,
  tags            jsonb NOT NULL,
  options         jsonb NOT NULL,
  uploads         jsonb NOT NULL,
  upload_round    integer NOT NULL DEFAULT 1,
  review          jsonb,
  -- 0–1 while training (Doppel extension `progress`).
  progress        real NOT NULL DEFAULT 0,
  model_resolution text,
  -- The HUMAN_MODEL_2D asset made by a successful training.
  asset_id        text,
  error_code      text,
  error_msg       text,
  operation_logs  jsonb NOT NULL,
  app_user_id     text,
  create_time     timestamptz NOT NULL,
  update_time     timestamptz NOT NULL,
  PRIMARY KEY (project_id, job_id)
);
-- List2dModelTrainingJob: newest first within a project.
CREATE INDEX avatar_training_jobs_list_idx
  ON avatar_training_jobs (project_id, create_time DESC, job_id DESC);
