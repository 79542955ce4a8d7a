// What `sluice print-config` hides: values that are credentials by their key's name (password,
// token, secret, api key, private key, PEM text), every header value (headers carry API keys and
// Authorization), headers_setter values and inline htpasswd users. The Collector hides its
// `configopaque` fields the same way.

const SECRET_KEY = /(pass(word|wd)?|secret|token$|^token|api[_-]?key|authorization|credential|private[_-]?key|_pem$|^inline$)/i;
/** Keys that name where a secret is, not the secret. */
const NOT_SECRET = /(_file|_path|filename|_header|_sha256)$/i;
export const REDACTED = '[REDACTED]';

export function redactSecrets(value: unknown, key = '', underHeaders = false): unknown {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, key, underHeaders));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const headers = key === 'headers';
    for (const [k, v] of Object.entries(value)) out[k] = redactSecrets(v, k, headers);
    return out;
  }
  if (value === undefined || value === null || value === '') return value;
  if (underHeaders && key !== 'key' && key !== 'name' && key !== 'action' && key !== 'from_context') return REDACTED;
  if (SECRET_KEY.test(key) && !NOT_SECRET.test(key)) return REDACTED;
  return value;
}
