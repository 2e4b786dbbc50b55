/** Thrown by a handler to fail its job now, without the remaining retries. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export type AbortKind = 'cancelled' | 'shutdown' | 'lease-lost';

/** The `signal.reason` a handler sees when its job is taken away from it. */
export class JobAbortedError extends Error {
  constructor(readonly kind: AbortKind) {
    super(
      kind === 'cancelled'
        ? 'job cancelled'
        : kind === 'shutdown'
          ? 'worker shutting down; the job goes back to the queue'
          : 'lease lost; another worker owns the job now',
    );
    this.name = 'JobAbortedError';
  }
}

/** start() refuses to run while a job name lacks its handler (the boot check). */
export class MissingHandlerError extends Error {
  constructor(readonly tasks: string[]) {
    super(`no handler defined for job task(s): ${tasks.join(', ')}`);
    this.name = 'MissingHandlerError';
  }
}

/** enqueue() of a task this process neither defined nor declared: most likely a typo. */
export class UnknownTaskError extends Error {
  constructor(readonly task: string) {
    super(`unknown job task "${task}": define() or declare() it first`);
    this.name = 'UnknownTaskError';
  }
}

/** What goes into jobs.last_error: the name and message, never a whole payload. */
export function describeError(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : `thrown: ${String(e)}`;
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
