-- Usage metering and resource packages (Tenant Management, Subscription Management).
--
-- usage_records: what each piece of billable work used, written in the transaction that
-- commits the work's result. (project_id, metric, source_id) is unique, so a job that is
-- killed and run again, or a confirm that races another, records its usage once. `quantity`
-- is in the metric's base unit (seconds, characters, bytes, minutes, jobs); a negative one
-- releases what an earlier record held (storage of a deleted file). `unallocated` is the
-- part no resource package covered: pay-per-use, reported as ON_DEMAND.
CREATE TABLE usage_records (
  project_id   text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  metric       text NOT NULL,
  source_id    text NOT NULL,
  -- e.g. '1280x720' for rendered video seconds, the asset type for storage bytes.
  dimension    text NOT NULL DEFAULT '',
  quantity     double precision NOT NULL,
  unallocated  double precision NOT NULL,
  recorded_at  timestamptz NOT NULL,
  PRIMARY KEY (project_id, metric, source_id)
);
CREATE INDEX usage_records_time_idx ON usage_records (project_id, recorded_at);

-- resource_packages: one row per ordered cloud service (CreateMetaStudioOrders): a quota of
-- one metric, valid until expire_time. `quota` and `used` are in the metric's base unit;
-- `base_per_unit` converts them to the package's wire unit (60 seconds per MIN, …), kept on
-- the row so a later catalogue change cannot rewrite an existing package.
CREATE TABLE resource_packages (
  project_id        text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  resource_id       text NOT NULL,
  order_id          text NOT NULL,
  resource_type     text NOT NULL,
  business_type     text NOT NULL,
  charging_mode     text NOT NULL CHECK (charging_mode IN ('PERIODIC', 'ONE_TIME')),
  resource_source   text NOT NULL DEFAULT 'PURCHASED',
  metric            text NOT NULL,
  unit              text NOT NULL,
  base_per_unit     double precision NOT NULL CHECK (base_per_unit > 0),
  quota             double precision NOT NULL CHECK (quota >= 0),
  used              double precision NOT NULL DEFAULT 0 CHECK (used >= 0),
  is_auto_renew     boolean NOT NULL DEFAULT false,
  create_time       timestamptz NOT NULL,
  expire_time       timestamptz NOT NULL,
  PRIMARY KEY (project_id, resource_id)
);
-- The recorder's lookup: a project's live packages of a metric, soonest to expire first.
CREATE INDEX resource_packages_metric_idx ON resource_packages (project_id, metric, expire_time);
CREATE INDEX resource_packages_list_idx ON resource_packages (project_id, create_time DESC, resource_id DESC);
