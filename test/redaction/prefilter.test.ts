import { describe, expect, test } from 'vitest';
import { scanAuthHeaders } from '../../src/processors/redaction/detectors/auth-header.ts';
import { scanAwsAccessKeys, scanAwsSecretKeys } from '../../src/processors/redaction/detectors/aws.ts';
import { scanEmails } from '../../src/processors/redaction/detectors/email.ts';
import { scanIpv6 } from '../../src/processors/redaction/detectors/ip.ts';
import { scanJwts } from '../../src/processors/redaction/detectors/jwt.ts';
import { MatchBuffer } from '../../src/processors/redaction/detectors/match-buffer.ts';
import { BUILTIN_DETECTORS } from '../../src/processors/redaction/detectors/names.ts';
import { scanNumbers } from '../../src/processors/redaction/detectors/numbers.ts';
import { scanPrivateKeys } from '../../src/processors/redaction/detectors/private-key.ts';
import { C_HIGH, prefilterBytes, scannedMask, T_NUMBER } from '../../src/processors/redaction/detectors/prefilter.ts';
import { SHORTEST_MATCH, ValueScanner } from '../../src/processors/redaction/detectors/scanner.ts';
import { scanQuerySecrets, scanUrlPasswords } from '../../src/processors/redaction/detectors/url-secrets.ts';
import { random } from './helpers.ts';
import {
  scanGithubTokens, scanGitlabTokens, scanSlackTokens, scanStripeKeys,
} from '../../src/processors/redaction/detectors/vendor-tokens.ts';

// The prefilter decides which scanners run. It may let a scanner run for nothing, never skip one
// that would find something: every scanner run on its own, on every value, must find exactly what
// the prefiltered scanner finds.

type Scan = (u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number, key: string) => void;

/** `s` as the detectors read a string (code units above 0x7f as 0x80), in a buffer of its own. */
function scanBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = Math.min(s.charCodeAt(i), 0x80);
  return out;
}

/** Runs an ungated scanner on a string. */
function run(scan: Scan, s: string, out: MatchBuffer, id: number, key: string): void {
  scan(scanBytes(s), 0, s.length, out, id, key);
}
const id = (name: (typeof BUILTIN_DETECTORS)[number]) => BUILTIN_DETECTORS.indexOf(name);
const NUMBER_IDS = { iban: id('iban'), ipv4: id('ipv4'), card: id('payment_card'), ssn: id('us_ssn'), phone: id('phone') };
const UNGATED: Array<[number, Scan]> = [
  [id('private_key'), scanPrivateKeys],
  [id('url_password'), scanUrlPasswords],
  [id('query_secret'), scanQuerySecrets],
  [id('auth_header'), scanAuthHeaders],
  [id('jwt'), scanJwts],
  [id('aws_access_key'), scanAwsAccessKeys],
  [id('aws_secret_key'), scanAwsSecretKeys],
  [id('github_token'), scanGithubTokens],
  [id('gitlab_token'), scanGitlabTokens],
  [id('slack_token'), scanSlackTokens],
  [id('stripe_key'), scanStripeKeys],
  [id('email'), scanEmails],
  [id('ipv6'), scanIpv6],
  [-1, (u8, start, end, out) => scanNumbers(u8, start, end, out, NUMBER_IDS)],
];

function matches(out: MatchBuffer): string[] {
  const found: string[] = [];
  for (let i = 0; i < out.length; i++) found.push(`${out.detectors[i]}:${out.starts[i]}-${out.ends[i]}`);
  return found.sort();
}

// Digits and every character the number walk treats specially, weighted towards digits.
const NUMBERISH = '01234567890123456789012345678901234567890123456789....----    ()+/aAZB_xé:\t';
const FRAGMENTS = [
  'eyJhbGciOiJIUzI1NiJ9', '.eyJzdWIi.', 'eyJ', 'AKIAIOSFODNN7EXAMPLE', 'ASIA', 'ghp_', 'github_pat_', 'glpat-', 'xoxb-', 'sk_live_', 'rk_test_',
  '-----BEGIN ', 'RSA PRIVATE KEY-----', '-----END ', 'Bearer ', 'basic ', 'BEARER ', 'BaSiC ', 'dXNlcjpwYXNz', '://', 'u:p@', 'password=', 'db_token=', 'aws', 'SECRET',
  'DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', '4111 1111 1111 1111', '4111111111111111', '(555) 123-4567', '+44 20 7946 0958',
  '123-45-6789', '192.168.1.10', '2001:db8::1', '::ffff:10.0.0.1', 'jane@example.com', 'Chrome/120.0.0.0', 'ORD-2024-', '2024-01-02T',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aB3+aB3+aB3+aB3+aB3+aB3+aB3+aB3+aB3+aB', 'é', '\u0130', 'x', '1', '12', '555', '.', '-', ' ', '_', '/',
];

// Number shapes at their smallest, and the neighbours a digit group can have, so that the
// edges of the number walk (a/ 1.2.3.4, _-555 123 4567, x.DE89…, 2024-01-02T) come up often.
const JOINERS = ['.', '-', ' ', '  ', '(', ')', ') ', ' (', '/', '+', '_', ':', 'a', 'A', 'AB', 'x/', ' /', '_-', 'a-', '.-', '-.', 'é', '1', '12', '555'];
const SHAPES = [
  '#.#.#.#', '##.#.###.#', '###-###-####', '###.###.####', '### ### ####', '(###) ###-####', '1-###-###-####', '+########', '+# (###) ###-####',
  '###-##-####', '### ## ####', '4111111111111111', '4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005', '################',
  'DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'NL91ABNA0417164300', '##############',
];

