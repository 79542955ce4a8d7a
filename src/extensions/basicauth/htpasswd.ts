import { createHash, timingSafeEqual } from 'node:crypto';

// The htpasswd entries basicauth can check: `{SHA}` (base64 SHA-1, `htpasswd -s`) and plain text
// (the Collector's `inline: user:password` form). bcrypt, MD5-crypt and crypt hashes need
// libraries Sluice does not ship: they are refused when the file is read, naming the line, so a
// user is never silently locked out or let in.

export interface HtpasswdUser {
  /** SHA-256 of the password, for plain entries; compared in constant time. */
  plainDigest?: Buffer;
  /** SHA-1 of the password, for {SHA} entries. */
  sha1?: Buffer;
}

export function parseHtpasswd(text: string, label: string): Map<string, HtpasswdUser> {
  const users = new Map<string, HtpasswdUser>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${label} line ${i + 1}: expected user:password`);
    const user = line.slice(0, colon);
    const secret = line.slice(colon + 1);
    if (secret.startsWith('{SHA}')) users.set(user, { sha1: Buffer.from(secret.slice(5), 'base64') });
    else if (/^\$(2[abxy]?|apr1|1|5|6)\$/.test(secret)) throw new Error(`${label} line ${i + 1}: user "${user}" has a ${secret.startsWith('$2') ? 'bcrypt' : 'crypt'} hash, which Sluice cannot check; use {SHA} (htpasswd -s) or plain text`);
    else users.set(user, { plainDigest: sha256(secret) });
  }
  return users;
}

export function passwordMatches(user: HtpasswdUser | undefined, password: string): boolean {
  if (user === undefined) {
    // Same work for an unknown user as for a known one.
    timingSafeEqual(sha256(password), sha256(''));
    return false;
  }
  if (user.sha1 !== undefined) {
    const given = createHash('sha1').update(password, 'utf8').digest();
    return given.length === user.sha1.length && timingSafeEqual(given, user.sha1);
  }
  return timingSafeEqual(sha256(password), user.plainDigest!);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
