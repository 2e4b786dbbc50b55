import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  generateAccessKey,
  generateSecretKey,
  generateToken,
  hashPassword,
  hashToken,
  loadOrCreateMasterKey,
  seal,
  UnsealError,
  unseal,
  verifyPassword,
} from '../../src/core/auth/secrets.ts';

const FAST = { N: 1024, r: 8, p: 1 };

describe('secrets: sealing', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh IV each time, in the v1 format', () => {
    const a = seal(key, 'TestSecretKey0123456789abcdefghijklmnopqr', 'AK1');
    const b = seal(key, 'TestSecretKey0123456789abcdefghijklmnopqr', 'AK1');
    assert.notEqual(a, b);
    assert.match(a, /^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    assert.ok(!a.includes('TestSecretKey'));
    assert.equal(unseal(key, a, 'AK1'), 'TestSecretKey0123456789abcdefghijklmnopqr');
    assert.equal(unseal(key, seal(key, '中文 ✓')), '中文 ✓');
  });

  it('refuses another key, another context, tampering and unknown formats', () => {
    const sealed = seal(key, 'secret', 'AK1');
    assert.throws(() => unseal(randomBytes(32), sealed, 'AK1'), UnsealError);
    assert.throws(() => unseal(key, sealed, 'AK2'), UnsealError);
    const [v, iv, tag, ct] = sealed.split(':') as [string, string, string, string];
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0]! ^= 1;
    assert.throws(
      () => unseal(key, [v, iv, tag, flipped.toString('base64url')].join(':'), 'AK1'),
      UnsealError,
    );
    assert.throws(() => unseal(key, sealed.replace(/^v1/, 'v2'), 'AK1'), /unknown format/);
    assert.throws(() => unseal(key, 'garbage', 'AK1'), /unknown format/);
    assert.throws(() => seal(randomBytes(16), 'x'), /32 bytes/);
  });
});

describe('secrets: passwords', () => {
  it('hashes in the scrypt$N$r$p$salt$hash format and verifies', async () => {
    const h = await hashPassword('correct horse', FAST);
    assert.match(h, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifyPassword('correct horse', h), true);
    assert.equal(await verifyPassword('correct horsE', h), false);
    assert.equal(await verifyPassword('', h), false);
    assert.notEqual(await hashPassword('correct horse', FAST), h, 'salted');
  });

  it('uses the default cost when none is given', async () => {
    const h = await hashPassword('pässword');
    assert.match(h, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifyPassword('pässword', h), true);
  });

  it('treats malformed or hostile stored hashes as a mismatch', async () => {
    const h = await hashPassword('pw', FAST);
    for (const bad of [
      '',
      'bcrypt$x',
      h.replace('$1024$', '$1000$'), // not a power of two
      h.replace('$1024$', `$${2 ** 24}$`), // too costly
      h.slice(0, -4),
    ]) {
      assert.equal(await verifyPassword('pw', bad), false, bad);
    }
  });
});

describe('secrets: generators and token hashes', () => {
  it('access keys are 20 uppercase alphanumerics, secret keys 40 alphanumerics', () => {
    const aks = new Set(Array.from({ length: 200 }, generateAccessKey));
    assert.equal(aks.size, 200);
    for (const ak of aks) assert.match(ak, /^[A-Z0-9]{20}$/);
    for (let i = 0; i < 200; i++) assert.match(generateSecretKey(), /^[A-Za-z0-9]{40}$/);
  });

  it('tokens are long and opaque; their hash is sha256 hex', () => {
    const t = generateToken();
    assert.match(t, /^MIID[A-Za-z0-9_-]{64}$/);
    assert.notEqual(generateToken(), t);
    assert.match(hashToken(t), /^[0-9a-f]{64}$/);
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('secrets: the master key', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-mk-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('uses the configured key and writes nothing', () => {
    const dir = tmp();
    const key = randomBytes(32);
    const mk = loadOrCreateMasterKey(dir, key);
    assert.deepEqual(mk, { key, source: 'config' });
    assert.deepEqual(fs.readdirSync(dir), []);
    assert.throws(() => loadOrCreateMasterKey(dir, randomBytes(31)), /32 bytes/);
  });

  it('creates an owner-only key file once, then reads it back', () => {
    const dir = path.join(tmp(), 'nested', 'data');
    const first = loadOrCreateMasterKey(dir);
    assert.equal(first.source, 'file');
    assert.equal(first.path, path.join(dir, 'master.key'));
    assert.equal(first.key.length, 32);
    assert.equal(fs.statSync(first.path!).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(dir), ['master.key'], 'no temporary file left behind');
    const second = loadOrCreateMasterKey(dir);
    assert.ok(second.key.equals(first.key));
  });

  it('tightens a key file readable by others, and refuses a malformed one', () => {
    const dir = tmp();
    const file = path.join(dir, 'master.key');
    fs.writeFileSync(file, `${'ab'.repeat(32)}\n`, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    assert.ok(loadOrCreateMasterKey(dir).key.equals(Buffer.from('ab'.repeat(32), 'hex')));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    fs.writeFileSync(file, 'short');
    assert.throws(() => loadOrCreateMasterKey(dir), /64 hex characters/);
  });
});
