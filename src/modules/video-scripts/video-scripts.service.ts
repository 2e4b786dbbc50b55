// Video script decisions: create, list, show, update, delete, copy. Limits and merges are in
// video-scripts.rules.ts; SQL in video-scripts.repo.ts; audio for AUDIO-driven scenes goes
// straight from the client to the object store through presigned URLs.
import type {
  CreateVideoScriptsReq,
  OperationTypes,
  ShootScriptAudioFiles,
  UpdateVideoScriptsReq,
} from '../../contract/generated/types.ts';
import { newId } from '../../core/util/ids.ts';
import { wireTime } from '../../core/util/time.ts';
import type { ModuleDeps } from '../types.ts';
import { VideoScriptErrors } from './video-scripts.errors.ts';
import { type ScriptListSpec, type ScriptRow, VideoScriptsRepo } from './video-scripts.repo.ts';
import {
  assetRefs,
  audioUploadScenes,
  checkAssetRefs,
  copyName,
  docFromCreate,
  firstScene,
  mergeUpdate,
  type ScriptBody,
  type ScriptDoc,
} from './video-scripts.rules.ts';

type Types = OperationTypes;

/** Upload and download URLs for scene audio live this long (a working day). */
export const AUDIO_URL_TTL_SEC = 24 * 3600;

export const scriptObjectPrefix = (projectId: string, scriptId: string): string =>
  `video-scripts/${projectId}/${scriptId}/`;
export const sceneAudioKey = (projectId: string, scriptId: string, sequenceNo: number): string =>
  `${scriptObjectPrefix(projectId, scriptId)}audio/${sequenceNo}`;

export class VideoScriptsService {
  constructor(private readonly deps: ModuleDeps) {}

  private get repo(): VideoScriptsRepo {
    return new VideoScriptsRepo(this.deps.db);
  }

  async create(projectId: string, body: CreateVideoScriptsReq, appUserId: string | undefined) {
    const doc = docFromCreate(body);
    await this.checkAssets(this.repo, projectId, doc);
    const now = this.deps.clock.now();
    const scriptId = newId();
    await this.repo.insert({
      ...columnsOf(doc),
      project_id: projectId,
      script_id: scriptId,
      app_user_id: appUserId ?? null,
      create_time: now,
      update_time: now,
    });
    return { script_id: scriptId, ...(await this.uploadUrls(projectId, scriptId, doc)) };
  }

  async list(projectId: string, query: Types['ListVideoScripts']['query']) {
    const spec: ScriptListSpec = {
      offset: query.offset,
      limit: query.limit,
      catalog: query.script_catalog ?? 'VIDEO_DRAFT',
      ...(query.name ? { name: query.name } : {}),
      ...(query.view_mode ? { viewMode: query.view_mode } : {}),
    };
    // No system video templates ship (ERRATA 33): that catalogue is empty.
    if (spec.catalog === 'SYSTEM_VIDEO_TEMPLET') return { count: 0, video_scripts: [] };
    const [rows, count] = await Promise.all([
      this.repo.page(projectId, spec),
      this.repo.count(projectId, spec),
    ]);
    return { count, video_scripts: rows.map(baseInfo) };
  }

  async show(projectId: string, scriptId: string) {
    const row = await this.repo.get(projectId, scriptId);
    if (!row) throw VideoScriptErrors.scriptNotFound(scriptId);
    const doc = scriptDocOf(row);
    const audio = await this.downloadUrls(projectId, scriptId, doc);
    return {
      ...doc,
      script_id: row.script_id,
      ...(row.script_cover_url ? { script_cover_url: row.script_cover_url } : {}),
      ...(audio ? { audio_files: audio } : {}),
      create_time: wireTime(row.create_time),
      update_time: wireTime(row.update_time),
    };
  }

  async update(projectId: string, scriptId: string, body: UpdateVideoScriptsReq) {
    const doc = await this.deps.db.transaction().execute(async (trx) => {
      const repo = new VideoScriptsRepo(trx);
      const row = await repo.get(projectId, scriptId, { forUpdate: true });
      if (!row) throw VideoScriptErrors.scriptNotFound(scriptId);
      const merged = mergeUpdate(scriptDocOf(row), body);
      // On the transaction: PGlite has one connection, which the transaction holds.
      await this.checkAssets(repo, projectId, merged);
      await repo.update(projectId, scriptId, { ...columnsOf(merged), update_time: this.deps.clock.now() });
      return merged;
    });
    return { script_id: scriptId, ...(await this.uploadUrls(projectId, scriptId, doc)) };
  }

