// How a robot answers a question (a dialog's, a live room's INTELLIGENT_REPLY rule's), as text that may stream: a third-party LLM (app_type 6)
// through the dialog engine's chat-completions client, with the last `chat_rounds` rounds as
// history; or Doppel's knowledge base (types 0 and 2) through the knowledge module's matcher,
// with a plain "not known" line when nothing matches well enough (ERRATA 104).
import type { RobotInfo } from '../../contract/generated/types.ts';
import { type ChatMessage, chatCompletion } from '../../engines/dialog/index.ts';
import { KnowledgeAnswerer } from '../knowledge/index.ts';
import type { ModuleDeps } from '../types.ts';
import { APP_TYPES, type RobotSecrets } from './robots.rules.ts';
import type { RobotsService } from './robots.service.ts';

export interface Answerer {
  /** Rounds of history the robot keeps (1: none). */
  readonly rounds: number;
  answer(question: string, history: ChatMessage[], signal: AbortSignal): AsyncIterable<string>;
}

const NOT_KNOWN: Record<string, string> = {
  CN: '抱歉，这个问题我还不知道答案。',
  EN: "Sorry, I don't know the answer to that yet.",
};

export function answererFor(opts: {
  projectId: string;
  robot: RobotInfo;
  secrets: RobotSecrets;
  language: string;
  knowledge: KnowledgeAnswerer;
  allowPrivateFetch: boolean;
}): Answerer {
  const { robot } = opts;
  if (robot.app_type !== undefined && APP_TYPES[robot.app_type]?.backing === 'LLM') {
    const url = robot.llm_url;
    if (!url) throw new Error(`robot ${robot.robot_id} has no llm_url`);
    return {
      rounds: Math.max(1, robot.chat_rounds ?? 1),
      answer: (question, history, signal) =>
        chatCompletion({
          url,
          ...(opts.secrets.app_key ? { apiKey: opts.secrets.app_key } : {}),
          ...(robot.app_id ? { model: robot.app_id } : {}),
          messages: [...history, { role: 'user', content: question }],
          stream: robot.is_stream ?? true,
          allowPrivate: opts.allowPrivateFetch,
          signal,
        }),
    };
  }
  return {
    rounds: 1,
    async *answer(question) {
      const r = await opts.knowledge.ask(opts.projectId, question);
      yield r.best?.answer ?? NOT_KNOWN[opts.language] ?? (NOT_KNOWN.EN as string);
    },
  };
}

/** A project's robots as answerers: the robot and its keys read once per `of` call. */
export class RobotAnswers {
  private readonly knowledge: KnowledgeAnswerer;

  constructor(
    private readonly deps: Pick<ModuleDeps, 'db' | 'allowPrivateFetch'>,
    private readonly robots: RobotsService,
  ) {
    this.knowledge = new KnowledgeAnswerer(deps.db);
  }

  /** The robot's answerer; an unknown robot is its 400 (MSS.47010034). `language`: the robot's. */
  async of(projectId: string, robotId: string, language?: string): Promise<Answerer> {
    const robot = await this.robots.show(projectId, robotId);
    const secrets = (await this.robots.secretsOf(projectId, robotId)) ?? {};
    return answererFor({
      projectId,
      robot,
      secrets,
      language: language ?? (robot.language?.startsWith('en') ? 'EN' : 'CN'),
      knowledge: this.knowledge,
      allowPrivateFetch: this.deps.allowPrivateFetch,
    });
  }

  /** One whole answer (a live reply is spoken once it is complete). */
  async answerText(
    projectId: string,
    robotId: string,
    question: string,
    signal: AbortSignal,
  ): Promise<string> {
    const a = await this.of(projectId, robotId);
    let text = '';
    for await (const piece of a.answer(question, [], signal)) text += piece;
    return text.trim();
  }
}
