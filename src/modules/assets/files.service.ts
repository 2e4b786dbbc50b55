// File Management: create a file (presigned PUT), create a large file (multipart), confirm an
// upload, delete a file. Decides states and errors; SQL is in files.repo, bytes in the object
// store, media work in the inspection job (files.inspect).
import { randomUUID } from 'node:crypto';
import type {
  CreateFileResponse,
  CreateLargeFileResponse,
  FilesCreateReq,
  LargeFilesCreateReq,
} from '../../contract/generated/types.ts';
import { SYSTEM_PROJECT_ID } from '../../core/db/schema.ts';
import { isUniqueViolation } from '../../core/db/sql-helpers.ts';
import { isAppError } from '../../core/errors/index.ts';
import type { ObjectMeta } from '../../core/object-store/types.ts';
import type { ModuleDeps } from '../types.ts';
import { AssetErrors } from './assets.errors.ts';
import { meterReleased, meterStored } from './assets.usage.ts';
import { INSPECT_TASK, type InspectPayload } from './files.inspect.ts';
import { type AssetForFiles, type FileRow, FilesRepo, violatedConstraint } from './files.repo.ts';
import {
  assertMd5,
  checkFormat,
  checkSize,
  type FileCategory,
  FROZEN_ASSET_STATES,
  GONE_ASSET_STATES,
  LIVE_FILE_STATES,
  MAIN_BACKED_ASSET_STATES,
  objectKeyFor,
  parseCategory,
  resolveFileType,
  URL_TTL_SEC,
} from './files.rules.ts';

type ConfirmState = 'CREATED' | 'FAILED' | 'CANCELLED';

export class FilesService {
  constructor(private readonly deps: ModuleDeps) {}

  private repo(db = this.deps.db): FilesRepo {
    return new FilesRepo(db);
  }

  /** CreateFile: a CREATING row and a 24-hour presigned PUT bound to the declared size and MD5. */
  async createFile(projectId: string, req: FilesCreateReq): Promise<CreateFileResponse> {
    assertMd5(req.file_md5);
    const p = await this.prepare(projectId, req);
    checkSize(p.asset.asset_type, p.category, req.file_size);
    const at = newFileLocation(projectId, p);
    await this.insert(projectId, p, at, { fileMd5: req.file_md5, fileSize: req.file_size });
    // Content-Type is not bound (ERRATA 17): clients send the documented type or none.
    const uploadUrl = await this.deps.objects.presignPut(at.objectKey, {
      expiresInSec: URL_TTL_SEC,
      contentLength: req.file_size,
      md5: req.file_md5,
    });
    return { file_id: at.fileId, upload_url: uploadUrl };
  }

  /** CreateLargeFile: a multipart upload, one presigned URL per part; ConfirmFileUpload completes it (ERRATA 16). */
  async createLargeFile(projectId: string, req: LargeFilesCreateReq): Promise<CreateLargeFileResponse> {
    const partCount = req.file_multipart_count ?? 1;
    if (!(Number.isInteger(partCount) && partCount >= 1 && partCount <= 100)) {
      throw AssetErrors.invalid('file_multipart_count must be an integer in 1..100');
    }
    const p = await this.prepare(projectId, req);
    if (req.file_size !== undefined) checkSize(p.asset.asset_type, p.category, req.file_size, 'multipart');
    const at = newFileLocation(projectId, p);
    const mp = await this.deps.objects.createMultipart(at.objectKey, {
      partCount,
      expiresInSec: URL_TTL_SEC,
    });
    try {
      await this.insert(projectId, p, at, {
        fileMd5: '',
        fileSize: req.file_size ?? 0,
        uploadId: mp.uploadId,
        partCount,
      });
    } catch (e) {
      await this.deps.objects.abortMultipart(at.objectKey, mp.uploadId).catch(() => {});
      throw e;
    }
    return { file_id: at.fileId, upload_urls: mp.partUrls };
  }

  /** ConfirmFileUpload. CREATED verifies (or assembles) the bytes; FAILED/CANCELLED abandon the upload. */
  async confirm(projectId: string, fileId: string, state: ConfirmState): Promise<void> {
    const file = await this.repo().findFile(projectId, fileId);
    if (!file) throw AssetErrors.fileNotFound(fileId);
    if (file.state === state) return; // a retried confirm (ERRATA 18)
    if (file.state !== 'CREATING') {
      throw AssetErrors.invalid(`file ${fileId} is ${file.state}; only a CREATING file can be confirmed`);
    }
    if (state === 'CREATED') await this.complete(projectId, file);
    else await this.abandon(projectId, file, state);
  }

