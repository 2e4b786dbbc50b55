// Errors of the IAM-compatible token endpoint. IAM is another service than MetaStudio and
// answers in Keystone's shape, `{"error":{"code":401,"message":…,"title":…}}`, which
// iam.routes.ts renders from these; the string codes below never reach the wire there, so
// they are Doppel's own. Everything else in core/auth throws from the shared catalog.
import { AppError } from '../errors/index.ts';

export const AuthErrors = {
  /** The token request body is not what IAM accepts. */
  iamBadRequest: (why: string) => new AppError(400, 'DOPPEL.IAM0400', why),
  /** Unknown domain or user, or a wrong password: IAM does not say which. */
  iamWrongPassword: () => new AppError(401, 'DOPPEL.IAM0401', 'The username or password is wrong.'),
  /** The scoped project does not exist in the user's domain (IAM does not say which either). */
  iamNoProjectAccess: () =>
    new AppError(401, 'DOPPEL.IAM0401', 'The request you have made requires authentication.'),
} as const;

/** Keystone's titles for the statuses the token endpoint answers with. */
export const IAM_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
