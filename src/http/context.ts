// What the HTTP layer learns about a request before the handler runs.

import type { OperationDef } from '../contract/generated/operations.ts';
import type { PendingAuth } from '../core/auth/authenticate.ts';
import type { AppError } from '../core/errors/index.ts';

export interface Caller {
  kind: 'aksk' | 'token' | 'loose' | 'url';
  projectId: string;
  accessKey?: string;
  userId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes exactly as received (signatures are computed over them). */
    rawBody: Buffer | undefined;
    /** What is wrong with the body (JSON syntax, encoding), found while parsing; reported after authentication. */
    bodyError: AppError | undefined;
    caller: Caller | undefined;
    /** The authentication the headers started (bind-operations.ts). */
    pendingAuth: PendingAuth | undefined;
  }
  interface FastifyContextConfig {
    operation?: OperationDef;
  }
}
