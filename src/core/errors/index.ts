// One error catalog. Code throws AppError values built here; the HTTP layer renders them
// as MetaStudio's `{error_code, error_msg}` with the catalog's status. Nothing else picks
// an error status.

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After on throttling. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): { error_code: string; error_msg: string } {
    return { error_code: this.code, error_msg: this.message };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/**
 * The catalog. Gateway (`APIGW.*`) errors come first, as the real API gateway answers them
 * before MetaStudio sees the request; then the MetaStudio (`MSS.*`) codes; then the few that
 * exist only in Doppel (`DOPPEL.*`). Statuses follow SEMANTICS.md §2.1 and ERRATA.md.
 */
/** The answers fault injection gives, shaped like the server's own 5xx (docs/fault-injection.md). */
const INJECTED = {
  500: ['DOPPEL.0500', 'Internal server error'],
  502: ['DOPPEL.0502', 'Bad gateway'],
  503: ['DOPPEL.0503', 'Service unavailable; retry shortly'],
  504: ['DOPPEL.0504', 'Gateway timeout'],
} as const;

export const Errors = {
  // ── gateway ───────────────────────────────────────────────────────────────
  routeNotFound: (method: string, url: string) =>
    new AppError(404, 'APIGW.0101', `The API does not exist or has not been published: ${method} ${url}`),
  authFailed: (why: string) =>
    new AppError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${why}`),
  throttled: (operationId: string, limit: number, retryAfterMs: number) =>
    new AppError(
      429,
      'APIGW.0308',
      `The throttling threshold has been reached: ${operationId} allows ${limit} requests per second per tenant`,
      { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    ),
  /** Repeated authentication failures (ERRATA 53): refused without checking the credential. */
  authThrottled: (retryAfterMs: number) =>
    new AppError(
      429,
      'APIGW.0308',
      'The throttling threshold has been reached: too many failed authentication attempts; retry later',
      { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    ),
  bodyTooLarge: (limit: number) =>
    new AppError(413, 'APIGW.0201', `Request entity too large: the body exceeds ${limit} bytes`),

  // ── MetaStudio ────────────────────────────────────────────────────────────
  unauthorized: (why = 'Unauthorized') => new AppError(401, 'MSS.00000001', why),
  invalidBody: (why: string) => new AppError(400, 'MSS.10000002', `Request body is not valid JSON: ${why}`),
  invalidParameter: (why: string) => new AppError(400, 'MSS.00000003', `Invalid parameter: ${why}`),
  forbidden: (why: string) => new AppError(403, 'MSS.00000004', `Illegal access: ${why}`),
  tokenInvalid: (why: string) => new AppError(400, 'MSS.00010008', `Invalid token: ${why}`),
  tenantMismatch: () =>
    new AppError(
      400,
      'MSS.00010009',
      'urlTenantId is not equal tokenTenantId: the project in the URL is not yours',
    ),

  // ── Doppel only ───────────────────────────────────────────────────────────
  notImplemented: (operationId: string) =>
    new AppError(
      501,
      'DOPPEL.0501',
      `${operationId} is part of the MetaStudio contract but this Doppel server does not implement it yet`,
    ),
  internal: () => new AppError(500, 'DOPPEL.0500', 'Internal server error'),
  unavailable: (why: string) => new AppError(503, 'DOPPEL.0503', `Service unavailable: ${why}`),
  /** Momentary overload the client should retry (ERRATA 52). */
  busy: (why: string) =>
    new AppError(503, 'DOPPEL.0503', `Service unavailable: ${why}; retry shortly`, { 'Retry-After': '1' }),
  requestTimeout: (why: string) => new AppError(408, 'DOPPEL.0408', `Request timeout: ${why}`),
  headersTooLarge: (limit: number) =>
    new AppError(
      431,
      'DOPPEL.0431',
      `Request header fields too large: the request line and headers exceed ${limit} bytes`,
    ),
  /** An answer fault injection asked for (docs/fault-injection.md); shaped like the real one. */
  injected: (status: 500 | 502 | 503 | 504) => {
    const [code, text] = INJECTED[status];
    return new AppError(
      status,
      code,
      `${text} (injected fault)`,
      status === 503 ? { 'Retry-After': '1' } : {},
    );
  },
  injectedThrottle: (operationId: string) =>
    new AppError(
      429,
      'APIGW.0308',
      `The throttling threshold has been reached: ${operationId} (injected fault)`,
      {
        'Retry-After': '1',
      },
    ),
  /** The bytes on the socket are not an HTTP request Node can parse. */
  malformedRequest: (why: string) => new AppError(400, 'DOPPEL.0400', `Malformed HTTP request: ${why}`),
} as const;
