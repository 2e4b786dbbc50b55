// Spooling a body to a file while hashing it, shared by the local backend (which then renames
// the file into place) and the S3 backend (which needs a length before it can PUT a stream).
// Nothing here holds more than a chunk in memory.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { finished, PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectErrors } from './errors.ts';

export interface SpoolLimits {
  maxBytes: number;
  /** The body must be exactly this long (a signed length on a chunked upload). */
  expectedSize?: number;
  /** Base64; the body must hash to it. */
  md5?: string;
}

export interface Spooled {
  size: number;
  /** Base64. */
  md5: string;
  md5Hex: string;
}

export const toReadable = (body: Buffer | NodeJS.ReadableStream): NodeJS.ReadableStream =>
  Buffer.isBuffer(body) ? Readable.from([body]) : body;

/**
 * Writes `body` to `dest` (created exclusively) and checks the limits. On any failure the
 * file is removed and the error thrown. The source is piped through a PassThrough rather
 * than put into the pipeline itself: a failed pipeline destroys its streams, and destroying
 * an HTTP request destroys its socket, leaving no way to answer 413 or 400.
 */
export async function spoolToFile(
  body: Buffer | NodeJS.ReadableStream,
  dest: string,
  limits: SpoolLimits,
): Promise<Spooled> {
  const src = toReadable(body);
  const hash = createHash('md5');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > limits.maxBytes) return cb(ObjectErrors.tooLarge(limits.maxBytes));
      if (limits.expectedSize !== undefined && size > limits.expectedSize) {
        return cb(ObjectErrors.lengthMismatch(limits.expectedSize, `more than that`));
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const pass = new PassThrough();
  src.pipe(pass);
  // pipe() does not forward errors or an aborted client; finished() sees both.
  const stopWatching = src instanceof Readable ? finished(src, (err) => err && pass.destroy(err)) : undefined;
  try {
    await pipeline(pass, meter, fs.createWriteStream(dest, { flags: 'wx' }));
  } catch (e) {
    src.unpipe(pass);
    await fs.promises.rm(dest, { force: true });
    throw e;
  } finally {
    stopWatching?.();
  }
  const digest = hash.digest();
  const got = { size, md5: digest.toString('base64'), md5Hex: digest.toString('hex') };
  const fail = (e: Error) => fs.promises.rm(dest, { force: true }).then(() => Promise.reject(e));
  if (limits.expectedSize !== undefined && size !== limits.expectedSize) {
    return fail(ObjectErrors.lengthMismatch(limits.expectedSize, size));
  }
  if (limits.md5 !== undefined && limits.md5 !== got.md5)
    return fail(ObjectErrors.badDigest(limits.md5, got.md5));
  return got;
}

/**
 * The `take` bytes of `src` that follow its first `skip` bytes. Once they are out, the source is
 * destroyed (for a fetch body: the download is cancelled) rather than read to its end.
 */
export function sliceStream(src: NodeJS.ReadableStream, skip: number, take: number): Readable {
  return Readable.from(
    (async function* () {
      let pos = 0;
      let left = take;
      if (left <= 0) return;
      for await (const c of src) {
        const chunk = Buffer.isBuffer(c)
          ? c
          : typeof c === 'string'
            ? Buffer.from(c)
            : Buffer.from(c as Uint8Array);
        const from = Math.max(0, skip - pos);
        pos += chunk.length;
        if (from >= chunk.length) continue;
        const part = chunk.subarray(from, from + left);
        left -= part.length;
        yield part;
        if (left === 0) return;
      }
    })(),
    { objectMode: false },
  );
}
