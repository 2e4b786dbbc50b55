// Per-robot dialog content (welcome speeches, hot questions, hot-word records and their
// switches) and the project's dialog agencies. Robots themselves belong to a later module:
// robot_id is stored as given (ERRATA 45); that module reads a robot's content with
// robotExtras and removes it with deleteForRobot when the robot is deleted.
import type { Module, ModuleDeps } from '../types.ts';
import { AgencyService } from './agency.service.ts';
import { HotWordsService } from './hot-words.service.ts';
import { QuestionsService } from './questions.service.ts';
import { createRobotContentHandlers } from './robot-content.routes.ts';
import { WelcomeService } from './welcome.service.ts';

export { deleteForRobot, type RobotExtras, robotExtras } from './extras.ts';
// The identifier, id-list, language and chat-paging rules, which the dialog applications share.
export {
  canonLanguage,
  checkId,
  checkIdList,
  DEFAULT_LANGUAGE,
  effectiveOffset,
  MAX_DELETE_IDS,
} from './robot-content.rules.ts';

export function createRobotContentModule(deps: ModuleDeps): Module {
  return {
    handlers: createRobotContentHandlers({
      welcome: new WelcomeService(deps),
      questions: new QuestionsService(deps),
      hotWords: new HotWordsService(deps),
      agency: new AgencyService(deps),
    }),
    tasks: [],
  };
}
