import { describe, expect, test } from 'vitest';
import { BUILTIN_DETECTORS, redactionConfigSchema } from '../../src/processors/redaction/index.ts';

describe('config', () => {
  test('an empty config is valid and protective', () => {
    const config = redactionConfigSchema.parse({});
    expect(config).toMatchObject({
      action: 'mask',
      detectors: {},
      custom_patterns: [],
      blocked_keys: [],
      allowed_keys: [],
      allow_only: [],
      include_span_names: false,
      summary_attribute: false,
      hash_key_env: 'SLUICE_REDACTION_KEY',
      hash_key_file: '',
      hash_length: 16,
      max_value_length: 65536,
      oversize_action: 'truncate',
    });
  });

  test('a typo in a detector name is rejected with its path', () => {
    const result = redactionConfigSchema.safeParse({ detectors: { emial: { enabled: false } } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual(['detectors', 'emial']);
    expect(result.error!.issues[0].message).toContain('unknown detector "emial"');
  });

  test('every built-in detector name is accepted', () => {
    const detectors = Object.fromEntries(BUILTIN_DETECTORS.map((name) => [name, { enabled: true, action: 'hash' }]));
    expect(redactionConfigSchema.safeParse({ detectors }).success).toBe(true);
  });

  test('unknown keys, bad actions and bad patterns are rejected with paths', () => {
    const result = redactionConfigSchema.safeParse({
      actoin: 'mask',
      detectors: { email: { action: 'shred' } },
      custom_patterns: [{ name: 'x', pattern: '(unclosed' }, { name: 'email', pattern: 'a' }],
      oversize_action: 'drop',
      max_value_length: 'lots',
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['', 'detectors.email.action', 'custom_patterns.0.pattern', 'custom_patterns.1.name', 'oversize_action', 'max_value_length']));
  });

  test('sizes are parsed', () => {
    expect(redactionConfigSchema.parse({ max_value_length: '1MiB' }).max_value_length).toBe(1 << 20);
  });
});
