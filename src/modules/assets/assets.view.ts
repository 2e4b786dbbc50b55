// Stored rows → the contract's wire shapes (DigitalAssetInfo, AssetFileInfo,
// DigitalAssetSummary). Times go out as 20-character UTC strings; absent columns are left
// out rather than sent as null. Download URLs are presigned by the caller's function.
import type {
  AssetExtraMeta,
  AssetFileInfo,
  AutoOperationConfig,
  DigitalAssetInfo,
  DigitalAssetSummary,
  FileExtraMeta,
  SupportedServiceEnum,
  SystemProperty,
} from '../../contract/generated/types.ts';
import { wireTime } from '../../core/util/time.ts';
import { type AssetFileRow, type AssetRow, READABLE_FILE_STATES } from './assets.repo.ts';

/** Presigns a GET of a file's object (24 h), named like the file. */
export type PresignDownload = (file: AssetFileRow) => Promise<string>;

const orUndefined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/** Whether a file's bytes may be handed out: uploaded, and the asset not frozen. */
export function downloadable(asset: Pick<AssetRow, 'asset_state'>, file: AssetFileRow): boolean {
  return asset.asset_state !== 'BLOCK' && (READABLE_FILE_STATES as readonly string[]).includes(file.state);
}

export async function fileView(
  asset: AssetRow,
  f: AssetFileRow,
  presign: PresignDownload,
): Promise<AssetFileInfo> {
  return {
    file_id: f.file_id,
    file_name: f.file_name,
    file_md5: f.file_md5 || undefined,
    file_size: f.file_size,
    file_type: f.file_type,
    asset_file_category: f.asset_file_category,
    download_url: downloadable(asset, f) ? await presign(f) : undefined,
    state: f.state as AssetFileInfo['state'],
    block_reason_code: orUndefined(f.block_reason_code),
    reason: orUndefined(f.reason),
    file_extra_meta: orUndefined(f.file_extra_meta) as FileExtraMeta | undefined,
  };
}

export async function assetView(
  a: AssetRow,
  files: readonly AssetFileRow[],
  presign: PresignDownload,
): Promise<DigitalAssetInfo> {
  return {
    project_id: a.project_id,
    asset_id: a.asset_id,
    produce_id: orUndefined(a.produce_id),
    asset_name: a.asset_name,
    asset_description: a.asset_description,
    app_user_id: orUndefined(a.app_user_id),
    create_time: wireTime(a.create_time),
    update_time: wireTime(a.update_time),
    asset_type: a.asset_type as DigitalAssetInfo['asset_type'],
    asset_state: a.asset_state as DigitalAssetInfo['asset_state'],
    fail_type: orUndefined(a.fail_type) as DigitalAssetInfo['fail_type'],
    block_reason_code: orUndefined(a.block_reason_code),
    reason: orUndefined(a.reason),
    tags: a.tags,
    asset_extra_meta: a.asset_extra_meta as AssetExtraMeta,
    system_properties: a.system_properties as SystemProperty[],
    files: await Promise.all(files.map((f) => fileView(a, f, presign))),
    asset_order: orUndefined(a.asset_order),
    supported_service: a.supported_service as SupportedServiceEnum[],
    auto_operation_config: orUndefined(a.auto_operation_config) as AutoOperationConfig[] | undefined,
  };
}

/**
 * The picture that stands for the asset: its COVER, or for an IMAGE asset the image itself.
 * MetaStudio's summary also has `thumbnail_url`; Doppel makes no separate thumbnail and
 * gives the same picture (ERRATA).
 */
export function coverFileOf(a: AssetRow, files: readonly AssetFileRow[]): AssetFileRow | undefined {
  const ok = files.filter((f) => downloadable(a, f));
  return (
    ok.find((f) => f.asset_file_category === 'COVER') ??
    (a.asset_type === 'IMAGE' ? ok.find((f) => f.asset_file_category === 'MAIN') : undefined)
  );
}

export async function summaryView(
  a: AssetRow,
  files: readonly AssetFileRow[],
  presign: PresignDownload,
): Promise<DigitalAssetSummary> {
  const cover = coverFileOf(a, files);
  const url = cover ? await presign(cover) : undefined;
  return {
    asset_id: a.asset_id,
    asset_name: a.asset_name,
    asset_state: a.asset_state as DigitalAssetSummary['asset_state'],
    asset_type: a.asset_type as DigitalAssetSummary['asset_type'],
    block_reason_code: orUndefined(a.block_reason_code),
    cover_url: url,
    thumbnail_url: url,
  };
}
