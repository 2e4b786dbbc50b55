// The media-understanding job: after a MAIN or COVER upload is confirmed, read the bytes,
// probe them, and settle the asset: ACTIVED with its asset_extra_meta (and a generated cover
// when asked), or FAILED with a reason when the file is not what the asset needs. Re-runnable:
// a crash anywhere leaves either nothing or a state the next run recognises and skips.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TaskHelpers } from '../../core/jobs/index.ts';
import { sniffFormat } from '../../core/media/index.ts';
import type { ObjectStore } from '../../core/object-store/types.ts';
import type { ModuleDeps } from '../types.ts';
import { type FileRow, FilesRepo } from './files.repo.ts';
import {
  clampReason,
  contentTypeFor,
  coverable,
  coverFileIdFor,
  expectedKind,
  extensionOf,
  INSPECTABLE_ASSET_STATES,
  LIVE_FILE_STATES,
  mergeExtraMeta,
  metaKeyFor,
  objectKeyFor,
} from './files.rules.ts';
import { type InspectedMedia, MediaUnreadable } from './media.ts';

export const INSPECT_TASK = 'assets.inspect';

export interface InspectPayload {
  projectId: string;
  fileId: string;
}

/** What a successful inspection writes, all in one transaction. */
interface Findings {
  extraMeta?: Record<string, unknown>;
  fileExtraMeta?: Record<string, unknown>;
  cover?: { fileId: string; objectKey: string; size: number; md5: string };
}

const READY = 'ACTIVED'; // SEMANTICS §3.1: "ACTIVED is likely for user uploads" (ERRATA 19)

export async function inspectFile(
  deps: ModuleDeps,
  payload: InspectPayload,
  helpers: TaskHelpers,
): Promise<void> {
  const { projectId, fileId } = payload;
  const { signal } = helpers;
  const repo = new FilesRepo(deps.db);
  const file = await repo.findFile(projectId, fileId);
  // Deleted, failed or cancelled since the confirm: nothing left to inspect.
  if (file?.state !== 'CREATED') return;
  const asset = await repo.findAsset(projectId, file.asset_id);
  if (!asset) return;
  const isMain = file.asset_file_category === 'MAIN';
  // A MAIN inspection only settles an asset still waiting for it; a re-run after the commit,
  // or an asset moved to the recycle bin meanwhile, is left alone.
  if (isMain && !(INSPECTABLE_ASSET_STATES as readonly string[]).includes(asset.asset_state)) return;

  const work = path.join(deps.tmpDir, `inspect-${fileId}`);
  await fs.promises.rm(work, { recursive: true, force: true });
  await fs.promises.mkdir(work, { recursive: true });
  try {
    const local = path.join(work, 'input');
    const md5 = await download(deps.objects, file.object_key, local, signal);
    let findings: Findings;
    try {
      if (md5 === null) throw new MediaUnreadable('the uploaded file is no longer in storage');
      findings = isMain
        ? await inspectMain(deps, { file, asset, local, work, signal })
        : await inspectCover(deps, local, signal);
    } catch (e) {
      if (!(e instanceof MediaUnreadable) || signal.aborted) throw e;
      helpers.logger.info({ fileId, reason: e.reason }, 'uploaded file refused');
      await refuse(deps, file, e.reason);
      return;
    }
    signal.throwIfAborted();
    await settle(deps, file, { ...findings, md5: md5 ?? undefined });
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}

/** The job's last failed attempt: the asset must not wait in CREATING forever. */
export async function giveUp(deps: ModuleDeps, payload: InspectPayload, error: unknown): Promise<void> {
  const file = await new FilesRepo(deps.db).findFile(payload.projectId, payload.fileId);
  if (file?.state !== 'CREATED') return;
  const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
  await refuse(deps, file, clampReason(`media inspection failed: ${why}`));
}

async function inspectMain(
  deps: ModuleDeps,
  ctx: {
    file: FileRow;
    asset: {
      asset_id: string;
      asset_type: string;
      is_need_generate_cover: boolean;
      asset_extra_meta: unknown;
    };
    local: string;
    work: string;
    signal: AbortSignal;
  },
): Promise<Findings> {
  const { file, asset, local, work, signal } = ctx;
  const want = expectedKind(asset.asset_type);
  const existing = (asset.asset_extra_meta ?? {}) as Record<string, unknown>;
  if (!want) {
    if (asset.asset_type === 'PPT') await checkDocument(local, file.file_name);
    return { extraMeta: existing };
  }
  const info = await deps.media.inspect(local, { signal });
  if (info.kind !== want) throw new MediaUnreadable(kindMismatch(asset.asset_type, want, info));
  const key = metaKeyFor(asset.asset_type)!;
  const probed = { ...((info.extraMeta[key] ?? {}) as Record<string, unknown>) };
  // Doppel plays every format ffmpeg reads, so no transcoding is pending (ERRATA 19).
  if (key === 'video_meta') probed.video_transcoding_status = 'SUCCEEDED';
  const findings: Findings = {
    extraMeta: mergeExtraMeta(existing, { [key]: probed }),
    fileExtraMeta: key === 'video_meta' ? { video_transcoding_status: 'SUCCEEDED' } : undefined,
  };
  if (asset.is_need_generate_cover && coverable(asset.asset_type)) {
    findings.cover = await makeCover(deps, { file, local, work, signal });
  }
  return findings;
}

/** A COVER must be a picture; nothing else about the asset changes. */
async function inspectCover(deps: ModuleDeps, local: string, signal: AbortSignal): Promise<Findings> {
  const info = await deps.media.inspect(local, { signal });
  if (info.kind !== 'image') {
    throw new MediaUnreadable(`a COVER file must be an image; the uploaded file is ${describe(info)}`);
  }
  return {};
}

/**
 * The generated cover has an id derived from the MAIN file's, so a re-run overwrites the same
 * object and finds the same row. Skipped when the asset already has a live COVER.
 */
async function makeCover(
  deps: ModuleDeps,
  ctx: { file: FileRow; local: string; work: string; signal: AbortSignal },
): Promise<Findings['cover']> {
  const { file, local, work, signal } = ctx;
  const coverId = coverFileIdFor(file.file_id);
  const repo = new FilesRepo(deps.db);
  const taken = await repo.liveFileOf(file.project_id, file.asset_id, 'COVER', LIVE_FILE_STATES);
  if (taken && taken.file_id !== coverId) return undefined;
  const out = path.join(work, 'cover.jpg');
  try {
    await deps.media.makeCover(local, out, { signal });
  } catch (e) {
    // A file that probes but yields no frame still makes a usable asset, just without a cover.
    if (e instanceof MediaUnreadable && !signal.aborted) return undefined;
    throw e;
  }
  const objectKey = objectKeyFor(file.project_id, file.asset_id, coverId, 'cover.jpg');
  const meta = await deps.objects.put(objectKey, fs.createReadStream(out), {
    contentType: contentTypeFor('jpg'),
  });
  return { fileId: coverId, objectKey, size: meta.size, md5: meta.md5 };
}

/** Success: meta, the cover row and the asset's state, together. */
async function settle(deps: ModuleDeps, file: FileRow, f: Findings & { md5?: string }): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const repo = new FilesRepo(trx);
    await repo.updateFile(file.project_id, file.file_id, ['CREATED'], {
      ...(f.fileExtraMeta && { fileExtraMeta: f.fileExtraMeta }),
      // Multipart objects on S3 come without an MD5; the download just computed it.
      ...(file.file_md5 === '' && f.md5 && { fileMd5: f.md5 }),
      now,
    });
    if (f.cover) {
      // ON CONFLICT DO NOTHING covers the primary key (a re-run) and the one-COVER index (a
      // user's cover confirmed meanwhile) alike.
      await repo.insertFileIfAbsent({
        projectId: file.project_id,
        fileId: f.cover.fileId,
        assetId: file.asset_id,
        fileName: 'cover.jpg',
        fileMd5: f.cover.md5,
        fileSize: f.cover.size,
        fileType: 'jpg',
        category: 'COVER',
        state: 'CREATED',
        objectKey: f.cover.objectKey,
        now,
      });
    }
    if (file.asset_file_category === 'MAIN') {
      await repo.setAssetState(file.project_id, file.asset_id, INSPECTABLE_ASSET_STATES, {
        state: READY,
        reason: null,
        extraMeta: f.extraMeta,
        now,
      });
    }
  });
}

