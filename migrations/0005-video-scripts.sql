-- Video scripts: saved video-production drafts (CreateVideoScripts …), SEMANTICS.md §4.2.
--
-- A script is a document: the columns are what lists filter and sort on, and `body` holds
-- the rest exactly as the contract shapes it (model_asset_type, voice_config, video_config,
-- priv_data, background_music_config, review_config, action_config, shoot_scripts). Audio
-- for AUDIO-driven scenes is uploaded by the client to presigned URLs under the object
-- prefix video-scripts/{project_id}/{script_id}/.
CREATE TABLE video_scripts (
  project_id         text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  script_id          text NOT NULL,
  script_name        text NOT NULL,
  script_description text NOT NULL DEFAULT '',
  script_catalog     text NOT NULL DEFAULT 'VIDEO_DRAFT'
                     CHECK (script_catalog IN ('VIDEO_DRAFT', 'SYSTEM_VIDEO_TEMPLET')),
  view_mode          text NOT NULL DEFAULT 'LANDSCAPE' CHECK (view_mode IN ('LANDSCAPE', 'VERTICAL')),
  model_asset_id     text,
  body               jsonb NOT NULL,
  script_cover_url   text,
  app_user_id        text,
  create_time        timestamptz NOT NULL,
  update_time        timestamptz NOT NULL,
  PRIMARY KEY (project_id, script_id)
);
-- ListVideoScripts: newest first within a project.
CREATE INDEX video_scripts_list_idx ON video_scripts (project_id, create_time DESC, script_id DESC);
