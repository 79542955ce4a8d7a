import { describe, expect, test } from 'vitest';
import { redactorWith } from './helpers.ts';

// Results, not time: the timing targets live in benchmarks/redaction.bench.ts.
const MIB = 1 << 20;
const redactor = redactorWith({ max_value_length: 2 * MIB });
const redact = (value: string) => redactor.redactString(value, 'attr');

function repeatTo(unit: string, length = MIB): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

describe('adversarial 1 MiB inputs give correct results', () => {
  test('aaaa…@ repeated has no email', () => {
    const input = repeatTo('a'.repeat(63) + '@');
    expect(redact(input)).toBe(input);
  });
  test('a@a.co repeated: every address is masked', () => {
    const input = repeatTo('a@b.co ', 7 * 1000);
    expect(redact(input)).toBe('**** '.repeat(1000).slice(0, -1) + ' ');
  });
  test('digits with separators: only Luhn-valid cards', () => {
    const input = repeatTo('1 2-3 ');
    expect(redact(input)).toBe(input);
    const cards = repeatTo('4111 1111 1111 1111 ', 20 * 500);
    expect(redact(cards)).toBe('****1111 '.repeat(500));
  });
  test('a long run of digits is not a card', () => {
    const input = repeatTo('4111111111111111');
    expect(redact(input)).toBe(input);
  });
  test('nested brackets are plain text', () => {
    const input = repeatTo('[{(');
    expect(redact(input)).toBe(input);
  });
  test('-----BEGIN without END: a private key header redacts to the end; other labels stay', () => {
    expect(redact('x ' + repeatTo('-----BEGIN RSA PRIVATE KEY-----'))).toBe('x ****');
    const labels = repeatTo('-----BEGIN ');
    expect(redact(labels)).toBe(labels);
  });
  test('eyJ repeated is not a JWT; eyJ parts separated by dots become one', () => {
    const input = repeatTo('eyJ');
    expect(redact(input)).toBe(input);
    const dotted = 'eyJhbGciOiJIUzI1NiJ9.' + repeatTo('eyJ', 1000) + '.sig';
    expect(redact(dotted)).toBe('****');
  });
  test.each(['a:', '1.', '1:', '::1:', '://a@', 'Bearer ', 'aB3+', '+1 ', '(1) ', 'AKIA', 'ghp_', 'xox-', '-----BEGIN PUBLIC KEY-----'])('%j repeated is left alone', (unit) => {
    const input = repeatTo(unit);
    expect(redact(input)).toBe(input);
  });
  test('password= repeated: the first value runs to the end', () => {
    expect(redact(repeatTo('password='))).toBe('password=****');
  });
  test('a secret after 1 MiB of noise is still found', () => {
    expect(redact(repeatTo('a@') + ' jane@example.com')).toContain(' ****');
    expect(redact(repeatTo('1.') + ' 10.0.0.1')).toMatch(/ \*\*\*\*$/);
  });
});
