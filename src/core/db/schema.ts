// Row types of Doppel's own tables, as Kysely sees them. Wire shapes live in the
// generated contract; these are storage shapes and change only with a migration.
import type { ColumnType, Generated } from 'kysely';
import type { JobsTable } from '../jobs/jobs.table.ts';

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface ProjectsTable {
  id: string;
  name: string;
  domain_name: string;
  created_at: CreatedAt;
}

export interface CredentialsTable {
  access_key: string;
  project_id: string;
  secret_sealed: string;
  description: Generated<string>;
  created_at: CreatedAt;
  last_used_at: Date | null;
}

export interface UsersTable {
  id: string;
  domain_name: string;
  name: string;
  password_hash: string;
  created_at: CreatedAt;
}

export interface AuthTokensTable {
  token_hash: string;
  user_id: string;
  project_id: string;
  issued_at: CreatedAt;
  expires_at: Date;
}

export interface DB {
  projects: ProjectsTable;
  credentials: CredentialsTable;
  users: UsersTable;
  auth_tokens: AuthTokensTable;
  jobs: JobsTable;
}
