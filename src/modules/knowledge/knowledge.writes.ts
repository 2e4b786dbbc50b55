// The checked writes every path shares (the API services and the importer), each inside the
// caller's transaction after its revision bump: limits, uniqueness, identify generation.
import type { Db } from '../../core/db/index.ts';
import { newId } from '../../core/util/ids.ts';
import { KnowledgeErrors } from './knowledge.errors.ts';
import {
  ANSWER_MAX,
  INTENT_NAME_MAX,
  MAX_INTENTS_PER_SKILL,
  MAX_QUESTIONS_PER_INTENT,
  MAX_SKILLS_PER_PROJECT,
  QUESTION_MAX,
  SKILL_NAME_MAX,
} from './knowledge.limits.ts';
import { type IntentRow, KnowledgeRepo, type QuestionRow, type SkillRow } from './knowledge.repo.ts';
import {
  at,
  checkAnswer,
  checkLine,
  checkSkillIdentify,
  isIntentIdentify,
  newIntentIdentify,
} from './knowledge.rules.ts';

export interface WriteCtx {
  repo: KnowledgeRepo;
  projectId: string;
  rev: number;
  now: Date;
}

/** Runs `fn` in one transaction, after the project's revision bump (every write's first step). */
export function knowledgeWrite<T>(db: Db, projectId: string, now: Date, fn: (c: WriteCtx) => Promise<T>) {
  return db.transaction().execute(async (trx) => {
    const repo = new KnowledgeRepo(trx);
    const rev = await repo.bumpRev(projectId);
    return fn({ repo, projectId, rev, now });
  });
}

/** Input checks for a skill (before any transaction). */
export function checkSkillInput(name: unknown, identify: unknown, field = '') {
  return {
    name: checkLine(name, `${field}name`, SKILL_NAME_MAX),
    identify: checkSkillIdentify(identify, `${field}identify`),
  };
}

export function checkIntentInput(name: unknown, answer: unknown, field = '') {
  return {
    name: checkLine(name, `${field}name`, INTENT_NAME_MAX),
    answer: checkAnswer(answer, `${field}answer`, ANSWER_MAX),
  };
}

/**
 * Question texts of a list, checked, with no repeats among themselves. `items` says whether
 * the list holds `{question}` objects (the API) or plain strings (a skill file).
 */
export function checkQuestionTexts(
  values: unknown[],
  field: string,
  items: 'objects' | 'strings' = 'objects',
) {
  const seen = new Map<string, number>();
  return values.map((v, i) => {
    const label = items === 'objects' ? `${field}[${i}].question` : `${field}[${i}]`;
    const text = checkLine(v, label, QUESTION_MAX);
    const first = seen.get(text);
    if (first !== undefined)
      throw KnowledgeErrors.invalid(`${at(field, i)}repeats ${field}[${first}]: ${JSON.stringify(text)}`);
    seen.set(text, i);
    return text;
  });
}

export async function skillNamesFree(c: WriteCtx, name: string, identify: string, selfId?: string) {
  const byName = await c.repo.skillWith(c.projectId, 'name', name);
  if (byName && byName.skill_id !== selfId) throw KnowledgeErrors.skillNameExists(name);
  const byIdentify = await c.repo.skillWith(c.projectId, 'identify', identify);
  if (byIdentify && byIdentify.skill_id !== selfId) throw KnowledgeErrors.skillIdentifyExists(identify);
}

export async function insertSkill(c: WriteCtx, name: string, identify: string): Promise<SkillRow> {
  if ((await c.repo.countSkills(c.projectId)) >= MAX_SKILLS_PER_PROJECT)
    throw KnowledgeErrors.skillCountExceeded();
  await skillNamesFree(c, name, identify);
  const row = {
    project_id: c.projectId,
    skill_id: newId(),
    name,
    identify,
    create_time: c.now,
    update_time: c.now,
  };
  await c.repo.insertSkill(row);
  return { ...row, seq: 0 };
}

export async function requireSkill(c: Pick<WriteCtx, 'repo' | 'projectId'>, skillId: string) {
  const skill = await c.repo.getSkill(c.projectId, skillId);
  if (!skill) throw KnowledgeErrors.skillNotFound(skillId);
  return skill;
}

export async function requireIntent(c: Pick<WriteCtx, 'repo' | 'projectId'>, intentId: string) {
  const intent = await c.repo.getIntent(c.projectId, intentId);
  if (!intent) throw KnowledgeErrors.intentNotFound(intentId);
  return intent;
}

/**
 * A new intent of `skillId` (which must exist). `identify` is kept when given and free (an
 * import), otherwise generated: a few tries, then MSS.47010025.
 */
export async function insertIntent(
  c: WriteCtx,
  skillId: string,
  input: { name: string; answer: string; identify?: string },
): Promise<IntentRow> {
  if ((await c.repo.countIntents(c.projectId, skillId)) >= MAX_INTENTS_PER_SKILL)
    throw KnowledgeErrors.intentCountExceeded(skillId);
  if (await c.repo.intentWith(c.projectId, skillId, 'name', input.name))
    throw KnowledgeErrors.intentNameExists(input.name);
  let identify: string | undefined;
  const wanted = input.identify;
  if (isIntentIdentify(wanted) && !(await c.repo.intentWith(c.projectId, skillId, 'identify', wanted)))
    identify = wanted;
  for (let i = 0; i < 5 && !identify; i++) {
    const candidate = newIntentIdentify();
    if (!(await c.repo.intentWith(c.projectId, skillId, 'identify', candidate))) identify = candidate;
  }
  if (!identify) throw KnowledgeErrors.intentIdentifyFailed();
  const row = {
    project_id: c.projectId,
    intent_id: newId(),
    skill_id: skillId,
    name: input.name,
    identify,
    answer: input.answer,
    create_time: c.now,
    update_time: c.now,
  };
  await c.repo.insertIntent(row);
  return { ...row, seq: 0 };
}

/**
 * Adds checked, mutually distinct `texts` to `intent`: all or none. `field` names the list
 * in errors (`question_list[2] "…"`).
 */
export async function insertQuestions(
  c: WriteCtx,
  intent: IntentRow,
  texts: string[],
  field: string,
): Promise<QuestionRow[]> {
  if (texts.length === 0) return [];
  const have = await c.repo.countQuestions(c.projectId, intent.intent_id);
  if (have + texts.length > MAX_QUESTIONS_PER_INTENT)
    throw KnowledgeErrors.questionCountExceeded(intent.intent_id);
  const taken = new Set(
    (await c.repo.questionsWithText(c.projectId, intent.skill_id, texts)).map((q) => q.question),
  );
  const clash = texts.findIndex((t) => taken.has(t));
  if (clash >= 0) throw KnowledgeErrors.questionExists(at(field, clash), texts[clash]!);
  const rows = texts.map((question) => ({
    project_id: c.projectId,
    question_id: newId(),
    intent_id: intent.intent_id,
    skill_id: intent.skill_id,
    question,
    rev: c.rev,
    create_time: c.now,
    update_time: c.now,
  }));
  await c.repo.insertQuestions(rows);
  return rows.map((r) => ({ ...r, seq: 0 }));
}
