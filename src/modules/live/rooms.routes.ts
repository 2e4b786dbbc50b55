// The nine "Intelligent Live Room Management" operations: thin translations from the
// contract's input to the services and back.
import type { HandlerMap } from '../../http/bind-operations.ts';
import type { RoomsService } from './rooms.service.ts';
import type { RuleGroupsService } from './rule-groups.service.ts';

export function createRoomHandlers(rooms: RoomsService, groups: RuleGroupsService): HandlerMap {
  return {
    CreateSmartLiveRoom: ({ caller, body, appUserId }) => rooms.create(caller.projectId, body, appUserId),
    ListSmartLiveRooms: ({ caller, query }) => rooms.list(caller.projectId, query),
    ShowSmartLiveRoom: ({ caller, params }) => rooms.show(caller.projectId, params.room_id),
    UpdateSmartLiveRoom: ({ caller, params, body }) => rooms.update(caller.projectId, params.room_id, body),
    DeleteSmartLiveRoom: async ({ caller, params }) => {
      await rooms.delete(caller.projectId, params.room_id);
      return undefined;
    },

    CreateInteractionRuleGroup: ({ caller, body }) => groups.create(caller.projectId, body),
    ListInteractionRuleGroups: ({ caller, query }) => groups.list(caller.projectId, query),
    UpdateInteractionRuleGroup: ({ caller, params, body }) =>
      groups.update(caller.projectId, params.group_id, body),
    DeleteInteractionRuleGroup: async ({ caller, params }) => {
      await groups.delete(caller.projectId, params.group_id);
      return undefined;
    },
  };
}
