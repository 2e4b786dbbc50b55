// Secrets at rest and the generators of new ones. Secret keys must be recoverable (the
// server recomputes HMACs with them), so they are sealed with AES-256-GCM under a master
// key; passwords and tokens only need to be recognised, so they are stored as hashes.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  randomInt,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// ── sealing ─────────────────────────────────────────────────────────────────

const SEAL_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new Error(`the master key must be 32 bytes, not ${key.length}`);
}

/**
 * `v1:<iv>:<tag>:<ciphertext>`, each base64url. `context` is bound as additional
 * authenticated data (we pass the access key), so a sealed value copied onto another row
 * does not unseal there.
 */
export function seal(key: Buffer, plaintext: string, context = ''): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [SEAL_VERSION, iv, tag, ct]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join(':');
}

export class UnsealError extends Error {
  constructor(why: string) {
    super(`cannot unseal secret: ${why}`);
    this.name = 'UnsealError';
  }
}

/** Reverses `seal`; throws UnsealError on a wrong key, a wrong context or tampering. */
export function unseal(key: Buffer, sealed: string, context = ''): string {
  assertKey(key);
  const parts = sealed.split(':');
  if (parts.length !== 4 || parts[0] !== SEAL_VERSION) throw new UnsealError('unknown format');
  const [iv, tag, ct] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new UnsealError('bad iv or tag length');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  } catch {
    throw new UnsealError('authentication failed (wrong master key, or the value was altered)');
  }
}

// ── passwords ───────────────────────────────────────────────────────────────

export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** About 32 MiB and a few tens of milliseconds per hash; tokens are issued rarely. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LEN = 32;
const SALT_BYTES = 16;
/** Upper bounds for parameters read back from storage, so a bad row cannot exhaust memory. */
const MAX_N = 2 ** 20;

function scryptAsync(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LEN,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** `scrypt$N$r$p$<salt b64url>$<hash b64url>` */
export async function hashPassword(
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every(Number.isInteger) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0) return false;
  if (r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LEN) return false;
  const actual = await scryptAsync(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}

// ── tokens and generators ───────────────────────────────────────────────────

/** Tokens are stored as their SHA-256: they are long random strings, so no salt or stretching is needed. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform over the alphabet (randomInt rejects biased draws). */
function randomString(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** 20 uppercase alphanumerics, shaped like a Huawei Cloud access key (about 103 bits). */
export const generateAccessKey = (): string => randomString(UPPER_ALNUM, 20);
/** 40 alphanumerics, shaped like a Huawei Cloud secret key (about 238 bits). */
export const generateSecretKey = (): string => randomString(ALNUM, 40);
/** An opaque token that starts like IAM's (`MII…`): 384 random bits. */
export const generateToken = (): string => `MIID${randomBytes(48).toString('base64url')}`;

// ── the master key ──────────────────────────────────────────────────────────

export interface MasterKey {
  key: Buffer;
  source: 'config' | 'file';
  /** The key file, when source is 'file'. */
  path?: string;
}

export const MASTER_KEY_FILE = 'master.key';

/**
 * The configured key when there is one; else `<dataDir>/master.key` (64 hex characters,
 * owner-only), created on first use. The file is written whole under a temporary name and
 * then hard-linked into place (which fails if it exists), so two processes starting
 * together on one data dir agree on one key and never read a half-written file.
 */
export function loadOrCreateMasterKey(dataDir: string, fromConfig?: Buffer): MasterKey {
  if (fromConfig) {
    assertKey(fromConfig);
    return { key: fromConfig, source: 'config' };
  }
  const file = path.join(dataDir, MASTER_KEY_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return { key: readKeyFile(file), source: 'file', path: file };
}

function readKeyFile(file: string): Buffer {
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new Error(`${file} must hold a 32-byte key as 64 hex characters`);
  }
  // A key file readable by others is tightened rather than refused: the secret keys it
  // protects are only as safe as this file.
  try {
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  } catch {}
  return Buffer.from(text, 'hex');
}
