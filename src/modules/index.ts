// The registry of API groups. Each module contributes handlers for the contract
// operations it implements; every other operation answers 501 (see http/bind-operations).
// docs/api-coverage.md is generated from IMPLEMENTED_OPERATIONS and a test checks that
// the handler map built at run time implements exactly that list.
import type { OperationId } from '../contract/generated/types.ts';
import type { HandlerMap } from '../http/bind-operations.ts';

/** What modules may use; grows as API groups land. */
export type ModuleDeps = Record<string, never>;

export function createHandlers(_deps: ModuleDeps): HandlerMap {
  return {};
}

export const IMPLEMENTED_OPERATIONS: readonly OperationId[] = [];