  async delete(projectId: string, scriptId: string): Promise<void> {
    if (!(await this.repo.delete(projectId, scriptId))) throw VideoScriptErrors.scriptNotFound(scriptId);
    try {
      await this.deps.objects.deletePrefix(scriptObjectPrefix(projectId, scriptId));
    } catch (err) {
      this.deps.logger.warn({ err, projectId, scriptId }, 'deleting video script audio failed');
    }
  }

  /** A new script with the same content (and copies of any uploaded scene audio). */
  async copy(projectId: string, scriptId: string, appUserId: string | undefined) {
    const row = await this.repo.get(projectId, scriptId);
    if (!row) throw VideoScriptErrors.scriptNotFound(scriptId);
    const doc = { ...scriptDocOf(row), script_name: copyName(row.script_name) };
    const copyId = newId();
    for (const seq of audioUploadScenes(doc)) {
      const from = sceneAudioKey(projectId, scriptId, seq);
      if (await this.deps.objects.head(from))
        await this.deps.objects.copy(from, sceneAudioKey(projectId, copyId, seq));
    }
    const now = this.deps.clock.now();
    await this.repo.insert({
      ...columnsOf(doc),
      project_id: projectId,
      script_id: copyId,
      script_cover_url: row.script_cover_url,
      app_user_id: appUserId ?? row.app_user_id,
      create_time: now,
      update_time: now,
    });
    return { script_id: copyId };
  }

  /** Every referenced asset must be a live asset the project can see, of a fitting type. */
  private async checkAssets(repo: VideoScriptsRepo, projectId: string, doc: ScriptBody): Promise<void> {
    const refs = assetRefs(doc);
    if (refs.length === 0) return;
    const types = await repo.visibleAssetTypes(
      projectId,
      refs.map((r) => r.assetId),
      this.deps.clock.now(),
    );
    checkAssetRefs(refs, types);
  }

  /** Presigned PUT URLs for the audio of AUDIO scenes (the client uploads MP3/WAV/M4A). */
  private async uploadUrls(
    projectId: string,
    scriptId: string,
    doc: ScriptBody,
  ): Promise<{ audio_files?: ShootScriptAudioFiles }> {
    const scenes = audioUploadScenes(doc);
    if (scenes.length === 0) return {};
    const audio_file_url = await Promise.all(
      scenes.map(async (seq) => ({
        sequence_no: seq,
        audio_file_upload_url: await this.deps.objects.presignPut(sceneAudioKey(projectId, scriptId, seq), {
          expiresInSec: AUDIO_URL_TTL_SEC,
        }),
      })),
    );
    return { audio_files: { audio_file_url } };
  }

  /** Download URLs for the scene audio that has been uploaded. */
  private async downloadUrls(
    projectId: string,
    scriptId: string,
    doc: ScriptBody,
  ): Promise<ShootScriptAudioFiles | undefined> {
    // One object-store round trip per scene, all at once (ShowVideoScript is read often).
    const found = await Promise.all(
      audioUploadScenes(doc).map(async (seq) => {
        const key = sceneAudioKey(projectId, scriptId, seq);
        if (!(await this.deps.objects.head(key))) return undefined;
        return {
          sequence_no: seq,
          audio_file_download_url: await this.deps.objects.presignGet(key, {
            expiresInSec: AUDIO_URL_TTL_SEC,
          }),
        };
      }),
    );
    const items = found.filter((i) => i !== undefined);
    return items.length ? { audio_file_url: items } : undefined;
  }
}

// ── row ↔ document ────────────────────────────────────────────────────────────

function columnsOf(doc: ScriptDoc) {
  const { script_name, script_description, view_mode, ...body } = doc;
  return {
    script_name,
    script_description,
    view_mode,
    model_asset_id: body.model_asset_id || null,
    body: JSON.stringify(body),
  };
}

/** A stored script as its document (the video jobs read scripts through this too). */
export function scriptDocOf(row: ScriptRow): ScriptDoc {
  return {
    ...(row.body as ScriptBody),
    script_name: row.script_name,
    script_description: row.script_description,
    view_mode: row.view_mode,
  };
}

function baseInfo(row: ScriptRow) {
  const body = row.body as ScriptBody;
  return {
    script_id: row.script_id,
    script_name: row.script_name,
    script_description: row.script_description,
    ...(body.model_asset_id ? { model_asset_id: body.model_asset_id } : {}),
    ...(body.model_asset_type ? { model_asset_type: body.model_asset_type } : {}),
    ...(row.script_cover_url ? { script_cover_url: row.script_cover_url } : {}),
    ...firstScene(body),
    create_time: wireTime(row.create_time),
    update_time: wireTime(row.update_time),
  };
}
