// The knowledge base operations (skills, intents, questions): thin translations to the services.

import type { Db } from '../../core/db/index.ts';
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { IntentsService } from './intents.service.ts';
import { KnowledgeErrors } from './knowledge.errors.ts';
import { EXPORT_TYPES, encodeSkillFile, exportSkill } from './knowledge.transfer.ts';
import type { QuestionsService } from './questions.service.ts';
import type { SkillsService } from './skills.service.ts';

export function createKnowledgeHandlers(
  db: Db,
  skills: SkillsService,
  intents: IntentsService,
  questions: QuestionsService,
): HandlerMap {
  const none = async (p: Promise<unknown>) => {
    await p;
    return undefined;
  };
  return {
    CreateKnowledgeSkill: ({ caller, body }) => skills.create(caller.projectId, body),
    ListKnowledgeSkill: ({ caller, query }) => skills.list(caller.projectId, query),
    ShowKnowledgeSkill: ({ caller, params }) => skills.show(caller.projectId, params.skill_id),
    UpdateKnowledgeSkill: ({ caller, params, body }) =>
      none(skills.update(caller.projectId, params.skill_id, body)),
    DeleteKnowledgeSkill: ({ caller, body }) => none(skills.delete(caller.projectId, body)),
    ExportKnowledgeSkill: async ({ caller, params, query }) => {
      if (!EXPORT_TYPES.includes(query.export_type))
        throw KnowledgeErrors.invalid(`export_type ${query.export_type} is not supported (use 0)`);
      return encodeSkillFile(await exportSkill(db, caller.projectId, params.skill_id));
    },
    CreateKnowledgeIntent: ({ caller, body }) => intents.create(caller.projectId, body),
    CreateIntentAndQuestion: ({ caller, body }) => intents.createWithQuestions(caller.projectId, body),
    ListKnowledgeIntent: ({ caller, query }) => intents.list(caller.projectId, query),
    ShowKnowledgeIntent: ({ caller, params }) => intents.show(caller.projectId, params.intent_id),
    UpdateKnowledgeIntent: ({ caller, params, body }) =>
      none(intents.update(caller.projectId, params.intent_id, body)),
    DeleteKnowledgeIntent: ({ caller, body }) => none(intents.delete(caller.projectId, body)),
    CreateKnowledgeQuestion: ({ caller, body }) => questions.create(caller.projectId, body),
    CreateBatchKnowledgeQuestion: ({ caller, body }) => questions.createBatch(caller.projectId, body),
    ListKnowledgeQuestion: ({ caller, query }) => questions.list(caller.projectId, query),
    ShowKnowledgeQuestion: ({ caller, params }) => questions.show(caller.projectId, params.question_id),
    UpdateKnowledgeQuestion: ({ caller, params, body }) =>
      none(questions.update(caller.projectId, params.question_id, body)),
    UpdateBatchKnowledgeQuestion: ({ caller, body }) => none(questions.updateBatch(caller.projectId, body)),
    DeleteKnowledgeQuestion: ({ caller, body }) => none(questions.delete(caller.projectId, body)),
  };
}
