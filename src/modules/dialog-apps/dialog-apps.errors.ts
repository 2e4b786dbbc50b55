// Error codes of robots, once-codes and activation codes. The robot, LLM and code codes are
// MetaStudio's published dialog codes (SEMANTICS.md §2.1); a missing activation code has no
// published code, so Doppel uses MSS.47012001 next to the robot-content block (ERRATA 93).
import { AppError, Errors } from '../../core/errors/index.ts';

export const DialogAppsErrors = {
  chatRoomNotFound: (id: string) =>
    new AppError(400, 'MSS.47010001', `Dialog not exist: no smart chat room with room_id = ${id}`),
  assetNotFound: (field: string, id: string) =>
    new AppError(400, 'MSS.10001001', `Asset not found: ${field} = ${id}`),
  robotNameExists: (name: string) =>
    new AppError(400, 'MSS.47010033', `Robot name already exists in this project: name = ${name}`),
  robotNotFound: (id: string) => new AppError(400, 'MSS.47010034', `Robot not exist: robot_id = ${id}`),
  llmConfigMissing: () =>
    new AppError(
      400,
      'MSS.47010130',
      'Third-party LLM not configured: app_type 6 needs third_party_model_config',
    ),
  llmUrlEmpty: () =>
    new AppError(
      400,
      'MSS.47010131',
      'Third-party LLM URL is empty: third_party_model_config.llm_url is required',
    ),
  llmUrlInvalid: (why: string) => new AppError(400, 'MSS.47010134', `Third-party LLM URL is invalid: ${why}`),
  activeCodeNotFound: (id: string) =>
    new AppError(400, 'MSS.47012001', `Activation code not found: active_code_id = ${id}`),
  activeCodeAuthFailed: () =>
    new AppError(400, 'MSS.47010043', 'Activation code authentication failed: unknown code for this robot'),
  activeCodeUsersExceeded: (limit: number) =>
    new AppError(
      400,
      'MSS.20010135',
      limit === 0
        ? 'Dialog concurrency exhausted: the room has no concurrency configured'
        : `Dialog concurrency exhausted: the activation code already admits ${limit} user(s), the room's concurrency; reset it with clean_auth_credential to free it`,
    ),
  activeCodeExpired: () => new AppError(400, 'MSS.47010045', 'Activation code expired'),
  onceCodeRejected: (why: string) =>
    new AppError(400, 'MSS.47010046', `One-off code authentication failed: ${why}`),
  invalid: Errors.invalidParameter,
} as const;
