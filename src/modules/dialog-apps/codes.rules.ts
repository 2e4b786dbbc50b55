// Pure rules of one-off and activation codes: lifetimes, the activation window, the
// generated code text and a code's state.
import { randomInt } from 'node:crypto';

/** A one-off code is valid this long after creation, and only once (SEMANTICS.md §5). */
export const ONCE_CODE_TTL_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Letters and digits that cannot be misread for one another (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const ACTIVE_CODE_LENGTH = 12;

export const onceCodeExpiry = (now: Date): Date => new Date(now.getTime() + ONCE_CODE_TTL_MS);

/** `valid_period` is in days from the window's start; 0 never expires (the SDK says so). */
export function activeCodeExpiry(validFrom: Date, validPeriodDays: number): Date | undefined {
  if (validPeriodDays === 0) return undefined;
  return new Date(validFrom.getTime() + validPeriodDays * DAY_MS);
}

export function generateActiveCode(): string {
  let s = '';
  for (let i = 0; i < ACTIVE_CODE_LENGTH; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

export type ActiveCodeState = 'ACTIVE' | 'EXPIRED' | 'FULL';

/**
 * EXPIRED once the window has passed; FULL when every slot (the room's concurrency) is taken
 * by other credentials (a credential already admitted stays admitted); ACTIVE otherwise.
 */
export function activeCodeState(o: {
  now: Date;
  validFrom: Date;
  validPeriodDays: number;
  admitted: number;
  maxUsers: number;
  alreadyAdmitted?: boolean;
}): ActiveCodeState {
  const exp = activeCodeExpiry(o.validFrom, o.validPeriodDays);
  if (exp && o.now.getTime() >= exp.getTime()) return 'EXPIRED';
  // A room with no concurrency admits nobody, not even users it admitted before.
  if (o.maxUsers <= 0) return 'FULL';
  if (!o.alreadyAdmitted && o.admitted >= o.maxUsers) return 'FULL';
  return 'ACTIVE';
}
