// Seeds the system assets of system-catalog.ts at start, right after migrations, in every
// role (ERRATA 20). Idempotent and safe to run from several processes at once: the object is
// written only when missing or different, the rows by upserts that change nothing when equal.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM_PROJECT_ID } from '../../core/db/schema.ts';
import type { ModuleDeps } from '../types.ts';
import { objectKeyFor } from './files.rules.ts';
import { SystemAssetsRepo } from './system.repo.ts';
import { SYSTEM_AVATARS, type SystemAvatarEntry, type SystemAvatarFile } from './system-avatars.ts';
import { SYSTEM_ASSETS, type SystemAssetEntry } from './system-catalog.ts';
import { SYSTEM_VOICES, type SystemVoiceEntry } from './system-voices.ts';

export const SYSTEM_ASSETS_DIR = fileURLToPath(new URL('../../../assets/system/', import.meta.url));
export const SYSTEM_AVATARS_DIR = fileURLToPath(new URL('../../../assets/avatars/', import.meta.url));

export async function seedSystemAssets(
  deps: Pick<ModuleDeps, 'db' | 'objects' | 'clock' | 'logger'>,
  opts: {
    dir?: string;
    catalog?: readonly SystemAssetEntry[];
    voices?: readonly SystemVoiceEntry[];
    avatarsDir?: string;
    avatars?: readonly SystemAvatarEntry[];
  } = {},
): Promise<{ written: string[] }> {
  const dir = opts.dir ?? SYSTEM_ASSETS_DIR;
  const written: string[] = [];
  for (const entry of opts.catalog ?? SYSTEM_ASSETS) {
    const file = path.join(dir, entry.file.name);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(file);
    } catch (err) {
      deps.logger.warn({ err, asset: entry.name }, 'system asset file missing; not seeded');
      continue;
    }
    const md5 = createHash('md5').update(bytes).digest('base64');
    if (md5 !== entry.file.md5 || bytes.length !== entry.file.size) {
      deps.logger.warn(
        { asset: entry.name, file: entry.file.name },
        'system asset file differs from the catalog (re-run scripts/make-system-assets.ts); not seeded',
      );
      continue;
    }
    const key = objectKeyFor(SYSTEM_PROJECT_ID, entry.assetId, entry.fileId, entry.file.name);
    const head = await deps.objects.head(key);
    let changed = false;
    if (!head || head.md5 !== md5 || head.size !== bytes.length) {
      await deps.objects.put(key, bytes, { contentType: entry.file.contentType, md5 });
      changed = true;
    }
    const now = deps.clock.now();
    await deps.db.transaction().execute(async (trx) => {
      const repo = new SystemAssetsRepo(trx);
      const a = await repo.upsertAsset(
        {
          assetId: entry.assetId,
          name: entry.name,
          description: entry.description,
          type: entry.type,
          tags: entry.tags,
          systemProperties: entry.systemProperties,
          extraMeta: entry.extraMeta as Record<string, unknown>,
        },
        now,
      );
      const f = await repo.upsertFile(
        {
          assetId: entry.assetId,
          fileId: entry.fileId,
          fileName: entry.file.name,
          fileType: entry.file.fileType,
          md5,
          size: bytes.length,
          objectKey: key,
        },
        now,
      );
      changed ||= a || f;
    });
    if (changed) written.push(entry.assetId);
  }
  // Voices have no file: the asset row is all there is (its meta names the engine voice).
  for (const v of opts.voices ?? SYSTEM_VOICES) {
    const changed = await new SystemAssetsRepo(deps.db).upsertAsset(
      {
        assetId: v.assetId,
        name: v.name,
        description: v.description,
        type: 'VOICE_MODEL',
        tags: v.tags,
        systemProperties: [],
        extraMeta: { voice_model_meta: v.meta, doppel_voice: v.voice },
      },
      deps.clock.now(),
    );
    if (changed) written.push(v.assetId);
  }
  // Avatars: the zipped package is the MAIN file, its preview the COVER.
  for (const a of opts.avatars ?? SYSTEM_AVATARS) {
    const dir = opts.avatarsDir ?? SYSTEM_AVATARS_DIR;
    const loaded: Array<{ file: SystemAvatarFile; bytes: Buffer }> = [];
    for (const file of [a.main, a.cover]) {
      const bytes = await fs.promises.readFile(path.join(dir, file.path)).catch(() => null);
      if (
        !bytes ||
        createHash('md5').update(bytes).digest('base64') !== file.md5 ||
        bytes.length !== file.size
      ) {
        deps.logger.warn(
          { asset: a.name, file: file.path },
          'system avatar file missing or differs from the catalog (re-run scripts/make-avatars.ts); not seeded',
        );
        break;
      }
      loaded.push({ file, bytes });
    }
    if (loaded.length !== 2) continue;
    let changed = false;
    const keys: string[] = [];
    for (const { file, bytes } of loaded) {
      const key = objectKeyFor(SYSTEM_PROJECT_ID, a.assetId, file.fileId, file.name);
      keys.push(key);
      const head = await deps.objects.head(key);
      if (!head || head.md5 !== file.md5 || head.size !== bytes.length) {
        await deps.objects.put(key, bytes, { contentType: file.contentType, md5: file.md5 });
        changed = true;
      }
    }
    const now = deps.clock.now();
    await deps.db.transaction().execute(async (trx) => {
      const repo = new SystemAssetsRepo(trx);
      changed =
        (await repo.upsertAsset(
          {
            assetId: a.assetId,
            name: a.name,
            description: a.description,
            type: 'HUMAN_MODEL_2D',
            tags: a.tags,
            systemProperties: a.systemProperties,
            extraMeta: { human_model_2d_meta: a.meta },
          },
          now,
        )) || changed;
      for (const [i, { file }] of loaded.entries()) {
        changed =
          (await repo.upsertFile(
            {
              assetId: a.assetId,
              fileId: file.fileId,
              fileName: file.name,
              fileType: file.fileType,
              md5: file.md5,
              size: file.size,
              objectKey: keys[i],
              category: i === 0 ? 'MAIN' : 'COVER',
            },
            now,
          )) || changed;
      }
    });
    if (changed) written.push(a.assetId);
  }
  if (written.length > 0) deps.logger.info({ assets: written.length }, 'system assets seeded');
  return { written };
}
