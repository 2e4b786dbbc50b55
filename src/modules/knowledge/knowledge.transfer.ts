// The skill file (docs/knowledge-export.md): what ExportKnowledgeSkill answers and what
// `doppel kb import` reads. Import creates a new skill with the file's name and identify and
// all its intents and questions in one transaction, through the same checked writes as the API.
import type { Db } from '../../core/db/index.ts';
import type { Clock } from '../../core/util/time.ts';
import { KnowledgeErrors } from './knowledge.errors.ts';
import { KnowledgeRepo } from './knowledge.repo.ts';
import {
  checkIntentInput,
  checkQuestionTexts,
  checkSkillInput,
  insertIntent,
  insertQuestions,
  insertSkill,
  knowledgeWrite,
  requireSkill,
} from './knowledge.writes.ts';

export const SKILL_FILE_FORMAT = 'doppel-knowledge-skill';
export const SKILL_FILE_VERSION = 1;
/** ExportKnowledgeSkill `export_type`: 0 is the only type MetaStudio documents (iFLYTEK). */
export const EXPORT_TYPES: readonly number[] = [0];

export interface SkillFile {
  format: typeof SKILL_FILE_FORMAT;
  version: typeof SKILL_FILE_VERSION;
  skill: { name: string; identify: string };
  intents: Array<{ name: string; identify?: string; answer: string; questions: string[] }>;
}

export async function exportSkill(db: Db, projectId: string, skillId: string): Promise<SkillFile> {
  const repo = new KnowledgeRepo(db);
  const skill = await requireSkill({ repo, projectId }, skillId);
  const intents = await repo.intentsOfSkill(projectId, skillId);
  const questions = await repo.questionsOfSkill(projectId, skillId);
  const byIntent = new Map<string, string[]>();
  for (const q of questions) byIntent.set(q.intent_id, [...(byIntent.get(q.intent_id) ?? []), q.question]);
  return {
    format: SKILL_FILE_FORMAT,
    version: SKILL_FILE_VERSION,
    skill: { name: skill.name, identify: skill.identify },
    intents: intents.map((i) => ({
      name: i.name,
      identify: i.identify,
      answer: i.answer,
      questions: byIntent.get(i.intent_id) ?? [],
    })),
  };
}

/** The file's bytes: UTF-8 JSON, one intent per line for readable diffs. */
export function encodeSkillFile(file: SkillFile): Uint8Array {
  const head = JSON.stringify({ format: file.format, version: file.version, skill: file.skill });
  const intents = file.intents.map((i) => `  ${JSON.stringify(i)}`).join(',\n');
  const text = `${head.slice(0, -1)},"intents":[${intents ? `\n${intents}\n` : ''}]}\n`;
  return new TextEncoder().encode(text);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and checks a skill file; errors name the offending place (`intents[3].answer`). */
export function parseSkillFile(bytes: Uint8Array | string): SkillFile {
  let doc: unknown;
  try {
    doc = JSON.parse(
      typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes),
    );
  } catch (e) {
    throw KnowledgeErrors.invalid(`the skill file is not UTF-8 JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc) || doc.format !== SKILL_FILE_FORMAT)
    throw KnowledgeErrors.invalid(`the skill file must have "format": "${SKILL_FILE_FORMAT}"`);
  if (doc.version !== SKILL_FILE_VERSION)
    throw KnowledgeErrors.invalid(
      `skill file version ${JSON.stringify(doc.version)} is not supported (expected ${SKILL_FILE_VERSION})`,
    );
  if (!isObject(doc.skill)) throw KnowledgeErrors.invalid('the skill file has no "skill" object');
  const skill = checkSkillInput(doc.skill.name, doc.skill.identify, 'skill.');
  if (!Array.isArray(doc.intents)) throw KnowledgeErrors.invalid('"intents" must be an array');
  const names = new Map<string, number>();
  const intents = doc.intents.map((raw, i) => {
    const field = `intents[${i}]`;
    if (!isObject(raw)) throw KnowledgeErrors.invalid(`${field} must be an object`);
    const { name, answer } = checkIntentInput(raw.name, raw.answer, `${field}.`);
    const first = names.get(name);
    if (first !== undefined) throw KnowledgeErrors.invalid(`${field}.name repeats intents[${first}].name`);
    names.set(name, i);
    const list = raw.questions ?? [];
    if (!Array.isArray(list)) throw KnowledgeErrors.invalid(`${field}.questions must be an array`);
    const questions = checkQuestionTexts(list, `${field}.questions`, 'strings');
    const identify = typeof raw.identify === 'string' ? raw.identify : undefined;
    return { name, answer, questions, ...(identify ? { identify } : {}) };
  });
  return { format: SKILL_FILE_FORMAT, version: SKILL_FILE_VERSION, skill, intents };
}

export interface ImportResult {
  skill_id: string;
  identify: string;
  intents: number;
  questions: number;
}

/**
 * A new skill from a file, in one transaction: refused (nothing written) when the name or
 * identify is taken or any limit would be exceeded. Intent identifies are kept when free.
 */
export function importSkill(
  deps: { db: Db; clock: Clock },
  projectId: string,
  file: SkillFile,
): Promise<ImportResult> {
  return knowledgeWrite(deps.db, projectId, deps.clock.now(), async (c) => {
    const skill = await insertSkill(c, file.skill.name, file.skill.identify);
    let questions = 0;
    for (const [i, it] of file.intents.entries()) {
      const intent = await insertIntent(c, skill.skill_id, it);
      questions += (await insertQuestions(c, intent, it.questions, `intents[${i}].questions`)).length;
    }
    return { skill_id: skill.skill_id, identify: skill.identify, intents: file.intents.length, questions };
  });
}
