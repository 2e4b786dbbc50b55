// The embedded database belongs to one process. While a server runs on a data dir, the
// CLI's account commands reach it through a Unix socket in that dir (mode 0600, so only
// the same OS user can use it) instead of opening the database a second time.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AttemptView, DeliveryState, DeliveryView } from '../core/webhooks/index.ts';

export interface CredentialView {
  ak: string;
  project_id: string;
  description: string;
  created_at: string;
  last_used_at: string | null;
}

/** The account operations the CLI performs, whether on the database or through a running server. */
export interface AdminOps {
  createCredential(a: {
    projectId: string;
    description?: string;
  }): Promise<{ ak: string; sk: string; project_id: string }>;
  listCredentials(a: { projectId?: string }): Promise<CredentialView[]>;
  deleteCredential(a: { ak: string }): Promise<{ deleted: boolean }>;
  createProject(a: {
    name: string;
    domain?: string;
    id?: string;
  }): Promise<{ id: string; name: string; domain: string }>;
  listProjects(a: Record<string, never>): Promise<Array<{ id: string; name: string; domain: string }>>;
  createUser(a: {
    domain: string;
    name: string;
    password: string;
  }): Promise<{ id: string; domain: string; name: string }>;
  listUsers(a: Record<string, never>): Promise<Array<{ id: string; domain: string; name: string }>>;
  deleteUser(a: { domain: string; name: string }): Promise<{ deleted: boolean }>;
  listWebhooks(a: {
    projectId?: string;
    state?: DeliveryState;
    source?: string;
    limit?: number;
  }): Promise<DeliveryView[]>;
  showWebhook(a: { id: string }): Promise<{ delivery: DeliveryView; attempts: AttemptView[]; body: unknown }>;
  replayWebhook(a: { id: string }): Promise<DeliveryView>;
}

const METHODS = new Set<keyof AdminOps>([
  'createCredential',
  'listCredentials',
  'deleteCredential',
  'createProject',
  'listProjects',
  'createUser',
  'listUsers',
  'deleteUser',
  'listWebhooks',
  'showWebhook',
  'replayWebhook',
]);

const adminSocketPath = (dataDir: string) => path.join(dataDir, 'admin.sock');

export async function startAdminServer(dataDir: string, ops: AdminOps): Promise<{ close(): Promise<void> }> {
  const socket = adminSocketPath(dataDir);
  fs.rmSync(socket, { force: true });
  const server = http.createServer(async (req, res) => {
    const method = (req.url ?? '').replace(/^\/rpc\//, '') as keyof AdminOps;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !METHODS.has(method)) return reply(404, { error: 'no such admin call' });
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const args = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      reply(200, await (ops[method] as (a: unknown) => Promise<unknown>)(args));
    } catch (e) {
      reply(400, { error: (e as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  fs.chmodSync(socket, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        fs.rmSync(socket, { force: true });
      }),
  };
}

/** Returns a client when a server answers on the data dir's socket, else undefined. */
export async function connectAdmin(dataDir: string): Promise<AdminOps | undefined> {
  const socket = adminSocketPath(dataDir);
  if (!fs.existsSync(socket)) return undefined;
  const call = (method: string, args: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const body = JSON.stringify(args ?? {});
      const req = http.request(
        {
          socketPath: socket,
          path: `/rpc/${method}`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
            if (res.statusCode === 200) resolve(parsed);
            else reject(new Error(parsed?.error ?? `admin call failed with ${res.statusCode}`));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  try {
    await call('listProjects', {});
  } catch {
    return undefined; // a stale socket left by a killed server
  }
  return Object.fromEntries([...METHODS].map((m) => [m, (a: unknown) => call(m, a)])) as unknown as AdminOps;
}
