// Virtual Avatar Authentication Code Management: one-off codes an integrator's backend
// fetches for the Web SDK, spent by the chat WebSocket (consumeOnceCode). Only the code's
// SHA-256 is stored; the code itself is answered once, at creation.
import { randomBytes } from 'node:crypto';
import { hashToken } from '../../core/auth/secrets.ts';
import type { ModuleDeps } from '../types.ts';
import { CodesRepo } from './codes.repo.ts';
import { ONCE_CODE_TTL_MS, onceCodeExpiry } from './codes.rules.ts';
import { DialogAppsErrors } from './dialog-apps.errors.ts';

export class OnceCodes {
  constructor(private readonly deps: Pick<ModuleDeps, 'db' | 'clock'>) {}

  /** A new code for the project, bound to `roomId` when one is given (ERRATA 92). */
  async create(projectId: string, roomId?: string): Promise<{ once_code: string }> {
    const code = randomBytes(24).toString('base64url');
    const now = this.deps.clock.now();
    const repo = new CodesRepo(this.deps.db);
    // Spent and expired codes of the project are dropped as new ones are made.
    await repo.purgeOnceCodes(projectId, new Date(now.getTime() - ONCE_CODE_TTL_MS));
    await repo.insertOnceCode({
      project_id: projectId,
      code_hash: hashToken(code),
      room_id: roomId ?? null,
      create_time: now,
      expire_time: onceCodeExpiry(now),
      used_time: null,
    });
    return { once_code: code };
  }

  /**
   * Spends a code: resolves when it belonged to the project, was unused, unexpired and
   * (when bound) for `roomId`; otherwise throws MSS.47010046 saying which. Single use even
   * under races (one conditional UPDATE).
   */
  async consumeOnceCode(projectId: string, code: string, roomId?: string): Promise<void> {
    if (typeof code !== 'string' || code.length === 0 || code.length > 64)
      throw DialogAppsErrors.onceCodeRejected('no code given');
    const hash = hashToken(code);
    const now = this.deps.clock.now();
    const repo = new CodesRepo(this.deps.db);
    if (await repo.useOnceCode(projectId, hash, now, roomId)) return;
    const row = await repo.getOnceCode(projectId, hash);
    if (!row) throw DialogAppsErrors.onceCodeRejected('unknown code for this project');
    if (row.used_time !== null) throw DialogAppsErrors.onceCodeRejected('the code has already been used');
    if (row.expire_time.getTime() <= now.getTime())
      throw DialogAppsErrors.onceCodeRejected('the code has expired');
    throw DialogAppsErrors.onceCodeRejected('the code was issued for another room');
  }
}
