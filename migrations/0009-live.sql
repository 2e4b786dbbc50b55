-- Livestreaming resources (SEMANTICS.md §3.4, §3.9, §4.3): smart live rooms, interaction
-- rule libraries, live products and third-party live platforms. The live jobs that stream
-- a room live in their own tables.
--
-- A room is a document: the columns are what lists filter and sort on and what jobs update
-- (last_job_*), and `body` holds the validated request exactly as the contract shapes it
-- (scene_scripts, interaction_rules with their rule_index, play_policy with defaults filled,
-- video_config, outputs, callbacks, …).
CREATE TABLE live_rooms (
  project_id          text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  room_id             text NOT NULL,
  room_name           text NOT NULL,
  room_description    text NOT NULL DEFAULT '',
  room_type           text NOT NULL CHECK (room_type IN ('NORMAL', 'TEMP', 'TEMPLATE')),
  room_state          text NOT NULL DEFAULT 'ENABLE' CHECK (room_state IN ('ENABLE', 'DISABLE', 'BLOCKED')),
  view_mode           text NOT NULL CHECK (view_mode IN ('LANDSCAPE', 'VERTICAL')),
  model_asset_ids     jsonb NOT NULL DEFAULT '[]',
  -- Names of those models when the room was last written (ListSmartLiveRooms model_name).
  model_names         text NOT NULL DEFAULT '',
  platform_id         text,
  body                jsonb NOT NULL,
  -- Epoch milliseconds as text, strictly increasing per room: bumped by every update.
  script_version      text NOT NULL,
  last_job_id         text,
  last_job_status     text,
  last_job_start_time timestamptz,
  last_job_end_time   timestamptz,
  app_user_id         text,
  create_time         timestamptz NOT NULL,
  update_time         timestamptz NOT NULL,
  PRIMARY KEY (project_id, room_id)
);
-- ListSmartLiveRooms: newest first within a project.
CREATE INDEX live_rooms_list_idx ON live_rooms (project_id, create_time DESC, room_id DESC);

-- Interaction rule libraries: rules a room imports (copies, carrying group_id / group_name).
CREATE TABLE live_rule_groups (
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  group_id    text NOT NULL,
  group_name  text NOT NULL,
  rules       jsonb NOT NULL,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (project_id, group_id)
);
CREATE INDEX live_rule_groups_list_idx ON live_rule_groups (project_id, create_time DESC, group_id DESC);

-- Products a live room presents. DeleteProduct marks the row DELETED (rooms that named it keep
-- a readable title); the lists leave DELETED rows out unless asked for.
CREATE TABLE live_products (
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  product_id  text NOT NULL,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  tags        jsonb NOT NULL DEFAULT '[]',
  cover       jsonb,
  text_list   jsonb NOT NULL DEFAULT '[]',
  asset_list  jsonb NOT NULL DEFAULT '[]',
  state       text NOT NULL CHECK (state IN ('ACTIVED', 'UNACTIVED', 'BLOCK', 'DELETED')),
  app_user_id text,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (project_id, product_id)
);
CREATE INDEX live_products_list_idx ON live_products (project_id, create_time, product_id);

-- Third-party live platforms (MSS_STANDARD): where product lists come from and where live
-- events may be forwarded. auth_key signs Doppel's requests to the platform.
CREATE TABLE live_platforms (
  project_id      text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  platform_id     text NOT NULL,
  name            text NOT NULL,
  access_type     text NOT NULL DEFAULT 'MSS_STANDARD',
  auth_key        text NOT NULL,
  callback_config jsonb NOT NULL,
  authorize_state text NOT NULL DEFAULT 'UNAUTHORIZED' CHECK (authorize_state IN ('AUTHORIZED', 'UNAUTHORIZED')),
  authorized_time timestamptz,
  account         text,
  create_time     timestamptz NOT NULL,
  update_time     timestamptz NOT NULL,
  PRIMARY KEY (project_id, platform_id)
);
CREATE INDEX live_platforms_list_idx ON live_platforms (project_id, create_time, platform_id);
