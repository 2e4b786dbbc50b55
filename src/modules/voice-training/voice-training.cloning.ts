// What the training job needs of a voice-cloning service: enrolment of the recordings,
// returning the id the service speaks that voice under. Implemented over HTTP by
// engines/voice-cloning/client.ts; failures become the job's error (retried when transient).
import { AppError } from '../../core/errors/index.ts';
import {
  type EnrollRequest,
  VoiceCloningClient,
  VoiceCloningError,
} from '../../engines/voice-cloning/client.ts';
import { VoiceTrainingCodes } from './voice-training.errors.ts';

export interface VoiceCloner {
  enroll(req: EnrollRequest, signal?: AbortSignal): Promise<string>;
}

/** The HTTP client, with its non-retryable failures as catalog errors (the job fails at once). */
export function httpCloner(opts: ConstructorParameters<typeof VoiceCloningClient>[0]): VoiceCloner {
  const client = new VoiceCloningClient(opts);
  return {
    async enroll(req, signal) {
      try {
        return await client.enroll(req, signal);
      } catch (e) {
        if (e instanceof VoiceCloningError && !e.retryable)
          throw new AppError(400, VoiceTrainingCodes.internal, `Voice cloning failed: ${e.message}`);
        throw e;
      }
    },
  };
}
