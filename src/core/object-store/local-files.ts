// The on-disk layout of the local backend and its atomic commit. Layout under `root`, where
// `~` never occurs in a key (key.ts), so none of these names can collide with a key:
//   <key>~meta.json     sidecar: size, md5, content type, etag, mtime, and the data version
//   <key>~<version>     the bytes; a new version per write
//   ~tmp/               temp files, renamed into place (same filesystem, so rename is atomic)
//   ~multipart/<id>/    manifest.json and part-<n> of an unfinished multipart upload
// The sidecar is the commit point: a write lands its data under a fresh version name, then
// renames the sidecar over the old one, then drops the old version. Readers open the version
// the sidecar names, so they never pair new bytes with old metadata, and an open file
// survives its unlink. Keys `a` and `a/b` coexist (`a~meta.json` beside directory `a/`).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../util/time.ts';
import type { ObjectMeta } from './types.ts';

export interface StoredMeta {
  key: string;
  size: number;
  contentType: string;
  md5: string;
  etag: string;
  lastModified: string;
  version: string;
}

export interface Content {
  size: number;
  /** Base64. */
  md5: string;
  md5Hex: string;
  contentType: string;
}

const META_SUFFIX = '~meta.json';
// Attempts for a rename that can lose a race with a concurrent directory prune.
const ATTEMPTS = 3;

export const isCode = (e: unknown, ...codes: string[]): boolean =>
  codes.includes((e as NodeJS.ErrnoException)?.code ?? '');

export class ObjectFiles {
  constructor(
    readonly root: string,
    private readonly clock: Clock,
  ) {}

  async readMeta(key: string): Promise<StoredMeta | null> {
    try {
      return JSON.parse(await fs.promises.readFile(this.metaPath(key), 'utf8')) as StoredMeta;
    } catch (e) {
      if (isCode(e, 'ENOENT')) return null;
      throw e;
    }
  }

  /** Moves a finished temp file into place as `key` (see the header for the order of steps). */
  async commit(key: string, tmp: string, c: Content): Promise<ObjectMeta> {
    const version = randomBytes(8).toString('hex');
    try {
      await this.renameInto(tmp, this.dataPath(key, version));
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
    const old = await this.readMeta(key);
    const m: StoredMeta = {
      key,
      size: c.size,
      contentType: c.contentType,
      md5: c.md5,
      etag: c.md5Hex,
      lastModified: this.clock.now().toISOString(),
      version,
    };
    const metaTmp = await this.tmpPath();
    await fs.promises.writeFile(metaTmp, JSON.stringify(m));
    await this.renameInto(metaTmp, this.metaPath(key));
    // Two racing writers may both miss each other's version here; the loser's bytes stay
    // behind unreferenced, which costs disk but never correctness.
    if (old && old.version !== version)
      await fs.promises.rm(this.dataPath(key, old.version), { force: true });
    return toPublic(m);
  }

  async remove(key: string): Promise<void> {
    const m = await this.readMeta(key);
    if (!m) return;
    // Sidecar first: from then on the object is gone for readers.
    await fs.promises.rm(this.metaPath(key), { force: true });
    await fs.promises.rm(this.dataPath(key, m.version), { force: true });
    await this.prune(path.dirname(this.metaPath(key)));
  }

  /**
   * Keys starting with `prefix` (those with a sidecar: a data version without one may belong
   * to a write about to commit) and the directories visited, deepest last.
   */
  async list(prefix: string): Promise<{ keys: string[]; dirs: string[] }> {
    const slash = prefix.lastIndexOf('/');
    const keys: string[] = [];
    const dirs: string[] = [];
    const walk = async (relDir: string): Promise<void> => {
      const abs = path.join(this.root, ...(relDir ? relDir.split('/') : []));
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(abs, { withFileTypes: true });
      } catch (e) {
        if (isCode(e, 'ENOENT', 'ENOTDIR')) return;
        throw e;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('~')) continue; // ~tmp, ~multipart
        const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (rel.startsWith(prefix) || prefix.startsWith(`${rel}/`)) {
            dirs.push(path.join(abs, entry.name));
            await walk(rel);
          }
        } else if (entry.name.endsWith(META_SUFFIX)) {
          const key = rel.slice(0, -META_SUFFIX.length);
          if (key.startsWith(prefix)) keys.push(key);
        }
      }
    };
    await walk(slash >= 0 ? prefix.slice(0, slash) : '');
    return { keys, dirs };
  }

  /** rename, creating the directory; retried because a concurrent delete may prune it meanwhile. */
  async renameInto(from: string, to: string): Promise<void> {
    for (let i = 1; ; i++) {
      await fs.promises.mkdir(path.dirname(to), { recursive: true });
      try {
        return await fs.promises.rename(from, to);
      } catch (e) {
        if (!isCode(e, 'ENOENT') || i >= ATTEMPTS) throw e;
      }
    }
  }

  /** Removes now-empty directories from `dir` up to (not including) the root. */
  async prune(dir: string): Promise<void> {
    while (dir.startsWith(this.root + path.sep)) {
      try {
        await fs.promises.rmdir(dir);
      } catch {
        return; // not empty (or already gone): stop climbing
      }
      dir = path.dirname(dir);
    }
  }

  async tmpPath(): Promise<string> {
    const dir = path.join(this.root, '~tmp');
    await fs.promises.mkdir(dir, { recursive: true });
    return path.join(dir, randomBytes(12).toString('hex'));
  }

  metaPath(key: string): string {
    return `${this.base(key)}${META_SUFFIX}`;
  }
  dataPath(key: string, version: string): string {
    return `${this.base(key)}~${version}`;
  }
  uploadDir(uploadId: string): string {
    return path.join(this.root, '~multipart', uploadId);
  }
  private base(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }
}

export function toPublic(m: StoredMeta): ObjectMeta {
  return {
    key: m.key,
    size: m.size,
    contentType: m.contentType,
    md5: m.md5,
    etag: m.etag,
    lastModified: new Date(m.lastModified),
  };
}
