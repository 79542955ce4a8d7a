import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

// Keyed hashing: the same text gives the same token in every signal and every batch (so a hashed
// email can still be joined across traces and logs), but without the key nobody can confirm a
// guess. There is no unkeyed fallback: hashing without a key is a construction error.

export class MissingHashKeyError extends Error {
  readonly code = 'REDACTION_HASH_KEY_MISSING';
}

export interface HashKeySource {
  hash_key_env: string;
  hash_key_file: string;
}

/** The key bytes from `hash_key_file` (trailing newline trimmed) or else `hash_key_env`. */
export function loadHashKey(source: HashKeySource, env: NodeJS.ProcessEnv): Buffer {
  if (source.hash_key_file !== '') {
    const key = readFileSync(source.hash_key_file, 'utf8').replace(/\r?\n$/, '');
    if (key.length === 0) throw new MissingHashKeyError(`redaction: hash_key_file ${source.hash_key_file} is empty`);
    return Buffer.from(key, 'utf8');
  }
  const key = source.hash_key_env === '' ? undefined : env[source.hash_key_env];
  if (key === undefined || key.length === 0) {
    throw new MissingHashKeyError(
      `redaction: the hash action needs a key: set the environment variable ${source.hash_key_env || '(hash_key_env)'} or hash_key_file`,
    );
  }
  return Buffer.from(key, 'utf8');
}

const CACHE_LIMIT = 4096;

export class Hasher {
  readonly #key: KeyObject;
  readonly #hexLength: number;
  readonly #cache: Map<string, string>;

  constructor(key: Buffer, hexLength: number) {
    // A KeyObject, made once: createHmac given raw key bytes costs 8× as much per call in Node 24
    // (it first tries the bytes as a KeyObject and a CryptoKey; benchmarks/RESULTS.md).
    this.#key = createSecretKey(key);
    this.#hexLength = hexLength;
    this.#cache = new Map();
  }

  /** `hmac:` and the first hash_length hex digits of HMAC-SHA256(key, text). */
  token(text: string): string {
    const cached = this.#cache.get(text);
    if (cached !== undefined) return cached;
    const token = 'hmac:' + createHmac('sha256', this.#key).update(text, 'utf8').digest('hex').slice(0, this.#hexLength);
    // Cache only short texts: the cache holds originals, and whole oversize values are not worth it.
    if (text.length <= 256) {
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(text, token);
    }
    return token;
  }
}
