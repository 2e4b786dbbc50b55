// Storage metering (usage module): a file's bytes count from the transaction that makes it
// CREATED until the one that deletes it, by asset type. Keyed by file id, so a racing confirm
// or a re-run copy job records once, and a release is recorded once.
import type { ModuleDeps } from '../types.ts';
import { recordUsage } from '../usage/index.ts';

interface StoredFile {
  projectId: string;
  fileId: string;
  size: number;
  assetType: string;
}

export async function meterStored(trx: ModuleDeps['db'], f: StoredFile, now: Date): Promise<void> {
  await recordUsage(
    trx,
    {
      projectId: f.projectId,
      metric: 'storage_bytes',
      sourceId: f.fileId,
      quantity: f.size,
      dimension: f.assetType,
    },
    now,
  );
}

export async function meterReleased(trx: ModuleDeps['db'], f: StoredFile, now: Date): Promise<void> {
  await recordUsage(
    trx,
    {
      projectId: f.projectId,
      metric: 'storage_bytes',
      sourceId: `released:${f.fileId}`,
      quantity: -f.size,
      dimension: f.assetType,
    },
    now,
  );
}
