import { describe, expect, test } from 'vitest';
import { redactorWith } from './helpers.ts';

const redactor = redactorWith();
const redact = (value: string) => redactor.redactString(value, 'attr');

// [detector, input containing the secret, the secret that must be gone]
const POSITIVES: Array<[string, string, string]> = [
  ['email', 'contact john.doe+tag@example.co.uk today', 'john.doe+tag@example.co.uk'],
  ['email', 'USER_1@Sub.Example.COM', 'USER_1@Sub.Example.COM'],
  ['payment_card', 'card 4111 1111 1111 1111 declined', '4111 1111 1111 1111'],
  ['payment_card', 'pan=5500-0000-0000-0004', '5500-0000-0000-0004'],
  ['payment_card', 'amex 378282246310005.', '378282246310005'],
  ['payment_card', '6011111111111117', '6011111111111117'],
  ['us_ssn', 'ssn 123-45-6789', '123-45-6789'],
  ['us_ssn', 'ssn: 078 05 1120', '078 05 1120'],
  ['iban', 'iban DE89 3704 0044 0532 0130 00 paid', 'DE89 3704 0044 0532 0130 00'],
  ['iban', 'to GB82WEST12345698765432', 'GB82WEST12345698765432'],
  ['iban', 'NL91ABNA0417164300', 'NL91ABNA0417164300'],
  ['ipv4', 'client 192.168.1.10:8080 closed', '192.168.1.10'],
  ['ipv4', 'from 203.0.113.42.', '203.0.113.42'],
  ['ipv6', 'addr 2001:db8:85a3::8a2e:370:7334 up', '2001:db8:85a3::8a2e:370:7334'],
  ['ipv6', 'full 2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:0db8:0000:0000:0000:ff00:0042:8329'],
  ['ipv6', '[fe80::1ff:fe23:4567:890a]:443', 'fe80::1ff:fe23:4567:890a'],
  ['ipv6', 'mapped ::ffff:192.0.2.128', '::ffff:192.0.2.128'],
  ['phone', 'call +1 (555) 123-4567 now', '+1 (555) 123-4567'],
  ['phone', 'tel +44 20 7946 0958', '+44 20 7946 0958'],
  ['phone', 'mobile +4915123456789', '+4915123456789'],
  ['phone', 'office (555) 123-4567', '(555) 123-4567'],
  ['phone', 'cell 555.123.4567', '555.123.4567'],
  ['phone', 'cell 1-555-123-4567', '1-555-123-4567'],
  ['jwt', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['auth_header', 'Authorization: Bearer 9f8e7d6c5b4a3210abcd', '9f8e7d6c5b4a3210abcd'],
  ['auth_header', 'authorization: basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
  // A word rejected as one scheme's credential is still read as a scheme.
  ['auth_header', 'Authorization: Basic Bearer abc12345', 'abc12345'],
  ['auth_header', 'Bearer Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz'],
  ['aws_access_key', 'key=AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ['aws_access_key', 'temp ASIAY34FZKBOKMUTVV7A used', 'ASIAY34FZKBOKMUTVV7A'],
  ['aws_secret_key', 'aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  // The context words are matched in any case; a quick pre-check must not be stricter than that.
  ['aws_secret_key', 'Aws key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['aws_secret_key', 'SeCrEt key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['github_token', 'ghp_1234567890abcdefghijklmnopqrstuvwxYZ', 'ghp_1234567890abcdefghijklmnopqrstuvwxYZ'],
  ['github_token', 'auth github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'],
  ['gitlab_token', 'glpat-xxxxXXXXyyyyYYYY1234', 'glpat-xxxxXXXXyyyyYYYY1234'],
  ['slack_token', 'SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKl', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKl'],
  // A token glued behind a rejected candidate (one not starting a word, or too short) is still found.
  ['slack_token', 'axoxb-xoxb-123456789012-AbCdEfGhIjKl', 'xoxb-123456789012-AbCdEfGhIjKl'],
  ['gitlab_token', 'xglpat-glpat-xxxxXXXXyyyyYYYY1234', 'glpat-xxxxXXXXyyyyYYYY1234'],
  ['github_token', 'ghp_ghp_1234567890abcdefghijklmnopqrstuvwxYZ', 'ghp_1234567890abcdefghijklmnopqrstuvwxYZ'],
  ['github_token', 'xgithub_pat_github_pat_11ABCDEFG0123456789_abcdefghij', 'github_pat_11ABCDEFG0123456789_abcdefghij'],
  ['stripe_key', 'stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  ['stripe_key', 'rk_test_51Habcdefghijklmnop', 'rk_test_51Habcdefghijklmnop'],
  ['private_key', 'k=-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY----- done', 'MIIEowIBAAKCAQEA'],
  ['private_key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk', 'b3BlbnNzaC1rZXk'],
  ['url_password', 'postgres://admin:s3cr3tP4ss@db.example.com:5432/app', 's3cr3tP4ss'],
  ['url_password', 'redis://:p@ss@cache:6379', 'p@ss'],
  ['query_secret', 'https://x.io/cb?code=1&access_token=abc123&state=z', 'abc123'],
  ['query_secret', 'login user=bob password=hunter2 ok', 'hunter2'],
  ['query_secret', '?API_KEY=k3y&db_password=pw1', 'k3y'],
  // A name of any length counts by its last part (this one is 67 characters).
  ['query_secret', 'spring.datasource.hikari.data-source-properties.connection.password=hunter2', 'hunter2'],
];

describe('true positives are gone', () => {
  test.each(POSITIVES)('%s: %j', (detector, input, secret) => {
    const output = redact(input);
    expect(output).not.toContain(secret);
    expect(output).toContain('****');
    const counts = redactor.takeCounts();
    expect(counts.map((c) => c.detector)).toContain(detector);
  });
});

describe('what is kept around a match', () => {
  test('payment card masks keep the last four digits', () => {
    expect(redact('card 4111 1111 1111 1111 declined')).toBe('card ****1111 declined');
  });
  test('URL passwords: only the password goes', () => {
    expect(redact('postgres://admin:s3cr3t@db.example.com:5432/app')).toBe('postgres://admin:****@db.example.com:5432/app');
  });
  test('query secrets: only the value goes', () => {
    expect(redact('https://api.example.com/v1?user=bob&password=hunter2&token=abc123#frag')).toBe(
      'https://api.example.com/v1?user=bob&password=****&token=****#frag',
    );
  });
  test('auth headers: the scheme stays', () => {
    expect(redact('Authorization: Bearer 9f8e7d6c5b4a3210abcd')).toBe('Authorization: Bearer ****');
  });
  test('private key blocks go from BEGIN to END', () => {
    expect(redact('a -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY----- b')).toBe('a **** b');
  });
  test('several detectors in one value', () => {
    expect(redact('jane@example.com paid with 4111111111111111 from 10.1.2.3')).toBe('**** paid with ****1111 from ****');
  });
});

const NEGATIVES: string[] = [
  '4111111111111112', // Luhn-invalid
  '4111 1111 1111 1112',
  '1234567812345678', // Luhn-invalid
  'ORD-2024-000123',
  'order ORD-2024-000123-55512345',
  '10.0.0.1-beta',
  'version 1.2.3',
  'v1.2.3.4',
  '1.2.3.4.5',
  '256.1.1.1',
  '4bf92f3577b34da6a3ce929d0e0e4736', // trace id
  '00f067aa0ba902b7', // span id
  '2024-01-02T03:04:05Z',
  '2024-01-02 03:04:05.123+01:00',
  '1700000000000', // epoch ms
  '1700000000',
  '123e4567-e89b-12d3-a456-426614174000',
  '@mention and @here',
  'user@localhost',
  'mailto:@example.com',
  '1500ms',
  '2.5s',
  'took 1h2m3s',
  '000-12-3456', // SSN area 000
  '666-12-3456',
  '900-12-3456',
  '123-00-4567',
  '123-45-0000',
  '123456789', // unseparated 9 digits are not an SSN
  '03:04:05',
  'aa:bb:cc:dd:ee:ff', // MAC
  'std::vector<int>',
  '::1',
  'GB82WEST12345698765433', // IBAN with a bad check digit
  'XX82WEST12345698765432', // not a country
  'Basic authentication failed',
  'Bearer token expired',
  'eyJhbGciOiJIUzI1NiJ9', // a header alone
  'AKIAIOSFODNN7EXAMPL', // 15 after AKIA
  'XAKIAIOSFODNN7EXAMPLE',
  'ghp_short',
  // The inner candidate must start a word too.
  'axoxb-bxoxb-123456789012-AbCdEf',
  'da39a3ee5e6b4b0d3255bfef95601890afd80709', // sha1 hex, 40 chars
  'secret: da39a3ee5e6b4b0d3255bfef95601890afd80709',
  '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
  'https://example.com/a?page=2&limit=50&sort=desc',
  'tokens=42',
  // A secret name counts whole or after `_ . -`, never glued to another word.
  'a&mypassword=x1',
  'x=1password=x3',
  'bypass=yes',
  'Chrome/120.0.0.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'SELECT * FROM users WHERE id = $1 LIMIT 20',
  'price 1,234.56 EUR',
  '+12', // too short for E.164
  'x+4915123456789',
  '555-1234',
  'build 20240102.1',
];

describe('true negatives are unchanged', () => {
  test.each(NEGATIVES)('%j', (input) => {
    expect(redact(input)).toBe(input);
  });
  test('nothing was counted for them', () => {
    redactor.takeCounts();
    for (const input of NEGATIVES) redact(input);
    expect(redactor.takeCounts()).toEqual([]);
  });
});

describe('custom patterns', () => {
  test('run on RE2 with their own action and name', () => {
    const custom = redactorWith({ custom_patterns: [{ name: 'order_secret', pattern: 'sec-[0-9a-f]{8}' }] });
    expect(custom.redactString('id sec-deadbeef and sec-xyz')).toBe('id **** and sec-xyz');
    expect(custom.takeCounts()).toEqual([{ detector: 'order_secret', action: 'mask', count: 1 }]);
  });
  test('case_insensitive', () => {
    const custom = redactorWith({ custom_patterns: [{ name: 'internal', pattern: 'internal-[a-z]+', case_insensitive: true }] });
    expect(custom.redactString('INTERNAL-Host')).toBe('****');
  });
});

describe('detectors can be turned off', () => {
  test('a disabled detector does not fire', () => {
    const off = redactorWith({ detectors: { email: { enabled: false }, ipv4: { enabled: false } } });
    expect(off.redactString('jane@example.com 10.1.2.3 4111111111111111')).toBe('jane@example.com 10.1.2.3 ****1111');
  });
});
