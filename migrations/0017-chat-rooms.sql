-- Smart chat rooms (SEMANTICS.md §4.4 step 2): the avatar, voices, video and layout a dialog
-- runs with, the robot that answers, and the concurrency that admits dialogs. The validated
-- request is kept whole in `body`; the columns are what lists and references need.
CREATE TABLE dialog_chat_rooms (
  project_id       text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  room_id          text NOT NULL,
  room_name        text NOT NULL,
  -- Set to NULL when the robot is deleted (the room then has no robot until updated).
  robot_id         text,
  model_asset_id   text,
  -- 0 means no dialog can start in the room (SEMANTICS.md §4.4).
  concurrency      integer NOT NULL,
  client_nums      integer NOT NULL,
  body             jsonb NOT NULL,
  app_user_id      text,
  create_time      timestamptz NOT NULL,
  update_time      timestamptz NOT NULL,
  PRIMARY KEY (project_id, room_id)
);
CREATE INDEX dialog_chat_rooms_list_idx ON dialog_chat_rooms (project_id, create_time, room_id);
CREATE INDEX dialog_chat_rooms_robot_idx ON dialog_chat_rooms (project_id, robot_id);
