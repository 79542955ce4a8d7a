import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearerTokenAuthConfigSchema } from '../../src/extensions/bearertokenauth/config.ts';
import { TokenStore } from '../../src/extensions/bearertokenauth/token-store.ts';
import { collectLogs, eventually, makeTempDir, saveByRename } from './helpers.ts';

const SECRET = 's3cr3t-token-value-Q9x';
const GLOBEX_SECRET = 'globex-only-token-7Hq';
const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

describe('TokenStore', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let path: string;
  const stores: TokenStore[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    path = join(dir, 'tokens.yaml');
    await writeFile(
      path,
      `tokens:\n  - token: "${SECRET}"\n    tenant: acme\n  - token_sha256: "${sha256hex(GLOBEX_SECRET)}"\n    tenant: globex\n`,
    );
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) s.close();
    await cleanup();
  });

  async function open(extra: Record<string, unknown> = {}, onLog?: Parameters<typeof TokenStore.open>[1]) {
    const config = bearerTokenAuthConfigSchema.parse({ tokens_file: path, reload_interval: '50ms', ...extra });
    const store = await TokenStore.open(config, onLog);
    stores.push(store);
    return store;
  }

  it('accepts a valid bearer token and returns its tenant and a short hash', async () => {
    const store = await open();
    const result = store.authenticate({ authorization: `Bearer ${SECRET}` });
    expect(result).toEqual({ ok: true, principal: 'acme', tokenHash: sha256hex(SECRET).slice(0, 8) });
  });

  it('matches the scheme case-insensitively and tolerates extra spaces', async () => {
    const store = await open();
    expect(store.authenticate({ authorization: `bearer   ${SECRET} ` })).toMatchObject({ ok: true, principal: 'acme' });
  });

  it('accepts a pre-hashed entry', async () => {
    const store = await open();
    expect(store.authenticate({ authorization: `Bearer ${GLOBEX_SECRET}` })).toMatchObject({ ok: true, principal: 'globex' });
  });

  it('reports missing when no credential header is present', async () => {
    const store = await open();
    expect(store.authenticate({})).toEqual({ ok: false, reason: 'missing' });
    expect(store.authenticate({ 'x-api-key': SECRET })).toEqual({ ok: false, reason: 'missing' });
  });

  it('reports invalid for an unknown token, a wrong scheme, an empty token or a repeated header', async () => {
    const store = await open();
    expect(store.authenticate({ authorization: 'Bearer nope' })).toEqual({ ok: false, reason: 'invalid' });
    expect(store.authenticate({ authorization: `Basic ${SECRET}` })).toEqual({ ok: false, reason: 'invalid' });
    expect(store.authenticate({ authorization: 'Bearer ' })).toEqual({ ok: false, reason: 'invalid' });
    expect(store.authenticate({ authorization: SECRET })).toEqual({ ok: false, reason: 'invalid' });
    expect(store.authenticate({ authorization: [`Bearer ${SECRET}`, 'Bearer x'] })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('reads a raw API key header when configured, and only when authorization is absent', async () => {
    const store = await open({ api_key_header: 'X-API-Key' });
    expect(store.authenticate({ 'x-api-key': SECRET })).toMatchObject({ ok: true, principal: 'acme' });
    expect(store.authenticate({ 'x-api-key': [GLOBEX_SECRET] })).toMatchObject({ ok: true, principal: 'globex' });
    expect(store.authenticate({ authorization: 'Bearer wrong', 'x-api-key': SECRET })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('honours a custom header and scheme', async () => {
    const store = await open({ header: 'X-Auth', scheme: 'Token' });
    expect(store.authenticate({ 'x-auth': `Token ${SECRET}` })).toMatchObject({ ok: true, principal: 'acme' });
    expect(store.authenticate({ authorization: `Bearer ${SECRET}` })).toEqual({ ok: false, reason: 'missing' });
  });

  it('keeps no trace of the token in any inspectable structure', async () => {
    const store = await open();
    const dumps = [
      JSON.stringify(store),
      inspect(store, { depth: Infinity, showHidden: true }),
      JSON.stringify(store.authenticate({ authorization: `Bearer ${SECRET}` })),
    ];
    for (const dump of dumps) expect(dump).not.toContain(SECRET);
  });

  it('picks up a new token after an editor-style save, within seconds', async () => {
    const store = await open();
    await saveByRename(path, `tokens:\n  - token: "${SECRET}"\n    tenant: acme\n  - token: rotated-new\n    tenant: initech\n`);
    expect(await eventually(() => store.authenticate({ authorization: 'Bearer rotated-new' }).ok)).toBe(true);
    expect(store.authenticate({ authorization: 'Bearer rotated-new' })).toMatchObject({ principal: 'initech' });
    expect(store.authenticate({ authorization: `Bearer ${GLOBEX_SECRET}` })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('keeps the old tokens when a reload is broken, and says why without leaking the token', async () => {
    const logs = collectLogs();
    const store = await open({}, logs.log);
    // A token pasted as a key, plus an entry with both forms: both invalid.
    await writeFile(path, `tokens:\n  - ${SECRET}-new: acme\n  - token: x\n    token_sha256: "${'a'.repeat(64)}"\n    tenant: acme\n`);
    await store.reload();
    expect(await eventually(() => logs.lines.some((l) => l.level === 'warn'))).toBe(true);
    expect(store.authenticate({ authorization: `Bearer ${SECRET}` })).toMatchObject({ ok: true, principal: 'acme' });
    const warning = logs.lines.find((l) => l.level === 'warn')!;
    expect(warning.message).toMatch(/reload rejected/);
    expect(String(warning.fields.error)).toMatch(/tokens\[1\]: set exactly one of token or token_sha256/);
    expect(JSON.stringify(logs.lines)).not.toContain(SECRET);

    await writeFile(path, `tokens: [ {token: "${SECRET}", tenant: acme`);
    await store.reload();
    expect(await eventually(() => logs.lines.filter((l) => l.level === 'warn').length >= 2)).toBe(true);
    expect(JSON.stringify(logs.lines)).not.toContain(SECRET);
    expect(store.authenticate({ authorization: `Bearer ${SECRET}` }).ok).toBe(true);
  });

  it('reports a broken file once, not at every poll', async () => {
    const logs = collectLogs();
    await open({}, logs.log);
    await writeFile(path, 'tokens: 5\n');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(logs.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('refuses to open a missing or invalid file', async () => {
    await expect(TokenStore.open(bearerTokenAuthConfigSchema.parse({ tokens_file: join(dir, 'absent.yaml') }))).rejects.toThrow(/ENOENT/);
    await writeFile(path, `tokens:\n  - token: a\n    tenant: acme\n  - token: a\n    tenant: globex\n`);
    await expect(open()).rejects.toThrow(/tokens\[1\]: same token as tokens\[0\]/);
    await writeFile(path, `tokens:\n  - token: a\n    tenant: "../etc"\n`);
    await expect(open()).rejects.toThrow(/tokens\[0\]\.tenant/);
  });
});

describe('bearerTokenAuthConfigSchema', () => {
  it('fills defaults', () => {
    expect(bearerTokenAuthConfigSchema.parse({ tokens_file: 't.yaml' })).toEqual({
      tokens_file: 't.yaml',
      header: 'authorization',
      scheme: 'Bearer',
      reload_interval: 2000,
    });
  });

  it('rejects unknown keys and a missing tokens_file', () => {
    expect(bearerTokenAuthConfigSchema.safeParse({ tokens_file: 't', tokenz: 1 }).success).toBe(false);
    expect(bearerTokenAuthConfigSchema.safeParse({}).success).toBe(false);
  });
});
