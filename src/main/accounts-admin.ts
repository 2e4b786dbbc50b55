// Adapts AccountsService (and the webhook log) to the AdminOps shape the CLI and the admin socket share, so a
// command gives the same answer whether it ran on the database or through a live server.
import type { AccountsService, Project, User } from '../core/auth/accounts.service.ts';
import type { Db } from '../core/db/index.ts';
import { wireTime } from '../core/util/time.ts';
import { replayDelivery, WebhookLog } from '../core/webhooks/index.ts';
import type { AdminOps } from './admin.ts';

const projectView = (p: Project) => ({ id: p.id, name: p.name, domain: p.domainName });
const userView = (u: User) => ({ id: u.id, domain: u.domainName, name: u.name });

/** The operator's view of the webhook log (`doppel webhooks`). */
function webhookAdminOps(
  db: Db,
  opts: { allowPrivate: boolean },
): Pick<AdminOps, 'listWebhooks' | 'showWebhook' | 'replayWebhook'> {
  const log = new WebhookLog(db);
  return {
    listWebhooks: (f) => log.list(f),
    async showWebhook({ id }) {
      const found = await log.find(id);
      if (!found) throw new Error(`no webhook delivery ${id}`);
      return { delivery: found.view, attempts: found.attempts, body: found.body };
    },
    replayWebhook: ({ id }) => replayDelivery(db, id, { now: new Date(), allowPrivate: opts.allowPrivate }),
  };
}

export function accountsAdminOps(
  accounts: AccountsService,
  webhooks: { db: Db; allowPrivate: boolean },
): AdminOps {
  return {
    ...webhookAdminOps(webhooks.db, { allowPrivate: webhooks.allowPrivate }),
    async createCredential({ projectId, description }) {
      if (!projectId) throw new Error('a project id is required');
      // README: the project is created when new (named after its id, default domain).
      await accounts.ensureProject(projectId);
      const c = await accounts.createCredential(projectId, description ?? '');
      return { ak: c.ak, sk: c.sk, project_id: c.projectId };
    },
    async listCredentials({ projectId }) {
      const list = await accounts.listCredentials(projectId);
      return list.map((c) => ({
        ak: c.accessKey,
        project_id: c.projectId,
        description: c.description,
        created_at: wireTime(c.createdAt),
        last_used_at: c.lastUsedAt ? wireTime(c.lastUsedAt) : null,
      }));
    },
    async deleteCredential({ ak }) {
      return { deleted: await accounts.deleteCredential(ak) };
    },
    async createProject({ name, domain, id }) {
      return projectView(await accounts.createProject({ name, domainName: domain, id }));
    },
    async listProjects() {
      return (await accounts.listProjects()).map(projectView);
    },
    async createUser({ domain, name, password }) {
      return userView(await accounts.createUser({ domainName: domain, name, password }));
    },
    async listUsers() {
      return (await accounts.listUsers()).map(userView);
    },
    async deleteUser({ domain, name }) {
      return { deleted: await accounts.deleteUser({ domainName: domain, name }) };
    },
  };
}
