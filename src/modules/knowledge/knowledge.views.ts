// Storage rows as the contract shapes them.
import type {
  KnowledgeIntentInfo,
  KnowledgeQuestionInfo,
  KnowledgeSkillInfo,
} from '../../contract/generated/types.ts';
import { wireTime } from '../../core/util/time.ts';
import type { IntentRow, QuestionRow, SkillRow } from './knowledge.repo.ts';

export const skillInfo = (r: SkillRow): KnowledgeSkillInfo => ({
  skill_id: r.skill_id,
  name: r.name,
  identify: r.identify,
  create_time: wireTime(r.create_time),
  update_time: wireTime(r.update_time),
});

export const intentInfo = (r: IntentRow): KnowledgeIntentInfo => ({
  intent_id: r.intent_id,
  name: r.name,
  identify: r.identify,
  answer: r.answer,
  create_time: wireTime(r.create_time),
  update_time: wireTime(r.update_time),
});

export const questionInfo = (r: QuestionRow): KnowledgeQuestionInfo => ({
  question_id: r.question_id,
  question: r.question,
  intent_id: r.intent_id,
  create_time: wireTime(r.create_time),
  update_time: wireTime(r.update_time),
});