  /** DeleteFile: the row goes, then the bytes; a MAIN's asset falls back to CREATING (ERRATA 19). */
  async deleteFile(projectId: string, fileId: string): Promise<void> {
    const now = this.deps.clock.now();
    const removed = await this.deps.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await repo.deleteFile(projectId, fileId);
      if (!row) throw AssetErrors.fileNotFound(fileId);
      if (row.state === 'CREATED') {
        const asset = await repo.findAsset(projectId, row.asset_id);
        const f = { projectId, fileId, size: Number(row.file_size), assetType: asset?.asset_type ?? '' };
        await meterReleased(trx, f, now);
      }
      if (row.asset_file_category === 'MAIN') {
        const still = await repo.liveFileOf(projectId, row.asset_id, 'MAIN', LIVE_FILE_STATES);
        if (!still) {
          await repo.setAssetState(projectId, row.asset_id, MAIN_BACKED_ASSET_STATES, {
            state: 'CREATING',
            reason: null,
            now,
          });
        }
      }
      return row;
    });
    await this.discardBytes(removed);
  }

  // ── steps ─────────────────────────────────────────────────────────────────

  /** Checks shared by both creates: parameters, then the asset, then the format for its type. */
  private async prepare(
    projectId: string,
    req: { file_name: string; file_type?: string; asset_id: string; asset_file_category: string },
  ): Promise<Prepared> {
    const fileType = resolveFileType(req.file_name, req.file_type);
    const category = parseCategory(req.asset_file_category);
    const asset = await this.repo().findAsset(projectId, req.asset_id);
    if (!asset) {
      // System assets are visible to every project, and read-only to all of them.
      if (await this.repo().findAsset(SYSTEM_PROJECT_ID, req.asset_id)) {
        throw AssetErrors.forbidden(`asset ${req.asset_id} is a system asset and is read-only`);
      }
      throw AssetErrors.assetNotFound(req.asset_id);
    }
    if ((GONE_ASSET_STATES as readonly string[]).includes(asset.asset_state)) {
      throw AssetErrors.assetNotFound(req.asset_id);
    }
    if ((FROZEN_ASSET_STATES as readonly string[]).includes(asset.asset_state)) {
      throw AssetErrors.badState(req.asset_id, asset.asset_state, 'add files');
    }
    checkFormat(asset.asset_type, category, fileType);
    // One live MAIN and one live COVER: checked here for a clear message, enforced by the
    // partial unique indexes below for the race.
    if (category === 'MAIN' || category === 'COVER') {
      const taken = await this.repo().liveFileOf(projectId, asset.asset_id, category, LIVE_FILE_STATES);
      if (taken) throw slotTaken(category, asset.asset_id);
    }
    return { asset, category, fileType, fileName: req.file_name };
  }

  private async insert(
    projectId: string,
    p: Prepared,
    at: { fileId: string; objectKey: string },
    f: { fileMd5: string; fileSize: number; uploadId?: string; partCount?: number },
  ): Promise<void> {
    const { fileId, objectKey } = at;
    try {
      await this.repo().insertFile({
        projectId,
        fileId,
        assetId: p.asset.asset_id,
        fileName: p.fileName,
        fileMd5: f.fileMd5,
        fileSize: f.fileSize,
        fileType: p.fileType,
        category: p.category,
        state: 'CREATING',
        objectKey,
        uploadId: f.uploadId,
        partCount: f.partCount,
        now: this.deps.clock.now(),
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        const which = violatedConstraint(e);
        if (which.includes('asset_files_one_main')) throw AssetErrors.mainExists(p.asset.asset_id);
        if (which.includes('asset_files_one_cover')) throw AssetErrors.coverExists(p.asset.asset_id);
      }
      // The asset was force-deleted between the check and the insert.
      if ((e as { code?: unknown }).code === '23503') throw AssetErrors.assetNotFound(p.asset.asset_id);
      throw e;
    }
  }

  /** CREATED: the bytes must be there and match; then the row commits with its inspection job. */
  private async complete(projectId: string, file: FileRow): Promise<void> {
    const asset = await this.repo().findAsset(projectId, file.asset_id);
    if (!asset || (GONE_ASSET_STATES as readonly string[]).includes(asset.asset_state)) {
      throw AssetErrors.assetNotFound(file.asset_id);
    }
    const meta = file.upload_id ? await this.assemble(projectId, file, asset) : await this.verify(file);
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const moved = await repo.updateFile(projectId, file.file_id, ['CREATING'], {
        state: 'CREATED',
        fileSize: meta.size,
        // Multipart objects on S3 have no MD5 until the inspection job reads them.
        ...(meta.md5 !== '' && { fileMd5: meta.md5 }),
        now,
      });
      if (!moved) {
        const current = await repo.findFile(projectId, file.file_id);
        if (current?.state === 'CREATED') return; // a concurrent confirm won
        throw current
          ? AssetErrors.invalid(
              `file ${file.file_id} is ${current.state}; only a CREATING file can be confirmed`,
            )
          : AssetErrors.fileNotFound(file.file_id);
      }
      await meterStored(
        trx,
        { projectId, fileId: file.file_id, size: meta.size, assetType: asset.asset_type },
        now,
      );
      if (file.asset_file_category === 'MAIN' || file.asset_file_category === 'COVER') {
        const payload: InspectPayload = { projectId, fileId: file.file_id };
        await this.deps.queue.enqueue(INSPECT_TASK, payload, {
          trx,
          projectId,
          jobKey: `${INSPECT_TASK}:${projectId}:${file.file_id}`,
        });
      }
    });
  }

  /** A single PUT: head the object and compare with what CreateFile declared (ERRATA 18). */
  private async verify(file: FileRow): Promise<ObjectMeta> {
    const meta = await this.deps.objects.head(file.object_key);
    if (!meta) {
      throw AssetErrors.missingFile(
        `nothing has been uploaded for file ${file.file_id}; PUT the bytes to its upload_url first`,
      );
    }
    if (meta.size !== Number(file.file_size)) {
      throw AssetErrors.invalid(
        `the uploaded object has ${meta.size} bytes but file_size is ${file.file_size}; PUT the file to upload_url again`,
      );
    }
    if (meta.md5 !== '' && meta.md5 !== file.file_md5) {
      throw AssetErrors.invalid(
        `the uploaded object's MD5 is ${meta.md5} but file_md5 is ${file.file_md5}; PUT the file to upload_url again`,
      );
    }
    return meta;
  }

  /**
   * A large file: complete the multipart upload (ERRATA 16). A retried confirm finds the
   * upload already completed and the object in place. Once assembled, the parts are gone, so
   * an object that breaks the declared size or the type's limit fails the file for good.
   */
  private async assemble(projectId: string, file: FileRow, asset: AssetForFiles): Promise<ObjectMeta> {
    let meta: ObjectMeta | null;
    try {
      meta = await this.deps.objects.completeMultipart(file.object_key, file.upload_id!);
    } catch (e) {
      if (!isAppError(e)) throw e;
      if (e.code === 'DOPPEL.1011') throw AssetErrors.missingFile(e.message);
      if (e.code !== 'DOPPEL.1010') throw e;
      meta = await this.deps.objects.head(file.object_key);
      if (!meta)
        throw AssetErrors.missingFile(`the multipart upload of file ${file.file_id} no longer exists`);
    }
    const declared = Number(file.file_size);
    try {
      if (declared > 0 && meta.size !== declared) {
        throw AssetErrors.invalid(
          `the assembled object has ${meta.size} bytes but file_size is ${declared}; the file is FAILED, create a new one`,
        );
      }
      checkSize(
        asset.asset_type,
        parseCategory(file.asset_file_category),
        meta.size,
        file.upload_id ? 'multipart' : 'single',
      );
    } catch (e) {
      const reason = isAppError(e) ? e.message : String(e);
      await this.repo().updateFile(projectId, file.file_id, ['CREATING'], {
        state: 'FAILED',
        reason: reason.slice(0, 256),
        now: this.deps.clock.now(),
      });
      await this.discardBytes(file);
      throw e;
    }
    return meta;
  }

  /** FAILED / CANCELLED from the client: the file leaves CREATING and its bytes are dropped. */
  private async abandon(projectId: string, file: FileRow, state: 'FAILED' | 'CANCELLED'): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const moved = await repo.updateFile(projectId, file.file_id, ['CREATING'], { state, now });
      if (!moved) {
        const current = await repo.findFile(projectId, file.file_id);
        if (current?.state === state) return;
        throw current
          ? AssetErrors.invalid(
              `file ${file.file_id} is ${current.state}; only a CREATING file can be confirmed`,
            )
          : AssetErrors.fileNotFound(file.file_id);
      }
      // SEMANTICS §3.1: FAILED means "MAIN upload failed". A cancelled upload changes nothing.
      if (state === 'FAILED' && file.asset_file_category === 'MAIN') {
        await repo.setAssetState(projectId, file.asset_id, ['CREATING'], {
          state: 'FAILED',
          reason: 'the MAIN file upload was confirmed as FAILED',
          now,
        });
      }
    });
    await this.discardBytes(file);
  }

  /** Best effort: an object left behind sits under the asset's prefix until force delete. */
  private async discardBytes(file: Pick<FileRow, 'object_key' | 'upload_id' | 'file_id'>): Promise<void> {
    try {
      if (file.upload_id) await this.deps.objects.abortMultipart(file.object_key, file.upload_id);
      await this.deps.objects.delete(file.object_key);
    } catch (err) {
      this.deps.logger.warn({ err, fileId: file.file_id }, 'could not delete the bytes of a file');
    }
  }
}

interface Prepared {
  asset: AssetForFiles;
  category: FileCategory;
  fileType: string;
  fileName: string;
}

/** A new file's id (a dashed UUID, as MetaStudio's examples) and where its bytes go. */
function newFileLocation(projectId: string, p: Prepared): { fileId: string; objectKey: string } {
  const fileId = randomUUID();
  return { fileId, objectKey: objectKeyFor(projectId, p.asset.asset_id, fileId, p.fileName) };
}

function slotTaken(category: 'MAIN' | 'COVER', assetId: string) {
  return category === 'MAIN' ? AssetErrors.mainExists(assetId) : AssetErrors.coverExists(assetId);
}
