// Pieces for tests that build the HTTP app (`buildApp`) by hand instead of through the
// composition root: the default HTTP limits, fresh failure counters, and an authenticator
// that lets every caller act as the path's project.
import { loadConfig } from '../../src/config.ts';
import { createAuthGuards } from '../../src/core/throttle/failures.ts';
import { systemClock } from '../../src/core/util/time.ts';
import type { Authenticate } from '../../src/http/bind-operations.ts';

const defaults = loadConfig({});

export const testHttpConfig = (bodyLimitBytes: number) => ({
  bodyLimitBytes,
  http: defaults.http,
  faults: defaults.faults,
});

export const testGuards = () => createAuthGuards(defaults.authFailures, systemClock);

/** Every caller owns the path's project (authentication has its own suites). */
export const ownerOfPath: Authenticate = {
  async begin(head) {
    const caller = { kind: 'loose' as const, projectId: head.pathProjectId ?? '' };
    return { caller, accessKey: undefined, finish: async () => caller };
  },
};
