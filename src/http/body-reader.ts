// Reads an operation's body off the socket before it is parsed: bounded in size, in time
// and — while the signature over it cannot be checked yet — in how many such bytes the
// whole process holds at once. The SHA-256 the signature needs is computed as the bytes
// arrive, so nothing reads the body twice.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BodyDigest } from '../core/auth/aksk.ts';
import { type AppError, Errors } from '../core/errors/index.ts';

/** Bytes held by bodies whose request is not authenticated yet, across all requests. */
export interface InFlightBudget {
  readonly limit: number;
  readonly used: number;
  /** Reserves n bytes; false (and nothing reserved) when that would go over the limit. */
  take(n: number): boolean;
  release(n: number): void;
}

export function createInFlightBudget(limit: number): InFlightBudget {
  let used = 0;
  return {
    limit,
    get used() {
      return used;
    },
    take(n) {
      if (used + n > limit) return false;
      used += n;
      return true;
    },
    release(n) {
      used = Math.max(0, used - n);
    },
  };
}

export interface ReadBodyOptions {
  limit: number;
  /** The whole body must have arrived this long after reading starts. */
  timeoutMs: number;
  /** Counted against while reading; undefined when the caller is already authenticated. */
  budget: InFlightBudget | undefined;
}

export interface ReadBody {
  bytes: Buffer;
  digest: BodyDigest;
}

/**
 * Reads the stream to its end. Rejects with 413 past `limit`, 408 past `timeoutMs`, 503
 * when the budget is spent (the request may be retried), 400 when the client goes away.
 * The budget is released when reading ends, whatever the outcome.
 */
export function readBody(stream: Readable, opts: ReadBodyOptions): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    let reserved = 0;
    let settled = false;

    const finish = (err: AppError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onAbort);
      stream.off('aborted', onAbort);
      stream.off('close', onClose);
      opts.budget?.release(reserved);
      if (err) {
        // Stop reading: the answer goes out with Connection: close (see error-handler.ts).
        stream.pause();
        reject(err);
        return;
      }
      const bytes = Buffer.concat(chunks, size);
      resolve({ bytes, digest: { sha256: hash.digest('hex'), length: size } });
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > opts.limit) return finish(Errors.bodyTooLarge(opts.limit));
      if (opts.budget) {
        if (!opts.budget.take(chunk.length)) return finish(Errors.busy('too many request bodies in flight'));
        reserved += chunk.length;
      }
      hash.update(chunk);
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onAbort = () => finish(Errors.invalidBody('the client stopped sending the body'));
    const onClose = () => {
      if (!settled && !(stream as Readable & { complete?: boolean }).complete) onAbort();
    };
    const timer = setTimeout(
      () => finish(Errors.requestTimeout(`the body did not arrive within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onAbort);
    stream.on('aborted', onAbort);
    stream.on('close', onClose);
  });
}
