import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Request ids are 32 lowercase hex characters, like MetaStudio's. A caller-supplied
 * X-Request-Id (the TTS operations document one) is kept when it is, or becomes once its
 * dashes are removed, such an id; otherwise a new one is made.
 */
export function genRequestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string') {
    const compact = given.replace(/-/g, '').toLowerCase();
    if (/^[0-9a-f]{32}$/.test(compact)) return compact;
  }
  return randomBytes(16).toString('hex');
}
