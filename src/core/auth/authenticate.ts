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
import { type HeaderMap, verifyAkSk } from './aksk.ts';

export type AuthMode = 'strict' | 'loose';

export interface AuthRequest {
  method: string;
  rawPath: string;
  /** Without the leading `?`; '' when there is none. */
  rawQuery: string;
  headers: HeaderMap;
  body: Buffer;
  /** `{project_id}` from the route, when the route has one. */
  pathProjectId?: string;
}

export interface AuthCaller {
  kind: 'aksk' | 'token' | 'loose';
  projectId: string;
  accessKey?: string;
  userId?: string;
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

export type Authenticator = (req: AuthRequest) => Promise<AuthCaller>;

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const { service, mode, clock } = opts;

  /** The caller the credentials name, undefined when there are none; throws when they are bad. */
  async function identify(req: AuthRequest): Promise<AuthCaller | undefined> {
    const token = single(req.headers['x-auth-token']);
    if (token !== undefined) {
      const t = await service.verifyToken(token);
      return { kind: 'token', projectId: t.projectId, userId: t.userId };
    }
    if (single(req.headers.authorization) !== undefined) {
      const c = await verifyAkSk({
        ...req,
        now: clock.now(),
        lookupSecret: (ak) => service.lookupSecret(ak),
      });
      await service.markCredentialUsed(c.accessKey);
      return { kind: 'aksk', projectId: c.projectId, accessKey: c.accessKey };
    }
    return undefined;
  }

  return async function authenticate(req) {
    let caller: AuthCaller | undefined;
    try {
      caller = await identify(req);
    } catch (e) {
      // Loose mode forgives bad credentials, never a server fault (database down, master key changed).
      if (mode === 'strict' || !isAppError(e)) throw e;
    }

    if (mode === 'loose' && req.pathProjectId !== undefined && caller?.projectId !== req.pathProjectId) {
      if (!isHexId(req.pathProjectId)) {
        throw Errors.invalidParameter('project_id in the path must be 32 lowercase hex characters');
      }
      caller = { kind: 'loose', projectId: req.pathProjectId };
    }
    if (!caller) {
      throw Errors.authFailed(
        'no credentials: sign the request with an access key (SDK-HMAC-SHA256) or send an X-Auth-Token',
      );
    }

    if (req.pathProjectId !== undefined && req.pathProjectId !== caller.projectId)
      throw Errors.tenantMismatch();
    // X-Project-Id (which the SDK signs) must name the same project as the path.
    const headerProject = single(req.headers['x-project-id']);
    if (headerProject !== undefined && headerProject !== (req.pathProjectId ?? caller.projectId)) {
      throw Errors.tenantMismatch();
    }
    return caller;
  };
}
