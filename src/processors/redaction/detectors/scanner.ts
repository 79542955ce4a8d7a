import { scanAuthHeaders } from './auth-header.ts';
import { scanAwsAccessKeys, scanAwsSecretKeys } from './aws.ts';
import { CustomPattern } from './custom.ts';
import { scanEmails } from './email.ts';
import { scanIpv6 } from './ip.ts';
import { scanJwts } from './jwt.ts';
import type { MatchBuffer } from './match-buffer.ts';
import { BUILTIN_DETECTORS, type BuiltinDetectorName } from './names.ts';
import { scanNumbers, type NumberDetectorIds } from './numbers.ts';
import {
  C_AT, C_COLON, C_DIGIT, C_DOT, C_HIGH, C_LOWER, C_SLASH, C_UPPER, PAIR_TRIGGERS, prefilterBytes, scannedMask,
  T_AKIA, T_AUTH, T_BASE64_RUN, T_EYJ, T_GITHUB, T_GITLAB, T_IPV6, T_NUMBER, T_PEM, T_SECRET_EQ, T_SLACK, T_STRIPE,
} from './prefilter.ts';
import { toScanBytes } from './chars.ts';
import { scanPrivateKeys } from './private-key.ts';
import { scanUrlPasswords, scanQuerySecrets } from './url-secrets.ts';
import { scanGithubTokens, scanGitlabTokens, scanSlackTokens, scanStripeKeys } from './vendor-tokens.ts';

type NumberDetector = 'payment_card' | 'us_ssn' | 'phone' | 'iban' | 'ipv4';
const NUMBER_DETECTORS: ReadonlySet<string> = new Set(['payment_card', 'us_ssn', 'phone', 'iban', 'ipv4']);

/** Appends the matches in u8[start, end) (positions absolute in u8) to `out`; `key` is context. */
type ScanFunction = (u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number, key: string) => void;

interface Trigger {
  /** Prefilter bits that must all be present. */
  bits: number;
  /** Shortest value worth scanning. */
  length?: number;
}

/** Detectors found by a fixed prefix, a pair or a base64 run: run only when the prefilter saw their trigger. */
const PREFIX_TRIGGERS = PAIR_TRIGGERS | T_BASE64_RUN;

/**
 * No built-in detector matches fewer characters than this: the shortest match is a compressed
 * IPv6 address such as `1::2` (test/redaction/prefilter.test.ts tries every shorter ASCII string).
 */
export const SHORTEST_MATCH = 4;

const SINGLE_DETECTORS: Record<Exclude<BuiltinDetectorName, NumberDetector>, [Trigger, ScanFunction]> = {
  private_key: [{ bits: T_PEM }, scanPrivateKeys],
  url_password: [{ bits: C_AT | C_COLON | C_SLASH }, scanUrlPasswords],
  query_secret: [{ bits: T_SECRET_EQ }, scanQuerySecrets],
  auth_header: [{ bits: T_AUTH }, scanAuthHeaders],
  jwt: [{ bits: T_EYJ | C_DOT }, scanJwts],
  aws_access_key: [{ bits: T_AKIA }, scanAwsAccessKeys],
  aws_secret_key: [{ bits: T_BASE64_RUN | C_UPPER | C_LOWER | C_DIGIT, length: 40 }, scanAwsSecretKeys],
  github_token: [{ bits: T_GITHUB }, scanGithubTokens],
  gitlab_token: [{ bits: T_GITLAB }, scanGitlabTokens],
  slack_token: [{ bits: T_SLACK }, scanSlackTokens],
  stripe_key: [{ bits: T_STRIPE }, scanStripeKeys],
  email: [{ bits: C_AT | C_DOT }, scanEmails],
  ipv6: [{ bits: T_IPV6 | C_DIGIT }, scanIpv6],
};

/** One step of the plan: a scanner and what must be in a value for it to be worth running. */
class Step {
  readonly bits: number;
  readonly length: number;
  readonly id: number;
  readonly scan: ScanFunction;
  constructor(trigger: Trigger, id: number, scan: ScanFunction) {
    this.bits = trigger.bits;
    this.length = trigger.length ?? 0;
    this.id = id;
    this.scan = scan;
  }
}

function runSteps(steps: readonly Step[], mask: number, u8: Uint8Array, start: number, end: number, key: string, out: MatchBuffer): void {
  const length = end - start;
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k];
    if ((mask & step.bits) === step.bits && length >= step.length) step.scan(u8, start, end, out, step.id, key);
  }
}

export interface CustomPatternSpec {
  pattern: string;
  caseInsensitive: boolean;
}

