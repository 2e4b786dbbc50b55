// Projects, access keys, users and tokens: what the CLI manages, what the authenticator
// asks, and what the IAM token endpoint issues. Decides; AccountsRepo does the SQL.
//
// Caches (per process; other nodes keep their own):
// - secret keys by access key for `secretCacheTtlMs` (60 s). deleteCredential clears this
//   node's entry at once; on the other nodes of a cluster a deleted key keeps working until
//   their entry expires, so revocation takes up to 60 s to reach every node.
// - token verifications for the same time, capped by the token's own expiry; deleting a
//   user has the same staleness window on other nodes.
import type { Db } from '../db/index.ts';
import { SYSTEM_PROJECT_ID } from '../db/schema.ts';
import { isUniqueViolation } from '../db/sql-helpers.ts';
import { Errors } from '../errors/index.ts';
import { isHexId, newId } from '../util/ids.ts';
import type { Clock } from '../util/time.ts';
import { AccountsRepo, type ProjectRow, type UserRow } from './accounts.repo.ts';
import { AuthErrors } from './errors.ts';
import {
  DEFAULT_SCRYPT_COST,
  generateAccessKey,
  generateSecretKey,
  generateToken,
  hashPassword,
  hashToken,
  type ScryptCost,
  seal,
  unseal,
  verifyPassword,
} from './secrets.ts';

export interface AccountsServiceOptions {
  db: Db;
  /** 32 bytes; seals secret keys at rest. */
  masterKey: Buffer;
  clock: Clock;
  /** How long a looked-up secret key stays cached (default 60 s). */
  secretCacheTtlMs?: number;
  /** Token lifetime (default 24 h, as IAM). */
  tokenTtlMs?: number;
  /** scrypt cost for new password hashes (tests lower it). */
  passwordCost?: ScryptCost;
}

export interface Project {
  id: string;
  name: string;
  domainName: string;
  createdAt: Date;
}

export interface CredentialInfo {
  accessKey: string;
  projectId: string;
  description: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** The only shape that carries a secret key in the clear; shown once, never stored so. */
export interface NewCredential {
  ak: string;
  sk: string;
  projectId: string;
}

export interface User {
  id: string;
  domainName: string;
  name: string;
  createdAt: Date;
}

export interface IssueTokenInput {
  domainName: string;
  userName: string;
  password: string;
  /** The scope: a project by id or by name (within the user's domain). */
  project: { id?: string; name?: string };
}

export interface IssuedToken {
  token: string;
  issuedAt: Date;
  expiresAt: Date;
  project: Project;
  user: User;
}

export interface TokenCaller {
  projectId: string;
  userId: string;
}

export const DEFAULT_DOMAIN = 'doppel';
const SECRET_CACHE_TTL_MS = 60_000;
const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
/** last_used_at is written at most this often per access key. */
const TOUCH_INTERVAL_MS = 60_000;
/** Expired tokens are purged at most this often, on the next issue. */
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
const TOKEN_CACHE_MAX = 10_000;
const MIN_PASSWORD_LENGTH = 8;

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  domainName: r.domain_name,
  createdAt: r.created_at,
});
const toUser = (r: UserRow): User => ({
  id: r.id,
  domainName: r.domain_name,
  name: r.name,
  createdAt: r.created_at,
});

function requireName(label: string, value: unknown, max = 64): string {
  if (typeof value !== 'string' || value.trim() === '') throw Errors.invalidParameter(`${label} is required`);
  if (value.length > max) throw Errors.invalidParameter(`${label} must be at most ${max} characters`);
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    throw Errors.invalidParameter(`${label} must not contain control characters`);
  return value;
}

