-- Tenants and how they sign in. A project is the MetaStudio tenant (the {project_id}
-- in every path); it belongs to an account (IAM "domain"). Secrets are never stored in
-- the clear: secret keys are sealed with AES-256-GCM (they must be recoverable to check
-- HMAC signatures), passwords and tokens are stored as hashes.

CREATE TABLE projects (
  id           text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
  name         text NOT NULL,
  domain_name  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (domain_name, name)
);

CREATE TABLE credentials (
  access_key    text PRIMARY KEY,
  project_id    text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  secret_sealed text NOT NULL,
  description   text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz
);
CREATE INDEX credentials_project_idx ON credentials (project_id);

CREATE TABLE users (
  id             text PRIMARY KEY,
  domain_name    text NOT NULL,
  name           text NOT NULL,
  password_hash  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (domain_name, name)
);

CREATE TABLE auth_tokens (
  token_hash  text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  issued_at   timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX auth_tokens_expires_idx ON auth_tokens (expires_at);
