// The 22 operations of greeting, FAQ, keyword-record and agency management: thin
// translations to the services.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { AgencyService } from './agency.service.ts';
import type { HotWordsService } from './hot-words.service.ts';
import type { QuestionsService } from './questions.service.ts';
import type { WelcomeService } from './welcome.service.ts';

export function createRobotContentHandlers(s: {
  welcome: WelcomeService;
  questions: QuestionsService;
  hotWords: HotWordsService;
  agency: AgencyService;
}): HandlerMap {
  const { welcome, questions, hotWords, agency } = s;
  return {
    // Virtual Avatar Greeting Management
    CreateWelcomeSpeech: ({ caller, body, appUserId }) => welcome.create(caller.projectId, body, appUserId),
    ListWelcomeSpeech: ({ caller, query }) => welcome.list(caller.projectId, query),
    ShowWelcomeSpeech: ({ caller, params }) => welcome.show(caller.projectId, params.welcome_speech_id),
    UpdateWelcomeSpeech: ({ caller, params, body }) =>
      welcome.update(caller.projectId, params.welcome_speech_id, body),
    DeleteWelcomeSpeech: async ({ caller, body }) => {
      await welcome.delete(caller.projectId, body);
      return undefined;
    },
    UpdateWelcomeSpeechSwitch: async ({ caller, body }) => {
      await welcome.setSwitch(caller.projectId, body);
      return undefined;
    },
    ShowWelcomeSpeechSwitch: ({ caller, query }) => welcome.showSwitch(caller.projectId, query),
    // Virtual Avatar Frequently Asked Question Management
    CreateHotQuestion: ({ caller, body, appUserId }) => questions.create(caller.projectId, body, appUserId),
    ListHotQuestion: ({ caller, query }) => questions.list(caller.projectId, query),
    ShowHotQuestion: ({ caller, params }) => questions.show(caller.projectId, params.hot_question_id),
    UpdateHotQuestion: ({ caller, params, body }) =>
      questions.update(caller.projectId, params.hot_question_id, body),
    DeleteHotQuestion: async ({ caller, body }) => {
      await questions.delete(caller.projectId, body);
      return undefined;
    },
    // Virtual Avatar Keyword Record Management
    CreateHotWords: ({ caller, body, appUserId }) => hotWords.create(caller.projectId, body, appUserId),
    ListHotWords: ({ caller, query }) => hotWords.list(caller.projectId, query),
    ShowHotWords: ({ caller, params }) => hotWords.show(caller.projectId, params.hot_words_id),
    UpdateHotWords: ({ caller, params, body }) =>
      hotWords.update(caller.projectId, params.hot_words_id, body),
    DeleteHotWords: async ({ caller, params }) => {
      await hotWords.delete(caller.projectId, params.hot_words_id);
      return undefined;
    },
    UpdateHotWordsSwitch: async ({ caller, body }) => {
      await hotWords.setSwitch(caller.projectId, body);
      return undefined;
    },
    ShowHotWordsSwitch: ({ caller, query }) => hotWords.showSwitch(caller.projectId, query),
    // Virtual Avatar Agency Management
    ShowAgency: ({ caller, query }) => agency.show(caller.projectId, query),
    CreateAgencyWithRoleType: ({ caller, params }) => agency.create(caller.projectId, params.role_type),
    DeleteAgencyWithRoleType: async ({ caller, params }) => {
      await agency.delete(caller.projectId, params.role_type);
      return undefined;
    },
  };
}
