import type { BearerTokenAuthConfig } from './config.ts';
import { CredentialReader, type HeaderBag } from './credentials.ts';
import { TokenIndex } from './token-index.ts';
import { parseTokensFile, sha256 } from './tokens-file.ts';
import { WatchedFile, type ReloadLog } from '../../common/watched-file.ts';

export type AuthResult =
  | { ok: true; principal: string; tokenHash: string }
  | { ok: false; reason: 'missing' | 'invalid' };

/** The options TokenStore needs: the parsed bearertokenauth config. */
export type TokenStoreOptions = Pick<
  BearerTokenAuthConfig,
  'tokens_file' | 'header' | 'scheme' | 'api_key_header' | 'reload_interval'
>;

const MISSING: AuthResult = { ok: false, reason: 'missing' };
const INVALID: AuthResult = { ok: false, reason: 'invalid' };

/**
 * Authenticates requests against the tokens file. Holds SHA-256 digests only, never a token.
 * The principal is the tenant id the token maps to; whether that tenant is enabled is the
 * tenant table's business (the caller answers 403 for a disabled one).
 */
export class TokenStore {
  #index: TokenIndex;
  #reader: CredentialReader;
  #file: WatchedFile<TokenIndex>;

  private constructor(file: WatchedFile<TokenIndex>, reader: CredentialReader) {
    this.#file = file;
    this.#index = file.value;
    this.#reader = reader;
  }

  /** Loads the tokens file (rejects when it is missing or invalid) and starts watching it. */
  static async open(opts: TokenStoreOptions, onLog?: ReloadLog): Promise<TokenStore> {
    let store: TokenStore | undefined;
    const file = await WatchedFile.open<TokenIndex>({
      path: opts.tokens_file!,
      label: 'tokens file',
      parse: (text) => new TokenIndex(parseTokensFile(text)),
      onReload: (index) => {
        if (store !== undefined) store.#index = index;
      },
      pollIntervalMs: opts.reload_interval,
      onLog,
    });
    store = new TokenStore(file, new CredentialReader(opts.header, opts.scheme, opts.api_key_header));
    return store;
  }

  authenticate(headers: HeaderBag): AuthResult {
    const token = this.#reader.read(headers);
    if (token === undefined) return MISSING;
    if (token === null) return INVALID;
    const match = this.#index.find(sha256(token));
    return match === undefined ? INVALID : { ok: true, principal: match.tenant, tokenHash: match.tokenHash };
  }

  /** Number of tokens currently loaded. */
  get size(): number {
    return this.#index.size;
  }

  /** Re-reads the tokens file now if it changed (e.g. on SIGHUP). */
  reload(): Promise<void> {
    return this.#file.check(true);
  }

  /** Stops watching the file. Idempotent. */
  close(): void {
    this.#file.close();
  }
}
