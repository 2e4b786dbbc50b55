// What TTS work uses: the characters an async job speaks (SSML markup not counted) and the
// seconds of audio it produced. Auditions are previews and are not metered (ERRATA 80).
import type { ModuleDeps } from '../types.ts';
import { recordUsage } from '../usage/index.ts';
import { spokenText } from '../video-scripts/index.ts';

export const billableChars = (text: string): number => [...spokenText(text)].length;

/** Records a succeeded async job's usage on the transaction that ends it. */
export async function meterSynthesis(
  trx: ModuleDeps['db'],
  r: { projectId: string; jobId: string; text: string; durationMs: number },
  now: Date,
): Promise<void> {
  const base = { projectId: r.projectId, sourceId: r.jobId };
  await recordUsage(trx, { ...base, metric: 'tts_characters', quantity: billableChars(r.text) }, now);
  await recordUsage(trx, { ...base, metric: 'tts_audio_seconds', quantity: r.durationMs / 1000 }, now);
}
