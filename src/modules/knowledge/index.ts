// The dialog knowledge base: skills → intents → questions (SEMANTICS.md §4.5), the skill
// file they export to and import from, and the change feed the dialog matcher follows.
// Other code uses this module only through what is exported here.
import type { Module, ModuleDeps } from '../types.ts';
import { IntentsService } from './intents.service.ts';
import { createKnowledgeHandlers } from './knowledge.routes.ts';
import { QuestionsService } from './questions.service.ts';
import { SkillsService } from './skills.service.ts';

export { type KnowledgeAnswer, KnowledgeAnswerer } from './knowledge.answers.ts';
export * from './knowledge.limits.ts';
export { type KnowledgeChanges, type KnowledgeDoc, KnowledgeStore } from './knowledge.store.ts';
export {
  encodeSkillFile,
  exportSkill,
  type ImportResult,
  importSkill,
  parseSkillFile,
  SKILL_FILE_FORMAT,
  SKILL_FILE_VERSION,
  type SkillFile,
} from './knowledge.transfer.ts';

export function createKnowledgeModule(deps: ModuleDeps): Module {
  return {
    handlers: createKnowledgeHandlers(
      deps.db,
      new SkillsService(deps),
      new IntentsService(deps),
      new QuestionsService(deps),
    ),
    tasks: [],
  };
}
