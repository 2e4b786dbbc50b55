// The file lifecycle's job: media inspection after a confirmed MAIN/COVER upload.
import type { GiveUpContext, TaskHelpers } from '../../core/jobs/index.ts';
import type { ModuleDeps, TaskDefinition } from '../types.ts';
import { giveUp, INSPECT_TASK, type InspectPayload, inspectFile } from './files.inspect.ts';

/** Probing is cheap but may meet a slow store; a few tries, then the asset goes FAILED. */
const MAX_ATTEMPTS = 5;

export function filesTasks(deps: ModuleDeps): TaskDefinition[] {
  const handler = async (payload: InspectPayload, helpers: TaskHelpers): Promise<void> => {
    try {
      await inspectFile(deps, payload, helpers);
    } catch (e) {
      // Not for an abort (shutdown, lost lease): the job is re-queued and runs again.
      if (!helpers.signal.aborted && helpers.job.attempts >= helpers.job.max_attempts) {
        await giveUp(deps, payload, e);
      }
      throw e;
    }
  };
  return [
    {
      name: INSPECT_TASK,
      spec: {
        queue: 'media',
        maxAttempts: MAX_ATTEMPTS,
        // Also after the worker died during the last attempt, which the handler cannot see.
        onGiveUp: (p: InspectPayload, ctx: GiveUpContext) => giveUp(deps, p, new Error(ctx.message)),
      },
      handler: handler as TaskDefinition['handler'],
    },
  ];
}
