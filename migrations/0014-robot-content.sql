-- Per-robot dialog content (SEMANTICS.md §4.4 step 8): welcome speeches, hot (frequently
-- asked) questions, hot-word records and the two on/off switches, plus the dialog agencies
-- (CBS, SIS) a project has authorised.
--
-- Robots (dialog applications) are a later module: `robot_id` is stored as the caller gave it,
-- without a foreign key. That module removes a robot's rows here when the robot is deleted.
-- `language` is stored canonical: the retired zh_CN / en_US are kept as CN / EN.
CREATE TABLE robot_welcome_speeches (
  project_id        text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  welcome_speech_id text NOT NULL,
  robot_id          text NOT NULL,
  language          text NOT NULL,
  welcome_speech    text NOT NULL,
  -- Whether this speech may be used; the robot-wide switch is in robot_content_switches.
  enabled           boolean NOT NULL DEFAULT true,
  app_user_id       text,
  create_time       timestamptz NOT NULL,
  update_time       timestamptz NOT NULL,
  PRIMARY KEY (project_id, welcome_speech_id)
);
-- ListWelcomeSpeech: one robot's speeches in creation order.
CREATE INDEX robot_welcome_speeches_list_idx
  ON robot_welcome_speeches (project_id, robot_id, create_time, welcome_speech_id);

CREATE TABLE robot_hot_questions (
  project_id      text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  hot_question_id text NOT NULL,
  robot_id        text NOT NULL,
  language        text NOT NULL,
  hot_question    text NOT NULL,
  app_user_id     text,
  create_time     timestamptz NOT NULL,
  update_time     timestamptz NOT NULL,
  PRIMARY KEY (project_id, hot_question_id)
);
CREATE INDEX robot_hot_questions_list_idx
  ON robot_hot_questions (project_id, robot_id, create_time, hot_question_id);

-- A hot-word record names a vocabulary kept in SIS or Mobvoi; Doppel holds no word list.
-- sis_project_id and region are set for SIS records only.
CREATE TABLE robot_hot_words (
  project_id     text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  hot_words_id   text NOT NULL,
  robot_id       text NOT NULL,
  hot_words_type text NOT NULL CHECK (hot_words_type IN ('SIS', 'MOBVOI')),
  vocabulary_id  text NOT NULL,
  sis_project_id text,
  region         integer,
  language       text NOT NULL,
  app_user_id    text,
  create_time    timestamptz NOT NULL,
  update_time    timestamptz NOT NULL,
  PRIMARY KEY (project_id, hot_words_id),
  CHECK ((hot_words_type = 'SIS') = (sis_project_id IS NOT NULL AND region IS NOT NULL))
);
CREATE INDEX robot_hot_words_list_idx
  ON robot_hot_words (project_id, robot_id, create_time, hot_words_id);

-- One row per robot that has had a switch set; NULL (or no row) is the default (off).
CREATE TABLE robot_content_switches (
  project_id            text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  robot_id              text NOT NULL,
  enable_welcome_speech boolean,
  enable_hot_words      boolean,
  update_time           timestamptz NOT NULL,
  PRIMARY KEY (project_id, robot_id)
);

-- The agencies (IAM delegations) a project has asked for, one per role type. Doppel calls
-- neither CBS nor SIS, so a row is a record of the authorisation, not a credential.
CREATE TABLE dialog_agencies (
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  role_type   text NOT NULL CHECK (role_type IN ('CBS', 'SIS')),
  agency_id   text NOT NULL,
  state       text NOT NULL DEFAULT 'AUTHORIZED' CHECK (state IN ('AUTHORIZED')),
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (project_id, role_type)
);
