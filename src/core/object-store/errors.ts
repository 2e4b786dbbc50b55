// Object-store errors, as AppError factories (rendered by the app's one error handler).
// The presigned-URL routes are not MetaStudio operations, so these are Doppel codes: the
// `DOPPEL.1xxx` block belongs to the object store. Services that meet `objectNotFound` or
// `invalidKey` from a store call translate them into their own MSS.* codes where the contract
// says so.
//
// | code        | status | when                                                              |
// |-------------|--------|-------------------------------------------------------------------|
// | DOPPEL.1001 | 400    | object key (or prefix) is not valid                               |
// | DOPPEL.1002 | 403    | presigned URL signature missing, malformed or not matching        |
// | DOPPEL.1003 | 403    | presigned URL expired                                             |
// | DOPPEL.1004 | 400    | body length differs from the signed / declared length             |
// | DOPPEL.1005 | 400    | body MD5 differs from Content-MD5 or the signed MD5 (BadDigest)    |
// | DOPPEL.1006 | 400    | Content-MD5 / md5 is not base64 of 16 bytes (InvalidDigest)       |
// | DOPPEL.1007 | 413    | object larger than maxObjectBytes                                 |
// | DOPPEL.1008 | 416    | requested range not satisfiable (Content-Range: bytes */size)    |
// | DOPPEL.1009 | 404    | no such object                                                    |
// | DOPPEL.1010 | 404    | no such multipart upload (or it belongs to another key)           |
// | DOPPEL.1011 | 400    | multipart completion with parts missing                           |
// | DOPPEL.1012 | 400    | Content-Type differs from the one signed into the URL             |
// | DOPPEL.1013 | 400    | bad presign / multipart options (expiry, part count, part number) |
// | DOPPEL.1014 | 502    | the S3-compatible backend answered with an error                  |
// | DOPPEL.1015 | 403    | a single-use upload URL was already used                          |
// | DOPPEL.1016 | 403    | download URL whose holder lost access (unshared, deleted)         |
import { AppError } from '../errors/index.ts';

export const ObjectErrors = {
  invalidKey: (key: string, why: string) =>
    new AppError(400, 'DOPPEL.1001', `Invalid object key ${JSON.stringify(key.slice(0, 100))}: ${why}`),
  signatureMismatch: (why: string) =>
    new AppError(403, 'DOPPEL.1002', `The presigned URL signature does not match: ${why}`),
  urlExpired: (expiredAt: Date) =>
    new AppError(403, 'DOPPEL.1003', `The presigned URL expired at ${expiredAt.toISOString()}`),
  lengthMismatch: (expected: number, got: number | string) =>
    new AppError(400, 'DOPPEL.1004', `The body must be ${expected} bytes, got ${got}`),
  badDigest: (expected: string, got: string) =>
    new AppError(400, 'DOPPEL.1005', `The body MD5 ${got} does not match the expected ${expected}`),
  invalidDigest: (value: string) =>
    new AppError(
      400,
      'DOPPEL.1006',
      `Invalid MD5 ${JSON.stringify(value.slice(0, 64))}: expected base64 of 16 bytes (24 characters)`,
    ),
  // Connection: close, so a client still streaming a huge body is cut off after the answer
  // instead of having the rest drained.
  tooLarge: (limit: number) =>
    new AppError(413, 'DOPPEL.1007', `The object exceeds the ${limit}-byte limit`, { Connection: 'close' }),
  rangeNotSatisfiable: (size: number) =>
    new AppError(416, 'DOPPEL.1008', `The requested range is not satisfiable for a ${size}-byte object`, {
      'Content-Range': `bytes */${size}`,
    }),
  accessRevoked: () =>
    new AppError(
      403,
      'DOPPEL.1016',
      'The download URL no longer grants access: the object was deleted or is no longer shared with the project it was issued to',
    ),
  objectNotFound: (key: string) => new AppError(404, 'DOPPEL.1009', `No such object: ${key}`),
  uploadNotFound: (uploadId: string) =>
    new AppError(404, 'DOPPEL.1010', `No such multipart upload: ${uploadId.slice(0, 100)}`),
  partsMissing: (missing: number[]) =>
    new AppError(
      400,
      'DOPPEL.1011',
      `The multipart upload is incomplete: part(s) ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''} not uploaded`,
    ),
  contentTypeMismatch: (expected: string, got: string | undefined) =>
    new AppError(
      400,
      'DOPPEL.1012',
      `Content-Type must be ${JSON.stringify(expected)} as signed into the URL, got ${JSON.stringify(got ?? '')}`,
    ),
  urlUsed: () =>
    new AppError(403, 'DOPPEL.1015', 'This upload URL has already been used once; ask for a new one'),
  invalidOption: (why: string) => new AppError(400, 'DOPPEL.1013', `Invalid object-store option: ${why}`),
  backend: (operation: string, status: number, code: string, message: string) =>
    new AppError(
      502,
      'DOPPEL.1014',
      `Object storage ${operation} failed: HTTP ${status} ${code} ${message}`.trim(),
    ),
} as const;
