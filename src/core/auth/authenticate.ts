// Who is calling, and may they use the project in the path. The HTTP layer hands over the
// request as it arrived; this decides between an IAM token, an AK/SK signature and, in
// loose mode, nothing at all.
//
// Strict (the default): a request needs a valid X-Auth-Token or a valid signature, and the
// caller's project must be the one in the path (else 400 MSS.00010009, as MetaStudio).
//
// Loose (`--auth=loose`, for local experiments): every request is accepted for the project
// in its path, as long as that is a well-formed project id. Credentials that verify still
// name the caller (kind 'aksk' or 'token'), so logs show who it was; credentials that do not
// verify (an SDK configured with a real cloud AK/SK, a stale token) or that belong to
// another project degrade to kind 'loose' instead of failing, since the official SDKs always
// sign and loose mode would otherwise be useless with them. The project row is not created
// here: callers that write rows call `AccountsService.ensureProject` for 'loose' callers.
import { Errors, isAppError } from '../errors/index.ts';
import { isHexId } from '../util/ids.ts';
import type { Clock } from '../util/time.ts';
import {
  type AkSkHead,
  type BodyDigest,
  checkAkSkHead,
  checkAkSkSignature,
  type HeaderMap,
  signatureMismatch,
} from './aksk.ts';

export type AuthMode = 'strict' | 'loose';

/** What arrives before the body: the request line and the headers. */
export interface AuthHead {
  method: string;
  rawPath: string;
  /** Without the leading `?`; '' when there is none. */
  rawQuery: string;
  headers: HeaderMap;
  /** `{project_id}` from the route, when the route has one. */
  pathProjectId?: string;
}

export interface AuthRequest extends AuthHead {
  body: Buffer;
}

export interface AuthCaller {
  /** `url`: a credential carried in the URL of one operation (the live event report URL). */
  kind: 'aksk' | 'token' | 'loose' | 'url';
  projectId: string;
  accessKey?: string;
  userId?: string;
}

/** An authentication the headers have started; the body finishes it. */
export interface PendingAuth {
  /**
   * The caller when the headers decide it alone (a token, loose mode without credentials);
   * undefined while a signature waits for the body.
   */
  readonly caller: AuthCaller | undefined;
  /** The access key whose signature waits for the body. */
  readonly accessKey: string | undefined;
  finish(body: Buffer | BodyDigest): Promise<AuthCaller>;
}

/** What the authenticator needs from AccountsService (tests may pass a fake). */
export interface AuthenticatorService {
  lookupSecret(accessKey: string): Promise<{ sk: string; projectId: string } | null>;
  markCredentialUsed(accessKey: string): Promise<void>;
  verifyToken(token: string): Promise<{ projectId: string; userId: string }>;
}

export interface AuthenticatorOptions {
  service: AuthenticatorService;
  mode: AuthMode;
  clock: Clock;
}

export interface Authenticator {
  /** The whole check for a request whose body is at hand. */
  (req: AuthRequest): Promise<AuthCaller>;
  /** Everything the headers decide; throws before the body is read when they fail. */
  begin(head: AuthHead): Promise<PendingAuth>;
}

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const { service, mode, clock } = opts;

  /** Loose mode forgives bad credentials, never a server fault (database down, master key changed). */
  const forgivable = (e: unknown) => mode === 'loose' && isAppError(e);

  /** From the credentials' caller (or none) to the one the request acts as, scope checked. */
  function settle(head: AuthHead, named: AuthCaller | undefined): AuthCaller {
    let caller = named;
    if (mode === 'loose' && head.pathProjectId !== undefined && caller?.projectId !== head.pathProjectId) {
      if (!isHexId(head.pathProjectId)) {
        throw Errors.invalidParameter('project_id in the path must be 32 lowercase hex characters');
      }
      caller = { kind: 'loose', projectId: head.pathProjectId };
    }
    if (!caller) {
      throw Errors.authFailed(
        'no credentials: sign the request with an access key (SDK-HMAC-SHA256) or send an X-Auth-Token',
      );
    }
    if (head.pathProjectId !== undefined && head.pathProjectId !== caller.projectId)
      throw Errors.tenantMismatch();
    // X-Project-Id (which the SDK signs) must name the same project as the path.
    const headerProject = single(head.headers['x-project-id']);
    if (headerProject !== undefined && headerProject !== (head.pathProjectId ?? caller.projectId)) {
      throw Errors.tenantMismatch();
    }
    return caller;
  }

  const decided = (caller: AuthCaller): PendingAuth => ({
    caller,
    accessKey: undefined,
    finish: async () => caller,
  });

  async function begin(head: AuthHead): Promise<PendingAuth> {
    const token = single(head.headers['x-auth-token']);
    if (token !== undefined) {
      let named: AuthCaller | undefined;
      try {
        const t = await service.verifyToken(token);
        named = { kind: 'token', projectId: t.projectId, userId: t.userId };
      } catch (e) {
        if (!forgivable(e)) throw e;
      }
      return decided(settle(head, named));
    }
    if (single(head.headers.authorization) === undefined) return decided(settle(head, undefined));

    let checked: { head: AkSkHead; sk: string; projectId: string } | undefined;
    try {
      const h = checkAkSkHead({ headers: head.headers, now: clock.now() });
      const secret = await service.lookupSecret(h.auth.accessKey);
      if (!secret) throw signatureMismatch();
      checked = { head: h, sk: secret.sk, projectId: secret.projectId };
    } catch (e) {
      if (!forgivable(e)) throw e;
    }
    // Loose mode and credentials that already failed: nothing waits for the body.
    if (!checked) return decided(settle(head, undefined));
    const { head: h, sk, projectId } = checked;
    return {
      caller: undefined,
      accessKey: h.auth.accessKey,
      async finish(body) {
        let named: AuthCaller | undefined;
        try {
          checkAkSkSignature({ ...head, body }, h, sk);
          await service.markCredentialUsed(h.auth.accessKey);
          named = { kind: 'aksk', projectId, accessKey: h.auth.accessKey };
        } catch (e) {
          if (!forgivable(e)) throw e;
        }
        return settle(head, named);
      },
    };
  }

  const authenticate = (async (req: AuthRequest) => (await begin(req)).finish(req.body)) as Authenticator;
  authenticate.begin = begin;
  return authenticate;
}
