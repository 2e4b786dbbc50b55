// Video script error codes. Business "not found" is a 400 with a specific code
// (SEMANTICS.md §2.1); the docs name none for scripts, so Doppel uses MSS.10003001 (ERRATA 33).
import { AppError, Errors } from '../../core/errors/index.ts';

export const VideoScriptErrors = {
  scriptNotFound: (scriptId: string) =>
    new AppError(400, 'MSS.10003001', `Video script not found: ${scriptId}`),
  /** A referenced asset the project cannot see (or that is deleted); names the field. */
  assetNotFound: (field: string, assetId: string) =>
    new AppError(400, 'MSS.10001001', `Asset not found: ${field} = ${assetId}`),
  invalid: Errors.invalidParameter,
} as const;
