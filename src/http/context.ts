// What the HTTP layer learns about a request before the handler runs.
import type { OperationDef } from '../contract/generated/operations.ts';

export interface Caller {
  kind: 'aksk' | 'token' | 'loose';
  projectId: string;
  accessKey?: string;
  userId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes exactly as received (signatures are computed over them). */
    rawBody: Buffer | undefined;
    /** A JSON syntax error found while parsing; reported after authentication. */
    bodyError: Error | undefined;
    caller: Caller | undefined;
  }
  interface FastifyContextConfig {
    operation?: OperationDef;
  }
}
