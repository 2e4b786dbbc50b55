-- Digital assets and their files (SEMANTICS.md §3.1, §4.1).
--
-- System assets (asset_source=SYSTEM) belong to a reserved project that no one can sign
-- in to; every project sees them. Keeping them in the same table, under a real project
-- row, keeps "every tenant row carries project_id" true without a nullable owner.
INSERT INTO projects (id, name, domain_name)
VALUES ('00000000000000000000000000000000', 'system', 'doppel-system');

CREATE TABLE assets (
  project_id            text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  asset_id              text NOT NULL,
  asset_source          text NOT NULL DEFAULT 'CUSTOMIZATION' CHECK (asset_source IN ('SYSTEM', 'CUSTOMIZATION')),
  asset_name            text NOT NULL,
  asset_description     text NOT NULL DEFAULT '',
  asset_type            text NOT NULL,
  asset_state           text NOT NULL,
  -- The state DELETE moved the asset out of, so RESTORE can bring it back.
  state_before_delete   text,
  deleted_at            timestamptz,
  fail_type             text,
  reason                text,
  block_reason_code     text,
  app_user_id           text,
  produce_id            text,
  tags                  text[] NOT NULL DEFAULT '{}',
  -- [{key, value}]; "system_property=KEY:Value" filters use the GIN index below.
  system_properties     jsonb NOT NULL DEFAULT '[]',
  asset_extra_meta      jsonb NOT NULL DEFAULT '{}',
  shared_config         jsonb,
  review_config         jsonb,
  supported_service     text[] NOT NULL DEFAULT '{}',
  auto_operation_config jsonb,
  asset_order           integer,
  is_need_generate_cover boolean NOT NULL DEFAULT false,
  create_time           timestamptz NOT NULL,
  update_time           timestamptz NOT NULL,
  PRIMARY KEY (project_id, asset_id)
);
-- Lists page by (project, sort key) through these indexes, so a page costs the same over
-- 100 or 100 000 assets; the total (`count`) comes from asset_counts below when the list
-- filters by nothing else than source, type and state.
CREATE INDEX assets_create_idx ON assets (project_id, create_time, asset_id);
CREATE INDEX assets_update_idx ON assets (project_id, update_time, asset_id);
CREATE INDEX assets_order_idx ON assets (project_id, asset_order, asset_id);
CREATE INDEX assets_type_idx ON assets (project_id, asset_type, create_time, asset_id);
CREATE INDEX assets_state_idx ON assets (project_id, asset_state, create_time, asset_id);
CREATE INDEX assets_app_user_idx ON assets (project_id, app_user_id, create_time) WHERE app_user_id IS NOT NULL;
CREATE INDEX assets_tags_idx ON assets USING gin (tags);
CREATE INDEX assets_sysprops_idx ON assets USING gin (system_properties jsonb_path_ops);
-- The recycle-bin purge looks for assets deleted more than 7 days ago.
CREATE INDEX assets_deleted_idx ON assets (deleted_at) WHERE asset_state = 'DELETING';
-- Names are unique per project and type among live assets (MSS.10001005).
CREATE UNIQUE INDEX assets_name_uniq ON assets (project_id, asset_type, asset_name)
  WHERE asset_state NOT IN ('DELETING', 'DELETED') AND asset_name <> '';

-- How many assets each project has per type and state, kept by a statement trigger so
-- that every writer (API, jobs, seeding) keeps it right. ListAssets answers `count` from
-- here instead of counting 100 000 rows. Deltas are applied in key order, so concurrent
-- statements take the counter rows' locks in the same order and cannot deadlock on them.
CREATE TABLE asset_counts (
  project_id  text NOT NULL,
  asset_type  text NOT NULL,
  asset_state text NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (project_id, asset_type, asset_state)
);

CREATE FUNCTION asset_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO asset_counts (project_id, asset_type, asset_state, n)
    SELECT project_id, asset_type, asset_state, count(*) FROM new_rows
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (project_id, asset_type, asset_state) DO UPDATE SET n = asset_counts.n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO asset_counts (project_id, asset_type, asset_state, n)
    SELECT project_id, asset_type, asset_state, -count(*) FROM old_rows
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (project_id, asset_type, asset_state) DO UPDATE SET n = asset_counts.n + EXCLUDED.n;
  ELSE
    INSERT INTO asset_counts (project_id, asset_type, asset_state, n)
    SELECT project_id, asset_type, asset_state, sum(d) FROM (
      SELECT project_id, asset_type, asset_state, -1 AS d FROM old_rows
      UNION ALL
      SELECT project_id, asset_type, asset_state, 1 AS d FROM new_rows
    ) delta
    GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (project_id, asset_type, asset_state) DO UPDATE SET n = asset_counts.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER asset_counts_insert AFTER INSERT ON assets
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_counts_apply();
CREATE TRIGGER asset_counts_update AFTER UPDATE ON assets
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_counts_apply();
CREATE TRIGGER asset_counts_delete AFTER DELETE ON assets
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_counts_apply();

-- Projects an asset is shared with (shared_config SHARED + allowed_project_ids, or the
-- SHARE batch action). A sharee may show and list the asset until expires_at.
CREATE TABLE asset_shares (
  project_id        text NOT NULL,
  asset_id          text NOT NULL,
  sharee_project_id text NOT NULL,
  expires_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, asset_id, sharee_project_id),
  FOREIGN KEY (project_id, asset_id) REFERENCES assets (project_id, asset_id) ON DELETE CASCADE
);
CREATE INDEX asset_shares_sharee_idx ON asset_shares (sharee_project_id, asset_id);

CREATE TABLE asset_files (
  project_id          text NOT NULL,
  file_id             text NOT NULL,
  asset_id            text NOT NULL,
  file_name           text NOT NULL,
  -- base64 MD5 as the client declared it (24 chars). Large files declare none: empty until
  -- ConfirmFileUpload assembles the parts (or, on S3, until the media job has read them).
  file_md5            text NOT NULL DEFAULT '',
  -- 0 for a large file created without file_size, until ConfirmFileUpload (ERRATA 16).
  file_size           bigint NOT NULL,
  file_type           text NOT NULL,
  asset_file_category text NOT NULL,
  state               text NOT NULL,
  reason              text,
  block_reason_code   text,
  object_key          text NOT NULL,
  -- Multipart (large-file) uploads: the store's upload id and how many parts.
  upload_id           text,
  part_count          integer,
  file_extra_meta     jsonb,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  PRIMARY KEY (project_id, file_id),
  FOREIGN KEY (project_id, asset_id) REFERENCES assets (project_id, asset_id) ON DELETE CASCADE
);
CREATE INDEX asset_files_asset_idx ON asset_files (project_id, asset_id);
-- Exactly one live MAIN and one live COVER per asset (MSS.10001008 / MSS.10001009).
CREATE UNIQUE INDEX asset_files_one_main ON asset_files (project_id, asset_id)
  WHERE asset_file_category = 'MAIN' AND state NOT IN ('FAILED', 'CANCELLED', 'DELETING', 'DELETED');
CREATE UNIQUE INDEX asset_files_one_cover ON asset_files (project_id, asset_id)
  WHERE asset_file_category = 'COVER' AND state NOT IN ('FAILED', 'CANCELLED', 'DELETING', 'DELETED');
