// What a finished render used, recorded in the transaction that ends the job (usage module):
// the video's seconds by output resolution, and the bytes its MAIN and COVER files store.
import type { ModuleDeps } from '../types.ts';
import { recordUsage } from '../usage/index.ts';

export async function meterRender(
  trx: ModuleDeps['db'],
  r: {
    projectId: string;
    jobId: string;
    durationMs: number;
    width: number;
    height: number;
    files: Array<{ fileId: string; size: number }>;
  },
  now: Date,
): Promise<void> {
  await recordUsage(
    trx,
    {
      projectId: r.projectId,
      metric: 'video_seconds',
      sourceId: r.jobId,
      quantity: r.durationMs / 1000,
      dimension: `${r.width}x${r.height}`,
    },
    now,
  );
  for (const f of r.files)
    await recordUsage(
      trx,
      {
        projectId: r.projectId,
        metric: 'storage_bytes',
        sourceId: f.fileId,
        quantity: f.size,
        dimension: 'VIDEO',
      },
      now,
    );
}
