// Dialog applications: smart chat rooms, robots (how a dialog answers: an LLM endpoint or Doppel's knowledge
// base), one-off codes and activation codes. The chat WebSocket and the dialog page
// (dialog-jobs) spend codes with OnceCodes.consumeOnceCode and ActiveCodes.useActiveCode; a
// robot answers through RobotAnswers, for dialogs and for live rooms' INTELLIGENT_REPLY rules.
import type { Module, ModuleDeps } from '../types.ts';
import { ActiveCodes } from './active-codes.service.ts';
import { ChatRoomsService } from './chat-rooms.service.ts';
import { createDialogAppsHandlers } from './dialog-apps.routes.ts';
import { OnceCodes } from './once-codes.service.ts';
import { RobotsRepo } from './robots.repo.ts';
import { RobotsService } from './robots.service.ts';

export { ActiveCodes, type ActiveCodeUse } from './active-codes.service.ts';
export { canStartDialogs } from './chat-rooms.rules.ts';
export { ChatRoomsService } from './chat-rooms.service.ts';
export { type ActiveCodeState, ONCE_CODE_TTL_MS } from './codes.rules.ts';
export { DialogAppsErrors } from './dialog-apps.errors.ts';
export { OnceCodes } from './once-codes.service.ts';
export { type Answerer, answererFor, RobotAnswers } from './robot-answerer.ts';
export { APP_TYPES, type Backing, MASKED_KEY, type RobotSecrets } from './robots.rules.ts';
export { RobotsService } from './robots.service.ts';

/** Which of `ids` are robots of the project (a live rule's INTELLIGENT_REPLY names one). */
export async function existingRobots(
  db: ModuleDeps['db'],
  projectId: string,
  ids: string[],
): Promise<Set<string>> {
  const repo = new RobotsRepo(db);
  const found = await Promise.all(ids.map(async (id) => ((await repo.get(projectId, id)) ? id : undefined)));
  return new Set(found.filter((id): id is string => id !== undefined));
}

/** `consumeOnceCode(projectId, code, roomId?)` bound to the server's database and clock. */
export function onceCodeConsumer(deps: Pick<ModuleDeps, 'db' | 'clock'>) {
  const codes = new OnceCodes(deps);
  return (projectId: string, code: string, roomId?: string) => codes.consumeOnceCode(projectId, code, roomId);
}

export function createDialogAppsModule(deps: ModuleDeps): Module {
  return {
    handlers: createDialogAppsHandlers({
      robots: new RobotsService(deps),
      onceCodes: new OnceCodes(deps),
      activeCodes: new ActiveCodes(deps),
      chatRooms: new ChatRoomsService(deps),
    }),
    tasks: [],
  };
}
