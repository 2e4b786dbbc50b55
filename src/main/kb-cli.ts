// `doppel kb import|export`: a knowledge skill to or from a skill file (docs/knowledge-export.md),
// on the database directly. The import goes through the module's checked writes, in one
// transaction, so it obeys every limit the API does.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { DatabaseBusyError, type Db, openDatabase } from '../core/db/index.ts';
import { migrate } from '../core/db/migrate.ts';
import { isAppError } from '../core/errors/index.ts';
import { systemClock } from '../core/util/time.ts';
import { openAiEmbeddings } from '../engines/dialog/index.ts';
import {
  encodeSkillFile,
  exportSkill,
  type ImportResult,
  importSkill,
  type KnowledgeAnswer,
  KnowledgeAnswerer,
  parseSkillFile,
} from '../modules/knowledge/index.ts';
import { need, parse, UsageError } from './args.ts';

/** Largest skill file read (a full skill of 1000 intents × 200 questions fits easily). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export const KB_HELP = `  kb import --project <id> --file <path> [--json]
  kb export --project <id> --skill <skill_id> [--out <path>]
  kb ask --project <id> --text <text> [--skill <id,id…>] [--json]`;

/** A thrown error a person can act on; the catalog's code is kept in the message. */
const explain = (e: unknown): Error => (isAppError(e) ? new Error(`${e.message} (${e.code})`) : (e as Error));

async function requireProject(db: Db, projectId: string): Promise<void> {
  const row = await db.selectFrom('projects').select('id').where('id', '=', projectId).executeTakeFirst();
  if (!row) throw new Error(`no project ${projectId} (create it with "doppel projects create")`);
}

/** Reads `file` and creates its skill in `projectId`. */
export async function importSkillFile(db: Db, projectId: string, file: string): Promise<ImportResult> {
  await requireProject(db, projectId);
  const stat = fs.statSync(file);
  if (stat.size > MAX_FILE_BYTES) throw new Error(`${file} is larger than ${MAX_FILE_BYTES} bytes`);
  try {
    return await importSkill({ db, clock: systemClock }, projectId, parseSkillFile(fs.readFileSync(file)));
  } catch (e) {
    throw explain(e);
  }
}

/** The skill file of `skillId`, as ExportKnowledgeSkill answers it. */
export async function exportSkillFile(db: Db, projectId: string, skillId: string): Promise<Uint8Array> {
  await requireProject(db, projectId);
  try {
    return encodeSkillFile(await exportSkill(db, projectId, skillId));
  } catch (e) {
    throw explain(e);
  }
}

/** What the knowledge base answers to `text`, with the configured threshold and embeddings. */
export async function askKnowledge(
  db: Db,
  cfg: Readonly<Config>,
  projectId: string,
  text: string,
  skillIds?: string[],
): Promise<KnowledgeAnswer> {
  await requireProject(db, projectId);
  const e = cfg.knowledge.embeddings;
  const answerer = new KnowledgeAnswerer(db, {
    ...(cfg.knowledge.threshold !== undefined ? { threshold: cfg.knowledge.threshold } : {}),
    ...(e
      ? {
          blend: e.blend,
          embeddings: openAiEmbeddings({
            url: e.url,
            ...(e.apiKey ? { apiKey: e.apiKey } : {}),
            model: e.model,
            timeoutMs: e.timeoutMs,
            allowPrivate: cfg.allowPrivateFetch,
          }),
        }
      : {}),
  });
  return answerer.ask(projectId, text, skillIds ? { skillIds } : {});
}

async function withDatabase<T>(cfg: Readonly<Config>, fn: (db: Db) => Promise<T>): Promise<T> {
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase({ url: cfg.databaseUrl, pgliteDir: path.join(cfg.dataDir, 'db') });
  } catch (e) {
    if (e instanceof DatabaseBusyError)
      throw new Error(
        `${e.message}: the embedded database is in use by a running server; stop it first (or run Doppel on PostgreSQL)`,
      );
    throw e;
  }
  try {
    await migrate(database.db);
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

export async function kbCommand(
  sub: string | undefined,
  argv: string[],
  config: (o: { dataDir?: string }) => Readonly<Config>,
): Promise<number> {
  const { values } = parse(argv, {
    'data-dir': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    project: { type: 'string' },
    file: { type: 'string' },
    skill: { type: 'string' },
    out: { type: 'string' },
    text: { type: 'string' },
  });
  if (sub !== 'import' && sub !== 'export' && sub !== 'ask') throw new UsageError('kb import|export|ask');
  const projectId = need(values.project, '--project');
  const cfg = config({ dataDir: values['data-dir'] });
  if (sub === 'import') {
    const file = need(values.file, '--file');
    const r = await withDatabase(cfg, (db) => importSkillFile(db, projectId, file));
    process.stdout.write(
      values.json
        ? `${JSON.stringify(r)}\n`
        : `skill ${r.skill_id} (${r.identify}): ${r.intents} intents, ${r.questions} questions\n`,
    );
    return 0;
  }
  if (sub === 'ask') {
    const text = need(values.text, '--text');
    const skillIds = values.skill ? values.skill.split(',').filter(Boolean) : undefined;
    const r = await withDatabase(cfg, (db) => askKnowledge(db, cfg, projectId, text, skillIds));
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else if (r.best) process.stdout.write(`${r.best.intentName} (${r.best.score}): ${r.best.answer}\n`);
    else process.stdout.write(`no match (best ${r.candidates[0]?.score ?? 0} < threshold ${r.threshold})\n`);
    return r.best ? 0 : 3;
  }
  const skillId = need(values.skill, '--skill');
  const bytes = await withDatabase(cfg, (db) => exportSkillFile(db, projectId, skillId));
  if (values.out) {
    fs.writeFileSync(values.out, bytes);
    process.stderr.write(`wrote ${values.out} (${bytes.length} bytes)\n`);
  } else process.stdout.write(bytes);
  return 0;
}
