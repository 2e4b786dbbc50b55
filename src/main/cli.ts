// `doppel <command>`: serve, migrate, account management, knowledge skill files and the webhook log.
import path from 'node:path';
import { type Config, ConfigError, type ConfigOverrides, loadConfig } from '../config.ts';
import { AccountsService } from '../core/auth/accounts.service.ts';
import { loadOrCreateMasterKey } from '../core/auth/secrets.ts';
import { DatabaseBusyError, openDatabase } from '../core/db/index.ts';
import { migrate } from '../core/db/migrate.ts';
import { systemClock } from '../core/util/time.ts';
import { accountsAdminOps } from './accounts-admin.ts';
import { type AdminOps, connectAdmin } from './admin.ts';
import { need, parse, UsageError } from './args.ts';
import { ClusterConfigError, clusterChild, serveCluster } from './cluster.ts';
import { KB_HELP, kbCommand } from './kb-cli.ts';
import { serve } from './serve.ts';

const HELP = `Usage: doppel <command> [options]

  serve [--role all|api|worker] [--auth strict|loose] [--host H] [--port N] [--data-dir D]
        [--api-processes N]       (N API processes on one port; PostgreSQL only)
  migrate [--data-dir D]
  credentials create --project <id> [--description D] [--json]
  credentials list [--project <id>] [--json]
  credentials delete <access-key>
  projects create --name <name> [--domain D] [--id <32 hex>] [--json]
  projects list [--json]
  users create --domain D --name N [--password P]     (or DOPPEL_PASSWORD)
  users list [--json]
  users delete --domain D --name N
${KB_HELP}
  webhooks list [--project <id>] [--state PENDING|DELIVERED|FAILED] [--source S] [--limit N] [--json]
  webhooks show <delivery-id> [--json]
  webhooks replay <delivery-id> [--json]

Configuration comes from the environment (DOPPEL_*, DATABASE_URL, REDIS_URL, S3_*); see README.md.`;

const common = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function config(overrides: ConfigOverrides): Readonly<Config> {
  return loadConfig(process.env, overrides);
}

/** Account operations: through a running server's admin socket, else on the database directly. */
async function withAccounts<T>(cfg: Readonly<Config>, fn: (ops: AdminOps) => Promise<T>): Promise<T> {
  if (!cfg.databaseUrl) {
    const remote = await connectAdmin(cfg.dataDir);
    if (remote) return fn(remote);
  }
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase({ url: cfg.databaseUrl, pgliteDir: path.join(cfg.dataDir, 'db') });
  } catch (e) {
    if (e instanceof DatabaseBusyError) {
      throw new Error(`${e.message}, but it does not answer on its admin socket; is it still starting?`);
    }
    throw e;
  }
  try {
    await migrate(database.db);
    const master = loadOrCreateMasterKey(cfg.dataDir, cfg.masterKey);
    const accounts = new AccountsService({ db: database.db, masterKey: master.key, clock: systemClock });
    return await fn(accountsAdminOps(accounts, { db: database.db, allowPrivate: cfg.allowPrivateFetch }));
  } finally {
    await database.close();
  }
}

function print(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
}

