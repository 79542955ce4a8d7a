import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AuthResult, Authenticator } from '../../core/auth.ts';
import type { ExtensionFactory } from '../../core/component.ts';
import { bearerTokenAuthConfigSchema, type BearerTokenAuthConfig } from './config.ts';
import { TokenStore } from './token-store.ts';
import { SingleBearerToken } from './single-token.ts';
import { reloadLogger } from '../../common/watched-file.ts';

/** The receiver-facing side of the token store: 401 reasons never echo what the client sent. */
class BearerTokenAuth implements Authenticator {
  readonly #config: BearerTokenAuthConfig;
  readonly #logger: Logger;
  #store: TokenStore | undefined;

  constructor(config: BearerTokenAuthConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    this.#store = await TokenStore.open(this.#config, reloadLogger(this.#logger));
  }

  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): AuthResult {
    if (this.#store === undefined) return { ok: false, reason: 'authenticator not started' };
    const result = this.#store.authenticate(headers as Record<string, string | string[] | undefined>);
    if (result.ok) return { ok: true, principal: result.principal };
    return { ok: false, reason: result.reason === 'missing' ? 'missing credentials' : 'invalid credentials' };
  }

  shutdown(): void {
    this.#store?.close();
    this.#store = undefined;
  }
}

export const bearerTokenAuthExtensionFactory: ExtensionFactory<BearerTokenAuthConfig> = {
  kind: 'extension',
  type: 'bearertokenauth',
  configSchema: bearerTokenAuthConfigSchema,
  provides: ['authenticator', 'client_authenticator'],
  capabilities: (config) => (config.tokens_file !== undefined ? ['authenticator'] : ['authenticator', 'client_authenticator']),
  exampleConfig({ scratchDir }) {
    const tokensFile = join(scratchDir, 'tokens.yaml');
    writeFileSync(tokensFile, 'tokens:\n  - { token: t0k3n, tenant: acme }\n');
    return { tokens_file: tokensFile };
  },
  create(ctx) {
    if (ctx.config.tokens_file === undefined) return new SingleBearerToken(ctx.config, ctx.logger);
    return new BearerTokenAuth(ctx.config, ctx.logger);
  },
};
