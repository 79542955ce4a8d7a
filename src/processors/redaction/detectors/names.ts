// The built-in detector names, in the order matches are preferred when two start at the same
// place (more specific first: a URL password beats the email its `pass@host` tail resembles).
export const BUILTIN_DETECTORS = [
  'private_key',
  'url_password',
  'query_secret',
  'auth_header',
  'jwt',
  'aws_access_key',
  'aws_secret_key',
  'github_token',
  'gitlab_token',
  'slack_token',
  'stripe_key',
  'email',
  'iban',
  'payment_card',
  'us_ssn',
  'phone',
  'ipv6',
  'ipv4',
] as const;

export type BuiltinDetectorName = (typeof BUILTIN_DETECTORS)[number];

/** Detector names used in counts for things that are not value scanners. */
export const BLOCKED_KEY_DETECTOR = 'blocked_key';
export const OVERSIZE_DETECTOR = 'oversize';
