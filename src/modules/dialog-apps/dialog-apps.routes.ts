// The 17 operations of chat-room, robot, one-off-code and activation-code management: thin
// translations to the services.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { ActiveCodes } from './active-codes.service.ts';
import type { ChatRoomsService } from './chat-rooms.service.ts';
import type { OnceCodes } from './once-codes.service.ts';
import type { RobotsService } from './robots.service.ts';

export function createDialogAppsHandlers(s: {
  robots: RobotsService;
  onceCodes: OnceCodes;
  activeCodes: ActiveCodes;
  chatRooms: ChatRoomsService;
}): HandlerMap {
  const { robots, onceCodes, activeCodes, chatRooms } = s;
  return {
    // Virtual Avatar Dialog Management
    CreateSmartChatRoom: ({ caller, body, appUserId }) => chatRooms.create(caller.projectId, body, appUserId),
    ListSmartChatRooms: ({ caller, query }) => chatRooms.list(caller.projectId, query),
    ShowSmartChatRoom: ({ caller, params }) => chatRooms.show(caller.projectId, params.room_id),
    UpdateSmartChatRoom: ({ caller, params, body }) =>
      chatRooms.update(caller.projectId, params.room_id, body),
    DeleteSmartChatRoom: async ({ caller, params }) => {
      await chatRooms.delete(caller.projectId, params.room_id);
      return undefined;
    },
    // Virtual Avatar Application Management
    CreateRobot: ({ caller, body, appUserId }) => robots.create(caller.projectId, body, appUserId),
    ListRobot: ({ caller, query }) => robots.list(caller.projectId, query),
    ShowRobot: ({ caller, params }) => robots.show(caller.projectId, params.robot_id),
    UpdateRobot: async ({ caller, params, body }) => {
      await robots.update(caller.projectId, params.robot_id, body);
      return undefined;
    },
    DeleteRobot: async ({ caller, body }) => {
      await robots.delete(caller.projectId, body);
      return undefined;
    },
    // Virtual Avatar Authentication Code Management
    CreateOnceCode: ({ caller }) => onceCodes.create(caller.projectId),
    // Virtual Avatar Activation Code Management
    CreateActiveCode: ({ caller, body, appUserId }) => activeCodes.create(caller.projectId, body, appUserId),
    ListActiveCode: ({ caller, query }) => activeCodes.list(caller.projectId, query),
    ShowActiveCode: ({ caller, params }) => activeCodes.show(caller.projectId, params.active_code_id),
    UpdateActiveCode: ({ caller, params, body }) =>
      activeCodes.update(caller.projectId, params.active_code_id, body),
    ResetActiveCode: ({ caller, params, body }) =>
      activeCodes.reset(caller.projectId, params.active_code_id, body),
    DeleteActiveCode: async ({ caller, body }) => {
      await activeCodes.delete(caller.projectId, body);
      return undefined;
    },
  };
}
