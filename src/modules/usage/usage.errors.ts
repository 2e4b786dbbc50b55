// Usage and resource-package errors. Work refused for want of quota answers MetaStudio's
// "insufficient balance" code (MSS.20050039, SEMANTICS §2.1), whatever the business (ERRATA 83).
import { AppError, Errors } from '../../core/errors/index.ts';

export const UsageErrors = {
  invalid: Errors.invalidParameter,
  quotaExhausted: (business: string, why: string) =>
    new AppError(
      400,
      'MSS.20050039',
      `Insufficient balance: ${why}; order a ${business} resource package with CreateMetaStudioOrders`,
    ),
} as const;
