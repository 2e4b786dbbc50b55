// Issue 16, defect 13: no credential reaches a log line, whichever way it got into the logged
// object: a failed MSS_A callback's `secret=` query inside an error message, Authorization and
// X-Auth-Token headers, an SK, a password, presigned signatures (Doppel's and S3's).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, redactLine, safeUrl } from '../../src/core/logger.ts';

const SECRETS = {
  mss: 'c2VjcmV0LXZhbHVlLW1zcy1h',
  sk: 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ABCD',
  token: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ',
  sig: 'a'.repeat(64),
  password: 'correct horse battery staple',
};

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(s) } });
  return { lines, logger };
}

test('a failed MSS_A callback, headers, keys, passwords and signatures are redacted in every line', () => {
  const { lines, logger } = capture();
  const url = `https://hooks.example.com/done?tenant=a&timestamp=1700000000&secret=${SECRETS.mss}`;
  logger.warn({ err: new Error(`callback to ${url} answered HTTP 500`) }, 'TTS callback not delivered');
  logger.warn({ url, attempt: 1 }, `posting ${url}`);
  logger.info(
    {
      headers: {
        Authorization: `SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=${SECRETS.sig}`,
        'X-Auth-Token': SECRETS.token,
      },
    },
    'outgoing request',
  );
  logger.debug(
    { config: { s3: { secretAccessKey: SECRETS.sk } }, user: { password: SECRETS.password } },
    'boot',
  );
  logger.info(
    `download http://127.0.0.1/o/k?X-Doppel-Signature=${SECRETS.sig}&X-Amz-Signature=${SECRETS.sig}`,
  );
  logger.error({ err: Object.assign(new Error('s3 said no'), { sk: SECRETS.sk }) }, 'object store');
  const all = lines.join('');
  assert.equal(lines.length, 6);
  for (const [name, value] of Object.entries(SECRETS))
    assert.ok(!all.includes(value), `${name} leaked: ${all}`);
  // What is not a secret stays readable.
  assert.match(all, /tenant=a&timestamp=1700000000&secret=\*\*\*/);
  assert.match(all, /TTS callback not delivered/);
  for (const l of lines) JSON.parse(l);
});

test('redactLine and safeUrl leave ordinary text alone', () => {
  const plain = '{"msg":"job succeeded","jobId":3,"url":"http://x/y?a=1&b=2"}';
  assert.equal(redactLine(plain), plain);
  assert.equal(safeUrl('http://x/y?secret=abc&z=1'), 'http://x/y?secret=***&z=1');
});
