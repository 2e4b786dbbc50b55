// MetaStudio's asset and file error codes (SEMANTICS.md §2.1). Business "not found" is a
// 400 with a specific code, not a 404.
import { AppError } from '../../core/errors/index.ts';

export const AssetErrors = {
  assetNotFound: (assetId: string) => new AppError(400, 'MSS.10001001', `Asset not found: ${assetId}`),
  badUrlParameter: (why: string) => new AppError(400, 'MSS.10001002', `Invalid URL parameter: ${why}`),
  fileTypeEmpty: () =>
    new AppError(400, 'MSS.10001003', 'File type is empty: give file_type or a file name with an extension'),
  fileNotFound: (fileId: string) => new AppError(400, 'MSS.10001004', `File not found: ${fileId}`),
  nameExists: (name: string) => new AppError(400, 'MSS.10001005', `Asset name already exists: ${name}`),
  createFailed: (why: string) => new AppError(400, 'MSS.10001006', `Asset creation failed: ${why}`),
  fileTooLarge: (why: string) => new AppError(400, 'MSS.10001007', `Asset file too large: ${why}`),
  mainExists: (assetId: string) =>
    new AppError(400, 'MSS.10001008', `Asset ${assetId} already has a MAIN file`),
  coverExists: (assetId: string) =>
    new AppError(400, 'MSS.10001009', `Asset ${assetId} already has a COVER file`),
  missingFile: (why: string) => new AppError(400, 'MSS.45000001', `Asset file missing: ${why}`),
  invalid: (why: string) => new AppError(400, 'MSS.00000003', `Invalid parameter: ${why}`),
  /** A state change the state machine does not allow (e.g. restoring an asset not in the recycle bin). */
  badState: (assetId: string, state: string, action: string) =>
    new AppError(400, 'MSS.00000003', `Invalid parameter: asset ${assetId} is ${state}; cannot ${action}`),
  forbidden: (why: string) => new AppError(403, 'MSS.00000004', `Illegal access: ${why}`),
} as const;
