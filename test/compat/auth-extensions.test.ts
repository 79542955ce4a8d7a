import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { internalMetadata } from '../../src/core/metadata.ts';
import { redactSecrets } from '../../src/config/redact.ts';
import { HttpClient, safeHref } from '../../src/exporters/shared/http-client.ts';
import { parseHtpasswd } from '../../src/extensions/basicauth/htpasswd.ts';
import { bearerTokenAuthConfigSchema } from '../../src/extensions/bearertokenauth/config.ts';
import { SingleBearerToken } from '../../src/extensions/bearertokenauth/single-token.ts';
import { headersSetterConfigSchema } from '../../src/extensions/headers_setter/config.ts';
import { HeadersSetter } from '../../src/extensions/headers_setter/headers-setter.ts';

describe('client and server authenticators', () => {
  test('a single bearer token: exporters send it, receivers accept exactly it (scheme case-insensitive)', () => {
    const token = new SingleBearerToken(bearerTokenAuthConfigSchema.parse({ token: 'abc' }), pino({ level: 'silent' }));
    const headers: Record<string, string> = { authorization: 'old' };
    token.authorize(headers);
    expect(headers).toEqual({ Authorization: 'Bearer abc' });
    expect(token.authenticate({ authorization: 'bearer abc' })).toEqual({ ok: true });
    expect(token.authenticate({ authorization: 'Bearer abd' }).ok).toBe(false);
    expect(token.authenticate({}).ok).toBe(false);
    const bare = new SingleBearerToken(bearerTokenAuthConfigSchema.parse({ token: 123, scheme: '', header: 'x-api-key' }), pino({ level: 'silent' }));
    const out: Record<string, string> = {};
    bare.authorize(out);
    expect(out).toEqual({ 'x-api-key': '123' });
  });

  test('bearertokenauth takes exactly one of tokens_file, token, filename', () => {
    expect(bearerTokenAuthConfigSchema.safeParse({}).success).toBe(false);
    expect(bearerTokenAuthConfigSchema.safeParse({ token: 'a', filename: '/x' }).success).toBe(false);
  });

  test('htpasswd: plain and {SHA} entries; bcrypt is refused naming the line, never the hash', () => {
    expect([...parseHtpasswd('a:b\n# note\nc:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n', 'inline').keys()]).toEqual(['a', 'c']);
    expect(() => parseHtpasswd('u:$2y$05$abcdefghijklmnopqrstuv', 'htpasswd.file')).toThrow('htpasswd.file line 1: user "u" has a bcrypt hash');
  });

  test('headers_setter: insert keeps an existing header, update only replaces, delete removes, from_context falls back to default_value', () => {
    const setter = new HeadersSetter(headersSetterConfigSchema.parse({
      headers: [
        { key: 'X-Scope-OrgID', from_context: 'X-Scope-OrgID', default_value: 'anon' },
        { key: 'X-Keep', value: 'new', action: 'insert' },
        { key: 'X-Missing', value: 'v', action: 'update' },
        { key: 'X-Drop', action: 'delete' },
      ],
    }).headers);
    const metadata = { ...internalMetadata(), headers: { 'x-scope-orgid': 'acme' } };
    const headers: Record<string, string> = { 'x-keep': 'old', 'X-Drop': '1' };
    setter.authorize(headers, metadata);
    expect(headers).toEqual({ 'x-keep': 'old', 'X-Scope-OrgID': 'acme' });
    const fallback: Record<string, string> = {};
    setter.authorize(fallback, internalMetadata());
    expect(fallback['X-Scope-OrgID']).toBe('anon');
    expect(headersSetterConfigSchema.safeParse({ headers: [{ key: 'A', from_attribute: 'sub' }] }).success).toBe(false);
  });

  test('print-config hides passwords, tokens, header values and inline htpasswd, and keeps the rest', () => {
    const redacted = redactSecrets({
      extensions: { basicauth: { client_auth: { username: 'u', password: 'p' }, htpasswd: { inline: 'a:b' } }, bearertokenauth: { token: 't', filename: '/f', tokens_file: '/t' } },
      exporters: { otlp: { endpoint: 'e', headers: { 'x-api-key': 'k' }, tls: { key_pem: 'K', key_file: '/k' } } },
    }) as Record<string, any>;
    expect(redacted.extensions.basicauth).toEqual({ client_auth: { username: 'u', password: '[REDACTED]' }, htpasswd: { inline: '[REDACTED]' } });
    expect(redacted.extensions.bearertokenauth).toEqual({ token: '[REDACTED]', filename: '/f', tokens_file: '/t' });
    expect(redacted.exporters.otlp).toEqual({ endpoint: 'e', headers: { 'x-api-key': '[REDACTED]' }, tls: { key_pem: '[REDACTED]', key_file: '/k' } });
  });

  test('credentials written into an endpoint URL never reach an error message', async () => {
    expect(safeHref(new URL('https://user:s3cr3t@example.com/otlp'))).toBe('https://example.com/otlp');
    const url = new URL('http://user:s3cr3t@127.0.0.1:1/v1/traces');
    const client = new HttpClient(url);
    const error = await client.post(url, {}, [new Uint8Array(1)]).catch((e: Error) => e);
    client.close();
    expect(String((error as Error).message)).toContain('127.0.0.1:1');
    expect(String((error as Error).message)).not.toContain('s3cr3t');
  });
});