/** The file is not what its asset needs: file FAILED (freeing its slot), a MAIN's asset FAILED. */
async function refuse(deps: ModuleDeps, file: FileRow, reason: string): Promise<void> {
  const now = deps.clock.now();
  const text = clampReason(reason);
  await deps.db.transaction().execute(async (trx) => {
    const repo = new FilesRepo(trx);
    const moved = await repo.updateFile(file.project_id, file.file_id, ['CREATED'], {
      state: 'FAILED',
      reason: text,
      now,
    });
    if (moved && file.asset_file_category === 'MAIN') {
      await repo.setAssetState(file.project_id, file.asset_id, INSPECTABLE_ASSET_STATES, {
        state: 'FAILED',
        reason: text,
        now,
      });
    }
  });
  await deps.objects.delete(file.object_key).catch(() => {});
}

/** Streams an object to a local file; returns its base64 MD5, or null when the object is gone. */
async function download(
  objects: ObjectStore,
  key: string,
  dest: string,
  signal: AbortSignal,
): Promise<string | null> {
  const got = await objects.get(key);
  if (!got) return null;
  const hash = createHash('md5');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(got.body, tap, fs.createWriteStream(dest), { signal });
  return hash.digest('base64');
}

/** PPT assets are not probed; the magic bytes must still agree with the extension. */
async function checkDocument(local: string, fileName: string): Promise<void> {
  const fh = await fs.promises.open(local, 'r');
  const head = Buffer.alloc(512);
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const ext = extensionOf(fileName);
  const sniffed = sniffFormat(head);
  const ole = head.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
  const ok =
    ext === 'pdf' ? sniffed === 'pdf' : ext === 'pptx' ? sniffed === 'zip' : ext === 'ppt' ? ole : true;
  if (!ok) {
    const what =
      sniffed === 'text' ? 'plain text' : sniffed ? `${sniffed.toUpperCase()} data` : 'something else';
    throw new MediaUnreadable(`the file is named .${ext} but its content is ${what}`);
  }
}

const KIND_WORDS: Record<InspectedMedia['kind'], string> = {
  video: 'a video',
  audio: 'audio',
  image: 'an image',
  other: 'not audio, video or an image',
};

/** "an image (PNG)", "not audio, video or an image". */
function describe(info: InspectedMedia): string {
  const fmt = info.format && info.kind !== 'other' ? ` (${info.format.toUpperCase()})` : '';
  return `${KIND_WORDS[info.kind]}${fmt}`;
}

function kindMismatch(assetType: string, want: InspectedMedia['kind'], info: InspectedMedia): string {
  return `a ${assetType} asset's MAIN file must be ${KIND_WORDS[want]}; the uploaded file is ${describe(info)}`;
}
