/**
 * Secrets at rest: AES-256-GCM envelopes for token caches, PKCE verifiers and nonces;
 * SHA-256 hashes for API keys and OAuth state; the SECRET_KEY file.
 * Built on node:crypto only (no hand-written primitives).
 */
import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and opens small secrets with AES-256-GCM under one 32-byte key. */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
    this.#key = Buffer.from(key);
  }

  /**
   * Encrypts `plaintext`. `context` (e.g. the row id) is bound as additional authenticated data,
   * so a sealed value copied into another row does not open there.
   * @returns `v1.<iv>.<tag>.<ciphertext>`, base64url parts.
   */
  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  /** Decrypts a value made by {@link seal} with the same `context`; throws when it was tampered with. */
  open(sealed: string, context = ''): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || data === undefined) {
      throw new Error('Not a sealed value');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** Hex SHA-256 of a string (API keys, OAuth state). Keys are high-entropy, so no salt is needed. */
export function sha256(value: string): string {
  // One-shot hash (no Hash object): it runs on every API request (key lookup).
  return hash('sha256', value, 'hex');
}

/** A URL-safe random token with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Returns the configured key, else the key stored in `<data folder>/secret.key`,
 * creating that file (mode 0600) with a fresh random key the first time.
 */
export function loadOrCreateSecretKey(configured: Buffer | null, databasePath: string): Buffer {
  if (configured) return configured;
  const file = join(dirname(databasePath), 'secret.key');
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600);
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte hex key; delete it or set SECRET_KEY`);
    return key;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