function table(rows: Array<Record<string, unknown>>, cols: string[]): string {
  if (rows.length === 0) return '(none)';
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cols), ...rows.map((r) => line(cols.map((c) => String(r[c] ?? ''))))].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;

    case 'serve': {
      const { values } = parse(argv.slice(1), {
        ...common,
        role: { type: 'string' },
        auth: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'api-processes': { type: 'string' },
      });
      const role = values.role as ConfigOverrides['role'];
      if (role !== undefined && !['all', 'api', 'worker'].includes(role))
        throw new UsageError('--role must be all, api or worker');
      const auth = values.auth as ConfigOverrides['auth'];
      if (auth !== undefined && !['strict', 'loose'].includes(auth))
        throw new UsageError('--auth must be strict or loose');
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
        throw new UsageError('--port must be an integer between 0 and 65535');
      }
      const rawN = values['api-processes'];
      const apiProcesses = rawN === undefined ? undefined : Number(rawN);
      if (
        apiProcesses !== undefined &&
        !(Number.isInteger(apiProcesses) && apiProcesses >= 1 && apiProcesses <= 64)
      ) {
        throw new UsageError('--api-processes must be an integer between 1 and 64');
      }
      const cfg = config({ role, auth, host: values.host, port, apiProcesses, dataDir: values['data-dir'] });
      const child = clusterChild();
      if (child) {
        // A child of `--api-processes N`: the primary chose its role and the port.
        await serve({ ...cfg, role: child.role, port: child.port, publicUrl: child.publicUrl }, child);
      } else if (cfg.apiProcesses > 1) {
        await serveCluster(cfg);
      } else {
        await serve(cfg);
      }
      return -1; // keep running
    }

    case 'migrate': {
      const { values } = parse(argv.slice(1), common);
      const cfg = config({ dataDir: values['data-dir'] });
      const database = await openDatabase({ url: cfg.databaseUrl, pgliteDir: path.join(cfg.dataDir, 'db') });
      try {
        const r = await migrate(database.db);
        console.log(
          r.applied.length > 0
            ? `applied ${r.applied.join(', ')} on ${database.where}`
            : `${database.where} is up to date (at migration ${r.current})`,
        );
      } finally {
        await database.close();
      }
      return 0;
    }

    case 'credentials': {
      const { values, positionals } = parse(rest, {
        ...common,
        project: { type: 'string' },
        description: { type: 'string' },
      });
      const cfg = config({ dataDir: values['data-dir'] });
      return withAccounts(cfg, async (ops) => {
        if (sub === 'create') {
          const c = await ops.createCredential({
            projectId: need(values.project, '--project'),
            description: values.description,
          });
          print(
            values.json,
            c,
            () => `access key : ${c.ak}\nsecret key : ${c.sk}\nproject id : ${c.project_id}`,
          );
        } else if (sub === 'list') {
          const list = await ops.listCredentials({ projectId: values.project });
          print(values.json, list, () =>
            table(list as never, ['ak', 'project_id', 'description', 'created_at', 'last_used_at']),
          );
        } else if (sub === 'delete') {
          const ak = need(positionals[0], 'the access key');
          const r = await ops.deleteCredential({ ak });
          if (!r.deleted) throw new Error(`no access key ${ak}`);
          print(values.json, r, () => `deleted ${ak}`);
        } else throw new UsageError('credentials create|list|delete');
        return 0;
      });
    }

    case 'projects': {
      const { values } = parse(rest, {
        ...common,
        name: { type: 'string' },
        domain: { type: 'string' },
        id: { type: 'string' },
      });
      const cfg = config({ dataDir: values['data-dir'] });
      return withAccounts(cfg, async (ops) => {
        if (sub === 'create') {
          const p = await ops.createProject({
            name: need(values.name, '--name'),
            domain: values.domain,
            id: values.id,
          });
          print(values.json, p, () => `project ${p.id} (${p.domain}/${p.name})`);
        } else if (sub === 'list') {
          const list = await ops.listProjects({});
          print(values.json, list, () => table(list, ['id', 'domain', 'name']));
        } else throw new UsageError('projects create|list');
        return 0;
      });
    }

    case 'users': {
      const { values } = parse(rest, {
        ...common,
        domain: { type: 'string' },
        name: { type: 'string' },
        password: { type: 'string' },
      });
      const cfg = config({ dataDir: values['data-dir'] });
      return withAccounts(cfg, async (ops) => {
        if (sub === 'create') {
          const password = values.password ?? process.env.DOPPEL_PASSWORD;
          const u = await ops.createUser({
            domain: need(values.domain, '--domain'),
            name: need(values.name, '--name'),
            password: need(password, '--password (or DOPPEL_PASSWORD)'),
          });
          print(values.json, u, () => `user ${u.domain}/${u.name} (${u.id})`);
        } else if (sub === 'list') {
          const list = await ops.listUsers({});
          print(values.json, list, () => table(list, ['id', 'domain', 'name']));
        } else if (sub === 'delete') {
          const r = await ops.deleteUser({
            domain: need(values.domain, '--domain'),
            name: need(values.name, '--name'),
          });
          if (!r.deleted) throw new Error('no such user');
          print(values.json, r, () => 'deleted');
        } else throw new UsageError('users create|list|delete');
        return 0;
      });
    }

    case 'kb':
      return kbCommand(sub, rest, config);

    case 'webhooks': {
      const { values, positionals } = parse(rest, {
        ...common,
        project: { type: 'string' },
        state: { type: 'string' },
        source: { type: 'string' },
        limit: { type: 'string' },
      });
      const cfg = config({ dataDir: values['data-dir'] });
      return withAccounts(cfg, async (ops) => {
        if (sub === 'list') {
          const state = values.state?.toUpperCase();
          if (state && !['PENDING', 'DELIVERED', 'FAILED'].includes(state))
            throw new UsageError('--state is PENDING, DELIVERED or FAILED');
          const limit = values.limit === undefined ? undefined : Number(values.limit);
          if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000))
            throw new UsageError('--limit is a whole number from 1 to 1000');
          const list = await ops.listWebhooks({
            ...(values.project ? { projectId: values.project } : {}),
            ...(state ? { state: state as 'PENDING' } : {}),
            ...(values.source ? { source: values.source } : {}),
            ...(limit ? { limit } : {}),
          });
          print(values.json, list, () =>
            table(list as never, [
              'delivery_id',
              'source',
              'resource_id',
              'state',
              'attempts',
              'last_status',
              'last_latency_ms',
              'created_at',
              'url',
            ]),
          );
        } else if (sub === 'show') {
          const r = await ops.showWebhook({ id: need(positionals[0], 'the delivery id') });
          print(values.json, r, () =>
            [
              ...Object.entries(r.delivery).map(([k, v]) => `${k.padEnd(16)}: ${v ?? ''}`),
              `body            : ${JSON.stringify(r.body)}`,
              '',
              table(r.attempts as never, ['attempt', 'started_at', 'status', 'latency_ms', 'error']),
            ].join('\n'),
          );
        } else if (sub === 'replay') {
          const id = need(positionals[0], 'the delivery id');
          const r = await ops.replayWebhook({ id });
          print(
            values.json,
            r,
            () =>
              `replayed ${id} as ${r.delivery_id}: ${r.state}` +
              (r.last_status !== null ? ` (HTTP ${r.last_status}, ${r.last_latency_ms} ms)` : '') +
              (r.last_error && r.state !== 'DELIVERED' ? ` — ${r.last_error}` : ''),
          );
          return r.state === 'DELIVERED' ? 0 : 4;
        } else throw new UsageError('webhooks list|show|replay');
        return 0;
      });
    }

    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

try {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
} catch (e) {
  if (e instanceof UsageError) {
    console.error(`doppel: ${e.message}\n\n${HELP}`);
    process.exitCode = 2;
  } else if (e instanceof ConfigError || e instanceof ClusterConfigError) {
    console.error(`doppel: ${e.message}`);
    process.exitCode = 78; // EX_CONFIG
  } else {
    console.error(`doppel: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