export class AccountsService {
  private readonly repo: AccountsRepo;
  private readonly secretCache = new Map<string, { sk: string; projectId: string; until: number }>();
  private readonly tokenCache = new Map<string, TokenCaller & { expiresAt: number; until: number }>();
  private readonly lastTouched = new Map<string, number>();
  private readonly secretTtl: number;
  private readonly tokenTtl: number;
  private readonly passwordCost: ScryptCost;
  private lastPurge = 0;
  /** A hash to check unknown users' passwords against, so they take as long as known ones. */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly opts: AccountsServiceOptions) {
    if (opts.masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.repo = new AccountsRepo(opts.db);
    this.secretTtl = opts.secretCacheTtlMs ?? SECRET_CACHE_TTL_MS;
    this.tokenTtl = opts.tokenTtlMs ?? TOKEN_TTL_MS;
    this.passwordCost = opts.passwordCost ?? DEFAULT_SCRYPT_COST;
  }

  private now(): Date {
    return this.opts.clock.now();
  }

  // ── projects ──────────────────────────────────────────────────────────────

  async createProject(input: { name: string; domainName?: string; id?: string }): Promise<Project> {
    const name = requireName('project name', input.name);
    const domainName = requireName('domain name', input.domainName ?? DEFAULT_DOMAIN);
    const id = input.id ?? newId();
    if (!isHexId(id)) throw Errors.invalidParameter('project id must be 32 lowercase hex characters');
    try {
      return toProject(await this.repo.insertProject({ id, name, domainName, createdAt: this.now() }));
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw Errors.invalidParameter(`a project with id ${id} or name ${domainName}/${name} already exists`);
      }
      throw e;
    }
  }

  async getProject(projectId: string): Promise<Project | null> {
    const r = await this.repo.findProject(projectId);
    return r ? toProject(r) : null;
  }

  async listProjects(): Promise<Project[]> {
    return (await this.repo.listProjects()).map(toProject);
  }

  /**
   * For loose mode: makes sure a row exists for a project id that nobody created, so rows
   * that reference projects can be written. Named after its id, in the default domain.
   */
  async ensureProject(projectId: string): Promise<void> {
    if (!isHexId(projectId) || projectId === SYSTEM_PROJECT_ID)
      throw Errors.invalidParameter('project id must be 32 lowercase hex characters');
    await this.repo.insertProjectIfAbsent({
      id: projectId,
      name: projectId,
      domainName: DEFAULT_DOMAIN,
      createdAt: this.now(),
    });
  }

  // ── credentials ───────────────────────────────────────────────────────────

  /** Creates an access key for a project; the only time the secret key is returned. */
  async createCredential(projectId: string, description = ''): Promise<NewCredential> {
    return this.createCredentialWith(this.repo, projectId, description);
  }

  private async createCredentialWith(
    repo: AccountsRepo,
    projectId: string,
    description: string,
  ): Promise<NewCredential> {
    if (typeof description !== 'string' || description.length > 255) {
      throw Errors.invalidParameter('description must be a string of at most 255 characters');
    }
    if (projectId === SYSTEM_PROJECT_ID || !(await repo.findProject(projectId)))
      throw Errors.invalidParameter(`project ${projectId} does not exist`);
    const ak = generateAccessKey();
    const sk = generateSecretKey();
    await repo.insertCredential(projectId, {
      accessKey: ak,
      secretSealed: seal(this.opts.masterKey, sk, ak),
      description,
      createdAt: this.now(),
    });
    return { ak, sk, projectId };
  }

  async listCredentials(projectId?: string): Promise<CredentialInfo[]> {
    return (await this.repo.listCredentials(projectId)).map((r) => ({
      accessKey: r.access_key,
      projectId: r.project_id,
      description: r.description,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  async deleteCredential(accessKey: string): Promise<boolean> {
    this.secretCache.delete(accessKey);
    this.lastTouched.delete(accessKey);
    return this.repo.deleteCredential(accessKey);
  }

  /**
   * The secret key and project of an access key, or null. Cached (see the top of the
   * file). A value that does not unseal means the master key changed: that is a server
   * fault, reported as one (UnsealError), not as a bad signature.
   */
  async lookupSecret(accessKey: string): Promise<{ sk: string; projectId: string } | null> {
    const nowMs = Date.now();
    const hit = this.secretCache.get(accessKey);
    if (hit && hit.until > nowMs) return { sk: hit.sk, projectId: hit.projectId };
    this.secretCache.delete(accessKey);
    const row = await this.repo.findCredential(accessKey);
    if (!row) return null;
    const sk = unseal(this.opts.masterKey, row.secret_sealed, row.access_key);
    this.secretCache.set(accessKey, { sk, projectId: row.project_id, until: nowMs + this.secretTtl });
    return { sk, projectId: row.project_id };
  }

  /** Records a successful use; writes at most once a minute per key, and never fails the request. */
  async markCredentialUsed(accessKey: string): Promise<void> {
    const now = this.now();
    const last = this.lastTouched.get(accessKey);
    if (last !== undefined && now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(accessKey, now.getTime());
    await this.repo.touchCredential(accessKey, now).catch(() => {});
  }

  // ── users ─────────────────────────────────────────────────────────────────

  async createUser(input: { domainName: string; name: string; password: string }): Promise<User> {
    const domainName = requireName('domain name', input.domainName);
    const name = requireName('user name', input.name);
    if (typeof input.password !== 'string' || input.password.length < MIN_PASSWORD_LENGTH) {
      throw Errors.invalidParameter(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    if (input.password.length > 1024)
      throw Errors.invalidParameter('password must be at most 1024 characters');
    const passwordHash = await hashPassword(input.password, this.passwordCost);
    try {
      return toUser(
        await this.repo.insertUser({ id: newId(), domainName, name, passwordHash, createdAt: this.now() }),
      );
    } catch (e) {
      if (isUniqueViolation(e))
        throw Errors.invalidParameter(`user ${name} already exists in domain ${domainName}`);
      throw e;
    }
  }

  async deleteUser(input: { domainName: string; name: string }): Promise<boolean> {
    const id = await this.repo.deleteUser(input.domainName, input.name);
    if (id === undefined) return false;
    for (const [hash, v] of this.tokenCache) if (v.userId === id) this.tokenCache.delete(hash);
    return true;
  }

  async listUsers(): Promise<User[]> {
    return (await this.repo.listUsers()).map(toUser);
  }

  // ── tokens ────────────────────────────────────────────────────────────────

  /** Password authentication with a project scope, as IAM's POST /v3/auth/tokens. */
  async issueToken(input: IssueTokenInput): Promise<IssuedToken> {
    const user = await this.repo.findUser(input.domainName, input.userName);
    if (!user) {
      this.dummyHash ??= hashPassword('doppel-no-such-user', this.passwordCost);
      await verifyPassword(input.password, await this.dummyHash);
      throw AuthErrors.iamWrongPassword();
    }
    if (!(await verifyPassword(input.password, user.password_hash))) throw AuthErrors.iamWrongPassword();

    let project: ProjectRow | undefined;
    if (input.project.id !== undefined) {
      project = await this.repo.findProject(input.project.id);
      if (project && input.project.name !== undefined && project.name !== input.project.name)
        project = undefined;
    } else if (input.project.name !== undefined) {
      project = await this.repo.findProjectByName(user.domain_name, input.project.name);
    } else {
      throw AuthErrors.iamBadRequest('The scope must name a project by id or name.');
    }
    if (!project || project.domain_name !== user.domain_name) throw AuthErrors.iamNoProjectAccess();

    const issuedAt = this.now();
    const expiresAt = new Date(issuedAt.getTime() + this.tokenTtl);
    const token = generateToken();
    await this.repo.insertToken(project.id, {
      tokenHash: hashToken(token),
      userId: user.id,
      issuedAt,
      expiresAt,
    });
    if (issuedAt.getTime() - this.lastPurge >= PURGE_INTERVAL_MS) {
      this.lastPurge = issuedAt.getTime();
      await this.purgeExpiredTokens();
    }
    return { token, issuedAt, expiresAt, project: toProject(project), user: toUser(user) };
  }

  /** Who a token belongs to; throws 401 APIGW.0301 as the gateway does for a bad or expired token. */
  async verifyToken(token: string): Promise<TokenCaller> {
    const hash = hashToken(token);
    const now = this.now().getTime();
    let entry = this.tokenCache.get(hash);
    if (!entry || entry.until <= Date.now()) {
      this.tokenCache.delete(hash);
      const row = await this.repo.findToken(hash);
      if (!row) throw Errors.authFailed('decrypt token fail: X-Auth-Token is not a token this server issued');
      entry = {
        projectId: row.project_id,
        userId: row.user_id,
        expiresAt: row.expires_at.getTime(),
        until: Date.now() + this.secretTtl,
      };
      if (this.tokenCache.size >= TOKEN_CACHE_MAX) {
        // Evict the oldest entry (Maps iterate in insertion order).
        this.tokenCache.delete(this.tokenCache.keys().next().value!);
      }
      this.tokenCache.set(hash, entry);
    }
    if (entry.expiresAt <= now) {
      throw Errors.authFailed(`token expires, expires_at: ${new Date(entry.expiresAt).toISOString()}`);
    }
    return { projectId: entry.projectId, userId: entry.userId };
  }

  /** Deletes expired tokens; returns how many. */
  async purgeExpiredTokens(): Promise<number> {
    const n = await this.repo.deleteExpiredTokens(this.now());
    for (const [hash, v] of this.tokenCache)
      if (v.expiresAt <= this.now().getTime()) this.tokenCache.delete(hash);
    return n;
  }

  // ── first start ───────────────────────────────────────────────────────────

  /**
   * On a database without projects, creates the default project (domain `doppel`, named
   * after the region, as IAM names a region's default project) and one access key for it,
   * and returns them so the caller can show the secret once. Otherwise returns null.
   * Safe when several processes start together: they serialise on an advisory lock.
   */
  async ensureBootstrap(input: {
    region: string;
    domainName?: string;
  }): Promise<(NewCredential & { project: Project }) | null> {
    const name = requireName('region', input.region);
    const domainName = input.domainName ?? DEFAULT_DOMAIN;
    return this.opts.db.transaction().execute(async (trx) => {
      const repo = new AccountsRepo(trx);
      await repo.lockBootstrap();
      if (await repo.hasAnyProject()) return null;
      const project = toProject(
        await repo.insertProject({ id: newId(), name, domainName, createdAt: this.now() }),
      );
      const cred = await this.createCredentialWith(repo, project.id, 'created at first start');
      return { ...cred, project };
    });
  }
}