/**
 * Runs the enabled detectors over one value. Built, with its plan, once per redactor; a value
 * costs one prefilter pass plus the scanners its characters can trigger. Detector ids are the
 * index in BUILTIN_DETECTORS, then custom patterns in config order. Values are bytes
 * (detectors/chars.ts): request bytes in place for an ASCII value, or a string's code units.
 */
export class ValueScanner {
  /** Steps that need only character classes; the others need a trigger bit, which values seldom have. */
  readonly #steps: Step[];
  readonly #triggeredSteps: Step[];
  /** Values shorter than this cannot match (0 with custom patterns, which may match anything). */
  readonly #shortest: number;
  readonly #numberIds: NumberDetectorIds;
  /** T_NUMBER when some number detector is on, else 0 (the walk never runs). */
  readonly #numberBit: number;
  readonly #custom: CustomPattern[];
  /** Whether custom patterns run (they need the value as a string). */
  readonly hasCustom: boolean;

  constructor(enabled: ReadonlySet<BuiltinDetectorName>, custom: readonly CustomPatternSpec[]) {
    this.#steps = [];
    this.#triggeredSteps = [];
    for (let id = 0; id < BUILTIN_DETECTORS.length; id++) {
      const name = BUILTIN_DETECTORS[id];
      if (!enabled.has(name) || NUMBER_DETECTORS.has(name)) continue;
      const [trigger, scan] = SINGLE_DETECTORS[name as Exclude<BuiltinDetectorName, NumberDetector>];
      const step = new Step(trigger, id, scan);
      if ((step.bits & PREFIX_TRIGGERS) !== 0) this.#triggeredSteps.push(step);
      else this.#steps.push(step);
    }
    this.#shortest = custom.length > 0 ? 0 : SHORTEST_MATCH;
    const idOf = (name: BuiltinDetectorName) => (enabled.has(name) ? BUILTIN_DETECTORS.indexOf(name) : -1);
    this.#numberIds = { iban: idOf('iban'), ipv4: idOf('ipv4'), card: idOf('payment_card'), ssn: idOf('us_ssn'), phone: idOf('phone') };
    const { iban, ipv4, card, ssn, phone } = this.#numberIds;
    this.#numberBit = iban >= 0 || ipv4 >= 0 || card >= 0 || ssn >= 0 || phone >= 0 ? T_NUMBER : 0;
    this.#custom = custom.map((spec, i) => new CustomPattern(BUILTIN_DETECTORS.length + i, spec.pattern, spec.caseInsensitive));
    this.hasCustom = this.#custom.length > 0;
  }

  /**
   * Scans the UTF-8 bytes u8[start, end) of a value where they lie: false, having scanned
   * nothing, when a byte is not ASCII (positions would not be characters; the caller takes the
   * string path); else true, with the matches appended to `out` at absolute positions. One pass
   * over the bytes, then only the scanners it triggered. `text`, when the caller has it, is the
   * value as a string (custom patterns need one; otherwise it is made from the bytes).
   */
  scanAscii(u8: Uint8Array, start: number, end: number, key: string, out: MatchBuffer, text?: string): boolean {
    const length = end - start;
    if (length < this.#shortest) {
      // Nothing can match, but the caller still needs to know whether the bytes are ASCII.
      for (let i = start; i < end; i++) if (u8[i] >= 0x80) return false;
      return true;
    }
    prefilterBytes(u8, start, end);
    const mask = scannedMask;
    if ((mask & C_HIGH) !== 0) return false;
    this.#run(mask, u8, start, end, key, out, text);
    return true;
  }

  /** Appends the matches in `s` to `out` (unsorted, possibly overlapping), at positions in `s`. */
  scan(s: string, key: string, out: MatchBuffer): void {
    if (s.length < this.#shortest) return;
    const u8 = toScanBytes(s);
    prefilterBytes(u8, 0, s.length);
    this.#run(scannedMask, u8, 0, s.length, key, out, s);
  }

  #run(mask: number, u8: Uint8Array, start: number, end: number, key: string, out: MatchBuffer, text: string | undefined): void {
    runSteps(this.#steps, mask, u8, start, end, key, out);
    if ((mask & PREFIX_TRIGGERS) !== 0) runSteps(this.#triggeredSteps, mask, u8, start, end, key, out);
    if ((mask & this.#numberBit) !== 0) scanNumbers(u8, start, end, out, this.#numberIds);
    const custom = this.#custom;
    if (custom.length === 0) return;
    const s = text ?? Buffer.from(u8.buffer, u8.byteOffset + start, end - start).toString('latin1');
    for (let k = 0; k < custom.length; k++) custom[k].scan(s, start, out);
  }
}
