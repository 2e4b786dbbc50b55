// Livestreaming resources: smart live rooms and their interaction-rule libraries, live
// products, third-party live platforms. The live jobs (another module) stream a room; they
// use this module only through what is exported here.

import type { LiveRoomInteractionRuleInfo, LiveVideoScriptInfo } from '../../contract/generated/types.ts';
import type { Db } from '../../core/db/index.ts';
import type { Module, ModuleDeps } from '../types.ts';
import type { LiveInteractionRule } from './interaction-rules.rules.ts';
import { PlatformsRepo } from './platforms.repo.ts';
import { createPlatformHandlers } from './platforms.routes.ts';
import { PlatformsService } from './platforms.service.ts';
import { createProductHandlers } from './products.routes.ts';
import { type LiveProduct, ProductsService } from './products.service.ts';
import { createRoomHandlers } from './rooms.routes.ts';
import type { LiveRoomBody, LiveSceneScript } from './rooms.rules.ts';
import { type LiveRoomDoc, type RoomJobReport, RoomsService } from './rooms.service.ts';
import { RuleGroupsService } from './rule-groups.service.ts';

export {
  checkInteractionRules,
  type LiveHitTag,
  type LiveInteractionRule,
  RULE_EVENT_TYPES,
  replyPlayType,
} from './interaction-rules.rules.ts';
export { checkRtmpUrl } from './live.text.ts';
export type { LiveProduct } from './products.service.ts';
export {
  checkEventCallbackConfig,
  checkOutputs,
  LIVE_EVENT_CALLBACK_TYPES,
  type LiveParagraph,
  type LivePlayPolicy,
  type LiveRoomBody,
  type LiveSceneScript,
  paragraphDrive,
  playPolicyOf,
  videoConfigOf,
} from './rooms.rules.ts';
export type { LiveRoomDoc, RoomJobReport } from './rooms.service.ts';

/** What the live jobs may do with rooms. Every method takes an optional transaction. */
export interface LiveRooms {
  /** The room as stored (validated, defaults filled), or undefined. */
  get(projectId: string, roomId: string, db?: Db): Promise<LiveRoomDoc | undefined>;
  /** REWRITE_INTERACTION_RULES: validates rules against the room; throws the 400 a create would. */
  checkRules(
    projectId: string,
    rules: readonly LiveRoomInteractionRuleInfo[],
    room: LiveRoomBody,
    db?: Db,
  ): Promise<LiveInteractionRule[]>;
  /** REWRITE_PLAY_SCRIPT: validates scene scripts with the room's play policy. */
  checkScenes(
    projectId: string,
    scenes: readonly LiveVideoScriptInfo[],
    room: LiveRoomBody,
    db?: Db,
  ): Promise<LiveSceneScript[]>;
  /** Records a job's state on its room (last_job_* in ListSmartLiveRooms; busy rooms are not deleted). */
  recordJob(projectId: string, roomId: string, job: RoomJobReport, db?: Db): Promise<void>;
  /** Removes a TEMP room after its job ended; false for other room types. */
  cleanupTempRoom(projectId: string, roomId: string, db?: Db): Promise<boolean>;
  /** relation_product: the product (not DELETED) and the picture its paragraphs show. */
  product(projectId: string, productId: string, db?: Db): Promise<LiveProduct | undefined>;
  /** A platform's LIVE_EVENT_CALLBACK url and its signing key (is_inheritance_platform_callback). */
  platformEventCallback(
    projectId: string,
    platformId: string,
    db?: Db,
  ): Promise<{ url: string; key: string } | undefined>;
}

export function createLiveRooms(deps: ModuleDeps): LiveRooms {
  const svc = new RoomsService(deps);
  const products = new ProductsService(deps);
  return {
    product: (p, id, db) => products.lookup(p, id, db),
    get: (p, r, db) => svc.getDoc(p, r, db),
    checkRules: (p, rules, room, db) => svc.checkRules(p, rules, room, db),
    checkScenes: (p, scenes, room, db) => svc.checkScenes(p, scenes, room, db),
    recordJob: (p, r, job, db) => svc.recordJob(p, r, job, db),
    cleanupTempRoom: (p, r, db) => svc.cleanupTempRoom(p, r, db),
    platformEventCallback: async (p, id, db = deps.db) => {
      const row = await new PlatformsRepo(db).get(p, id);
      const url = row?.callback_config.find((c) => c.api_type === 'LIVE_EVENT_CALLBACK')?.url;
      return row && url ? { url, key: row.auth_key } : undefined;
    },
  };
}

export function createLiveModule(deps: ModuleDeps): Module {
  const rooms = new RoomsService(deps);
  const groups = new RuleGroupsService(deps);
  return {
    handlers: {
      ...createRoomHandlers(rooms, groups),
      ...createProductHandlers(new ProductsService(deps)),
      ...createPlatformHandlers(new PlatformsService(deps)),
    },
    tasks: [],
  };
}
