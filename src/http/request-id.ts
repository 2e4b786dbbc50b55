import { randomFillSync } from 'node:crypto';
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
  return freshId();
}

// Random bytes drawn 4 KiB at a time: one call into the generator per 256 ids, not per request.
const POOL = Buffer.alloc(4096);
let offset = POOL.length;

function freshId(): string {
  if (offset === POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const id = POOL.toString('hex', offset, offset + 16);
  offset += 16;
  return id;
}
