// The upload URLs of a training job (§4.6): one single-use presigned PUT per slot, or one per
// part for a multipart slot (video_multipart_count / action_video_multipart_count), each for a
// key of this upload round only. What the user uploaded is read from the store at submit time.
import type { ObjectStore } from '../../core/object-store/types.ts';
import {
  contentTypeOf,
  slotsFor,
  type TrainingOptions,
  type UploadRecord,
  type UploadSlot,
  type Uploads,
  uploadKey,
} from './avatar-training.rules.ts';

/** Upload URLs last a day (§5: training artefacts' URLs are valid 24 h). */
export const UPLOAD_URL_TTL_SEC = 24 * 3600;
export const DOWNLOAD_URL_TTL_SEC = 24 * 3600;

export interface IssuedUrls {
  training_video_upload_url: string[];
  action_video_upload_url: string[];
  audio_upload_url?: string;
  cover_upload_url: string;
  id_card_image1_upload_url: string;
  id_card_image2_upload_url: string;
  grant_file_upload_url: string;
}

const partsOf = (o: TrainingOptions, slot: UploadSlot): number | undefined =>
  slot === 'training_video'
    ? o.video_multipart_count
    : slot === 'action_video'
      ? o.action_video_multipart_count
      : undefined;

/** Makes the round's upload records and their URLs (multipart uploads are started here). */
export async function issueUploads(
  objects: ObjectStore,
  at: { projectId: string; jobId: string; round: number; options: TrainingOptions },
): Promise<{ uploads: Uploads; urls: IssuedUrls }> {
  const uploads: Uploads = {};
  const urls: Partial<Record<UploadSlot, string[]>> = {};
  for (const slot of slotsFor(at.options)) {
    const key = uploadKey(at.projectId, at.jobId, at.round, slot);
    const contentType = contentTypeOf(slot);
    const parts = partsOf(at.options, slot);
    if (parts !== undefined) {
      const m = await objects.createMultipart(key, {
        partCount: parts,
        expiresInSec: UPLOAD_URL_TTL_SEC,
        contentType,
        once: true,
      });
      uploads[slot] = { key, upload_id: m.uploadId, parts };
      urls[slot] = m.partUrls;
    } else {
      uploads[slot] = { key };
      urls[slot] = [
        await objects.presignPut(key, { expiresInSec: UPLOAD_URL_TTL_SEC, contentType, once: true }),
      ];
    }
  }
  const one = (s: UploadSlot) => urls[s]?.[0] as string;
  return {
    uploads,
    urls: {
      training_video_upload_url: urls.training_video ?? [],
      action_video_upload_url: urls.action_video ?? [],
      ...(urls.audio ? { audio_upload_url: one('audio') } : {}),
      cover_upload_url: one('cover'),
      id_card_image1_upload_url: one('id_card_image1'),
      id_card_image2_upload_url: one('id_card_image2'),
      grant_file_upload_url: one('grant_file'),
    },
  };
}

/** True when the slot's bytes are in the store (a multipart slot: once it was confirmed). */
export async function isUploaded(objects: ObjectStore, rec: UploadRecord | undefined): Promise<boolean> {
  if (!rec) return false;
  if (rec.upload_id && !rec.done) return false;
  return (await objects.head(rec.key)) !== null;
}

/** Drops every unfinished multipart upload of a round (before its keys are deleted). */
export async function abortUploads(objects: ObjectStore, uploads: Uploads): Promise<void> {
  for (const rec of Object.values(uploads)) {
    if (rec?.upload_id && !rec.done) await objects.abortMultipart(rec.key, rec.upload_id);
  }
}
