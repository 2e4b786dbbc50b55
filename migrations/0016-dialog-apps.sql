-- Dialog applications (SEMANTICS.md §4.4 steps 1 and 3): robots, one-off authentication
-- codes and activation codes.
--
-- A robot records how it answers (`backing`): LLM for app_type 6 (a third-party
-- OpenAI-compatible endpoint), KNOWLEDGE_BASE for app_types 0 and 2 (Doppel's own knowledge
-- base stands in for iFLYTEK). Other app_types are refused at creation (ERRATA 90-93).
-- Vendor keys (the LLM app_key, ASR and iFLYTEK secrets) are sealed with the server's dialog
-- key in `secrets_sealed` (a JSON object) and never answered back.
CREATE TABLE dialog_robots (
  project_id            text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  robot_id              text NOT NULL,
  name                  text NOT NULL,
  app_type              integer NOT NULL,
  backing               text NOT NULL CHECK (backing IN ('LLM', 'KNOWLEDGE_BASE')),
  -- Chat rooms are a later module: room_id is stored as given.
  room_id               text,
  robot_type            text NOT NULL CHECK (robot_type IN ('LIVE', 'CHAT')),
  language              text NOT NULL,
  tail_silence_time     integer NOT NULL,
  enable_question_audit boolean NOT NULL,
  app_id                text,
  llm_url               text,
  is_stream             boolean,
  chat_rounds           integer,
  is_ifly_production    boolean,
  sis_region            integer,
  sis_project_id        text,
  enable_hot_words      boolean,
  asr_type              text,
  asr_account           text,
  secrets_sealed        text,
  -- Whether secrets_sealed holds an app_key (Show answers the mask then).
  app_key_set           boolean NOT NULL DEFAULT false,
  app_user_id           text,
  create_time           timestamptz NOT NULL,
  update_time           timestamptz NOT NULL,
  PRIMARY KEY (project_id, robot_id)
);
-- MSS.47010033: robot names are unique within a project.
CREATE UNIQUE INDEX dialog_robots_name_idx ON dialog_robots (project_id, name);
CREATE INDEX dialog_robots_list_idx ON dialog_robots (project_id, create_time, robot_id);

-- One-off codes: valid 5 minutes, used once. Only the SHA-256 of the code is kept.
CREATE TABLE dialog_once_codes (
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  code_hash   text NOT NULL,
  -- The contract's CreateOnceCode names no room; NULL admits any room of the project.
  room_id     text,
  create_time timestamptz NOT NULL,
  expire_time timestamptz NOT NULL,
  used_time   timestamptz,
  PRIMARY KEY (project_id, code_hash)
);
CREATE INDEX dialog_once_codes_expiry_idx ON dialog_once_codes (expire_time);

-- Activation codes: handed to end users of a robot's dialog page. `valid_period` is in days
-- counted from `valid_from` (creation or the last reset); 0 never expires.
CREATE TABLE dialog_active_codes (
  project_id     text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  active_code_id text NOT NULL,
  active_code    text NOT NULL,
  robot_id       text NOT NULL,
  room_id        text NOT NULL,
  valid_period   integer NOT NULL,
  valid_from     timestamptz NOT NULL,
  app_user_id    text,
  create_time    timestamptz NOT NULL,
  update_time    timestamptz NOT NULL,
  PRIMARY KEY (project_id, active_code_id),
  FOREIGN KEY (project_id, robot_id) REFERENCES dialog_robots (project_id, robot_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX dialog_active_codes_code_idx ON dialog_active_codes (project_id, active_code);
CREATE INDEX dialog_active_codes_list_idx
  ON dialog_active_codes (project_id, robot_id, create_time, active_code_id);

-- The end-user credentials (browser ids) an activation code has admitted; a code admits at
-- most its usage limit of distinct credentials until a reset with clean_auth_credential.
CREATE TABLE dialog_active_code_credentials (
  project_id      text NOT NULL,
  active_code_id  text NOT NULL,
  credential_hash text NOT NULL,
  first_use_time  timestamptz NOT NULL,
  PRIMARY KEY (project_id, active_code_id, credential_hash),
  FOREIGN KEY (project_id, active_code_id)
    REFERENCES dialog_active_codes (project_id, active_code_id) ON DELETE CASCADE
);
