// Secrets never reach the logs (hardening defect 13, the run-wide check): a real server,
// started like a user starts it but logging at `trace`, is driven through the paths that
// handle credentials — signed calls, a wrong signature, IAM passwords right and wrong, the
// token they give, presigned download URLs, and an MSS_A callback that fails and is
// retried — and then everything it printed is searched for every secret this run used.
// The only place a secret key may appear is the first-start banner that hands it over.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { waitFor } from '../helpers/assets.ts';
import { type CallbackReceiver, startCallbackReceiver } from '../helpers/callbacks.ts';
import {
  type Banner,
  callServer,
  runCli,
  type ServerProcess,
  startServer,
  tempDataDir,
} from '../helpers/server-process.ts';
import { buildSignedRequest, signedFetch } from '../helpers/signer.ts';
import { EN_VOICE } from '../helpers/tts.ts';

const PASSWORD = 'Pw-log-check-7f3a9c';
const WRONG_PASSWORD = 'Guess-log-check-0b6e21';
const CALLBACK_KEY = 'cb-key-log-check-5d8e';

let server: ServerProcess;
let cred: Banner;
let receiver: CallbackReceiver;
const dataDir = tempDataDir();
const env = { DOPPEL_DATA_DIR: dataDir };
/** Every secret value this run handled; none may be printed. */
const secrets = new Map<string, string>();

before(async () => {
  receiver = await startCallbackReceiver({ failFirst: 1000 });
  server = await startServer({
    dataDir,
    env: { DOPPEL_LOG_LEVEL: 'trace', DOPPEL_ALLOW_PRIVATE_FETCH: 'true', DOPPEL_THROTTLE: 'false' },
    timeoutMs: 120_000,
  });
  assert.ok(server.banner, server.output());
  cred = server.banner;
  secrets.set('secret key', cred.sk);
});
after(async () => {
  await server?.kill();
  await receiver?.close();
});

const tokenRequest = (password: string) =>
  fetch(`${server.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'logcheck', password, domain: { name: 'doppel' } } },
        },
        scope: { project: { name: 'cn-north-4' } },
      },
    }),
  });

it('drives the credential-bearing paths', async () => {
  // A signed call, and one signed with a wrong secret (its signature is a secret too).
  assert.equal((await callServer(server, cred, 'GET', '/v1/{project_id}/digital-assets')).status, 200);
  const forged = buildSignedRequest(`${server.url}/v1/${cred.projectId}/digital-assets`, {
    ak: cred.ak,
    sk: `${cred.sk.slice(0, -4)}zzzz`,
  });
  const forgedSig = forged.headers.authorization?.match(/Signature=([0-9a-f]+)/)?.[1];
  assert.ok(forgedSig);
  secrets.set('forged signature', forgedSig);
  const bad = await signedFetch(`${server.url}/v1/${cred.projectId}/digital-assets`, {
    ak: cred.ak,
    sk: `${cred.sk.slice(0, -4)}zzzz`,
  });
  assert.equal(bad.status, 401);

  // IAM: a wrong password, the right one, and the token it gives, used and misused.
  const made = runCli(
    ['users', 'create', '--domain', 'doppel', '--name', 'logcheck', '--password', PASSWORD],
    env,
  );
  assert.equal(made.status, 0, made.stderr);
  secrets.set('password', PASSWORD);
  secrets.set('wrong password', WRONG_PASSWORD);
  assert.equal((await tokenRequest(WRONG_PASSWORD)).status, 401);
  const ok = await tokenRequest(PASSWORD);
  assert.equal(ok.status, 201, await ok.clone().text());
  const token = ok.headers.get('x-subject-token');
  assert.ok(token);
  secrets.set('token', token);
  const withToken = await fetch(`${server.url}/v1/${cred.projectId}/digital-assets`, {
    headers: { 'x-auth-token': token },
  });
  assert.equal(withToken.status, 200);
  assert.equal(
    (
      await fetch(`${server.url}/v1/${cred.projectId}/digital-assets`, {
        headers: { 'x-auth-token': `${token}x` },
      })
    ).status,
    401,
  );

  // An async TTS job: an MSS_A callback that the receiver refuses (retried), and the
  // presigned download URL of its audio, fetched.
  const job = await callServer(server, cred, 'POST', '/v1/{project_id}/ttsc/async-jobs', {
    text: 'Nothing secret is said here.',
    voice_asset_id: EN_VOICE,
    callback_config: { callback_url: `${receiver.base}/hook`, auth_type: 'MSS_A', key: CALLBACK_KEY },
  });
  assert.equal(job.status, 200, JSON.stringify(job.body));
  secrets.set('callback key', CALLBACK_KEY);
  const shown = await waitFor('TTS job done', 120_000, async () => {
    const r = await callServer(server, cred, 'GET', `/v1/{project_id}/ttsc/async-jobs/${job.body.job_id}`);
    return r.body?.state === 'SUCCEED' ? r.body : undefined;
  });
  const audioUrl = new URL(shown.audio_file_url);
  const sig = audioUrl.searchParams.get('X-Doppel-Signature');
  assert.ok(sig);
  secrets.set('download signature', sig);
  assert.equal((await fetch(audioUrl)).status, 200);
  await waitFor('two callback attempts', 60_000, async () =>
    receiver.received.length >= 2 ? true : undefined,
  );
  for (const r of receiver.received) {
    const s = new URL(r.url, receiver.base).searchParams.get('secret');
    assert.ok(s);
    secrets.set(`callback secret ${s.slice(0, 6)}`, s);
  }
});

it('printed none of them: only the first-start banner carries the secret key', async () => {
  await server.stop();
  const lines = server.output().split('\n');
  const banner = lines.filter((l) => /^\s*secret key\s*:/.test(l));
  assert.equal(banner.length, 1, 'the banner hands the key over once');
  const rest = lines.filter((l) => !/^\s*secret key\s*:/.test(l)).join('\n');
  assert.ok(rest.length > 10_000, `a trace-level run logs plenty (${rest.length} chars)`);
  const leaked = [...secrets].filter(([, v]) => rest.includes(v)).map(([name]) => name);
  assert.deepEqual(leaked, [], `secrets in the logs: ${leaked.join(', ')}`);
  // Nor any MSS_A `secret=` value, presigned signature or Authorization signature at all.
  assert.doesNotMatch(rest, /[?&]secret=[0-9a-f]{8}/);
  assert.doesNotMatch(rest, /X-Doppel-Signature=[0-9a-f]{8}/);
  assert.doesNotMatch(rest, /Signature=[0-9a-f]{16}/);
});
