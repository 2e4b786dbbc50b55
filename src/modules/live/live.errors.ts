// Livestreaming resource error codes. Business "not found" is a 400 with a specific code
// (SEMANTICS.md §2.1); the docs name none for live rooms, rule libraries, products or
// platforms, so Doppel uses the MSS.10004xxx block (ERRATA 61).
import { AppError, Errors } from '../../core/errors/index.ts';

export const LiveErrors = {
  roomNotFound: (roomId: string) => new AppError(400, 'MSS.10004001', `Live room not found: ${roomId}`),
  ruleGroupNotFound: (field: string, groupId: string) =>
    new AppError(400, 'MSS.10004002', `Interaction rule library not found: ${field} = ${groupId}`),
  productNotFound: (field: string, productId: string) =>
    new AppError(400, 'MSS.10004003', `Product not found: ${field} = ${productId}`),
  platformNotFound: (field: string, platformId: string) =>
    new AppError(400, 'MSS.10004004', `Live platform not found: ${field} = ${platformId}`),
  /** The platform's product endpoint failed, timed out or answered something unreadable. */
  platformQueryFailed: (platformId: string, why: string) =>
    new AppError(400, 'MSS.10004005', `Live platform ${platformId}: product query failed: ${why}`),
  /** INTELLIGENT_REPLY needs one of the project's dialog robots (ERRATA 62). */
  intelligentReplyRobot: (field: string, why: string) =>
    new AppError(400, 'MSS.10004006', `${field}: reply_mode INTELLIGENT_REPLY needs a dialog robot: ${why}`),
  /** The room, rule library or platform is in use and cannot be removed now. */
  inUse: (why: string) => new AppError(400, 'MSS.10004007', `Resource in use: ${why}`),
  /** The product is BLOCK or DELETED; it cannot be changed. */
  productLocked: (productId: string, state: string) =>
    new AppError(400, 'MSS.10004008', `Product ${productId} is ${state} and cannot be changed`),
  assetNotFound: (field: string, assetId: string) =>
    new AppError(400, 'MSS.10001001', `Asset not found: ${field} = ${assetId}`),
  invalid: Errors.invalidParameter,
} as const;