function value(next: (n: number) => number): string {
  let s = '';
  const mode = next(3);
  if (mode === 2) {
    const before = next(4);
    for (let p = 0; p < before; p++) s += JOINERS[next(JOINERS.length)];
    for (const c of SHAPES[next(SHAPES.length)]) s += c === '#' ? String.fromCharCode(48 + next(10)) : c;
    const after = next(3);
    for (let p = 0; p < after; p++) s += JOINERS[next(JOINERS.length)];
    return s;
  }
  if (mode === 0) {
    const length = 1 + next(60);
    for (let i = 0; i < length; i++) s += NUMBERISH[next(NUMBERISH.length)];
    return s;
  }
  const parts = 1 + next(8);
  for (let p = 0; p < parts; p++) s += FRAGMENTS[next(FRAGMENTS.length)];
  return s;
}

describe('the prefilter never hides a match', () => {
  const scanner = new ValueScanner(new Set(BUILTIN_DETECTORS), []);
  const gated = new MatchBuffer();
  const ungated = new MatchBuffer();

  test.each([1, 2, 3])('40,000 generated values, seed %i', (seed) => {
    const next = random(seed);
    for (let n = 0; n < 40_000; n++) {
      const s = value(next);
      const key = next(4) === 0 ? 'aws_secret' : 'attr';
      gated.clear();
      scanner.scan(s, key, gated);
      ungated.clear();
      for (const [detector, scan] of UNGATED) run(scan, s, ungated, detector, key);
      const expected = matches(ungated);
      if (matches(gated).join() !== expected.join()) expect({ value: s, key, found: matches(gated) }).toEqual({ value: s, key, found: expected });
    }
  });

  test.each([
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    '123e4567-e89b-12d3-a456-426614174000',
    'order ORD-2024-000123 shipped at 2024-01-02T03:04:05Z',
    '4bf92f3577b34da6a3ce929d0e0e4736',
  ])('clean values with digits skip the number walk: %j', (s) => {
    prefilterBytes(scanBytes(s), 0, s.length);
    expect(scannedMask & T_NUMBER).toBe(0);
  });

  test('no scanner matches a value shorter than SHORTEST_MATCH (every printable ASCII string)', () => {
    const chars: string[] = ['\t', '\n'];
    for (let c = 32; c < 127; c++) chars.push(String.fromCharCode(c));
    let values = [''];
    for (let length = 1; length < SHORTEST_MATCH; length++) {
      const longer: string[] = [];
      for (const v of values) for (const c of chars) longer.push(v + c);
      values = longer;
      for (const s of values) {
        ungated.clear();
        for (const [detector, scan] of UNGATED) run(scan, s, ungated, detector, 'aws_secret');
        if (ungated.length !== 0) expect({ value: s, found: matches(ungated) }).toEqual({ value: s, found: [] });
      }
    }
  });
});

describe('scanAscii: a value scanned where it lies in request bytes', () => {
  // Characters that trip every trigger, so generated values reach every detector.
  const ALPHABET = 'aAbBeEyJIkKgGhHtTxXoOsSpPlwWcCrR_-.@:/=+ 0123456789()';
  const all = new ValueScanner(new Set(BUILTIN_DETECTORS), []);
  const onBytes = new MatchBuffer();
  const onString = new MatchBuffer();

  test('finds what the string scan finds, at the same places, inside a larger buffer', () => {
    const next = random(11);
    for (let n = 0; n < 20_000; n++) {
      let s = '';
      const length = next(64);
      for (let i = 0; i < length; i++) s += ALPHABET[next(ALPHABET.length)];
      if (next(3) === 0) s += FRAGMENTS[next(FRAGMENTS.length)].replace(/[^\x00-\x7f]/g, 'x');
      // The value sits between other bytes, which the scan must not read.
      const before = Buffer.from('@1::a=x4'.slice(0, next(8)), 'latin1');
      const bytes = Buffer.concat([before, Buffer.from(s, 'latin1'), Buffer.from('1.2.3.4 a@b.co', 'latin1')]);
      const key = next(4) === 0 ? 'aws_secret' : 'attr';
      onBytes.clear();
      expect(all.scanAscii(bytes, before.length, before.length + s.length, key, onBytes)).toBe(true);
      onString.clear();
      all.scan(s, key, onString);
      const shifted: string[] = [];
      for (let i = 0; i < onBytes.length; i++) shifted.push(`${onBytes.detectors[i]}:${onBytes.starts[i] - before.length}-${onBytes.ends[i] - before.length}`);
      if (shifted.sort().join() !== matches(onString).join()) expect({ value: s, found: shifted.sort() }).toEqual({ value: s, found: matches(onString) });
    }
  });

  test('refuses a value with a byte above 0x7f (its positions would not be characters), and the prefilter says so', () => {
    const bytes = Buffer.from('café jane@example.com', 'utf8');
    onBytes.clear();
    expect(all.scanAscii(bytes, 0, bytes.length, 'attr', onBytes)).toBe(false);
    expect(onBytes.length).toBe(0);
    prefilterBytes(bytes, 0, bytes.length);
    expect(scannedMask & C_HIGH).not.toBe(0);
    // The string path finds the address at its character positions (é is two bytes, one character).
    onString.clear();
    all.scan('café jane@example.com', 'attr', onString);
    expect(matches(onString)).toEqual([`${id('email')}:5-21`]);
  });
});
