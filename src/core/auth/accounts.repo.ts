// SQL for projects, credentials, users and tokens. The only file in core/auth that knows
// table and column names. Constructed on the database or on a transaction.
import { type Selectable, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import {
  type AuthTokensTable,
  type CredentialsTable,
  type ProjectsTable,
  SYSTEM_PROJECT_ID,
  type UsersTable,
} from '../db/schema.ts';

export type ProjectRow = Selectable<ProjectsTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type CredentialListRow = Omit<CredentialRow, 'secret_sealed'>;
export type UserRow = Selectable<UsersTable>;
export type TokenRow = Selectable<AuthTokensTable>;

/** An arbitrary constant naming the first-start bootstrap lock (pg_advisory_xact_lock). */
const BOOTSTRAP_LOCK_ID = 0x646f7070; // 'dopp'

export class AccountsRepo {
  constructor(private readonly db: Db) {}

  // ── projects ──────────────────────────────────────────────────────────────

  async insertProject(row: {
    id: string;
    name: string;
    domainName: string;
    createdAt: Date;
  }): Promise<ProjectRow> {
    return this.db
      .insertInto('projects')
      .values({ id: row.id, name: row.name, domain_name: row.domainName, created_at: row.createdAt })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Inserts unless a project with this id (or this domain and name) exists; true when inserted. */
  async insertProjectIfAbsent(row: {
    id: string;
    name: string;
    domainName: string;
    createdAt: Date;
  }): Promise<boolean> {
    const r = await this.db
      .insertInto('projects')
      .values({ id: row.id, name: row.name, domain_name: row.domainName, created_at: row.createdAt })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  findProject(projectId: string): Promise<ProjectRow | undefined> {
    return this.db.selectFrom('projects').selectAll().where('id', '=', projectId).executeTakeFirst();
  }

  findProjectByName(domainName: string, name: string): Promise<ProjectRow | undefined> {
    return this.db
      .selectFrom('projects')
      .selectAll()
      .where('domain_name', '=', domainName)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  /** Tenant projects; the reserved owner of the system assets is not one. */
  listProjects(): Promise<ProjectRow[]> {
    return this.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '<>', SYSTEM_PROJECT_ID)
      .orderBy('domain_name')
      .orderBy('name')
      .execute();
  }

  async hasAnyProject(): Promise<boolean> {
    const r = await this.db
      .selectFrom('projects')
      .select('id')
      .where('id', '<>', SYSTEM_PROJECT_ID)
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Serialises first-start bootstraps across processes until the transaction ends. */
  async lockBootstrap(): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`.execute(this.db);
  }

  // ── credentials ───────────────────────────────────────────────────────────

  async insertCredential(
    projectId: string,
    row: { accessKey: string; secretSealed: string; description: string; createdAt: Date },
  ): Promise<void> {
    await this.db
      .insertInto('credentials')
      .values({
        project_id: projectId,
        access_key: row.accessKey,
        secret_sealed: row.secretSealed,
        description: row.description,
        created_at: row.createdAt,
      })
      .execute();
  }

  /** The one read that returns a sealed secret. */
  findCredential(accessKey: string): Promise<CredentialRow | undefined> {
    return this.db
      .selectFrom('credentials')
      .selectAll()
      .where('access_key', '=', accessKey)
      .executeTakeFirst();
  }

  /** All credentials, or one project's; never the sealed secret. */
  listCredentials(projectId: string | undefined): Promise<CredentialListRow[]> {
    let q = this.db
      .selectFrom('credentials')
      .select(['access_key', 'project_id', 'description', 'created_at', 'last_used_at']);
    if (projectId !== undefined) q = q.where('project_id', '=', projectId);
    return q.orderBy('created_at').orderBy('access_key').execute();
  }

  async deleteCredential(accessKey: string): Promise<boolean> {
    const r = await this.db.deleteFrom('credentials').where('access_key', '=', accessKey).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async touchCredential(accessKey: string, at: Date): Promise<void> {
    await this.db
      .updateTable('credentials')
      .set({ last_used_at: at })
      .where('access_key', '=', accessKey)
      .execute();
  }

  // ── users ─────────────────────────────────────────────────────────────────

  insertUser(row: {
    id: string;
    domainName: string;
    name: string;
    passwordHash: string;
    createdAt: Date;
  }): Promise<UserRow> {
    return this.db
      .insertInto('users')
      .values({
        id: row.id,
        domain_name: row.domainName,
        name: row.name,
        password_hash: row.passwordHash,
        created_at: row.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  findUser(domainName: string, name: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('domain_name', '=', domainName)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  findUserById(userId: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  }

  listUsers(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('domain_name').orderBy('name').execute();
  }

  /** Deletes the user (their tokens go with them, ON DELETE CASCADE); returns its id. */
  async deleteUser(domainName: string, name: string): Promise<string | undefined> {
    const r = await this.db
      .deleteFrom('users')
      .where('domain_name', '=', domainName)
      .where('name', '=', name)
      .returning('id')
      .executeTakeFirst();
    return r?.id;
  }

  // ── tokens ────────────────────────────────────────────────────────────────

  async insertToken(
    projectId: string,
    row: { tokenHash: string; userId: string; issuedAt: Date; expiresAt: Date },
  ): Promise<void> {
    await this.db
      .insertInto('auth_tokens')
      .values({
        project_id: projectId,
        token_hash: row.tokenHash,
        user_id: row.userId,
        issued_at: row.issuedAt,
        expires_at: row.expiresAt,
      })
      .execute();
  }

  findToken(tokenHash: string): Promise<TokenRow | undefined> {
    return this.db
      .selectFrom('auth_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /** Deletes tokens that expired before `now`; returns how many. */
  async deleteExpiredTokens(now: Date): Promise<number> {
    const r = await this.db.deleteFrom('auth_tokens').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
