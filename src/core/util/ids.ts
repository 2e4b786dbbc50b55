import { randomBytes } from 'node:crypto';

/** A 32-character lowercase hex id: satisfies every id pattern the contract imposes (ERRATA 9). */
export const newId = (): string => randomBytes(16).toString('hex');

export const isHexId = (s: string): boolean => /^[0-9a-f]{32}$/.test(s);
