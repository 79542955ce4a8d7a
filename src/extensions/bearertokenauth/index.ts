export { bearerTokenAuthConfigSchema, type BearerTokenAuthConfig } from './config.ts';
export { TokenStore, type AuthResult, type TokenStoreOptions } from './token-store.ts';
export type { HeaderBag } from './credentials.ts';
export { isValidTenantId, tenantIdSchema } from './tenant-id.ts';
export { WatchedFile, type ReloadLog, type ReloadLogLevel, type WatchedFileOptions } from './watched-file.ts';
