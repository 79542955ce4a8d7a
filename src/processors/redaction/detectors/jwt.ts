import { codeAt, isBase64Url } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

// header.payload.signature, the header base64url JSON (so it starts `eyJ`, i.e. `{"`), at least
// 10 characters, the payload at least 4, the signature possibly empty (alg none). A failed
// candidate resumes where it failed: any `eyJ` inside the part it consumed would fail there too.
export function scanJwts(s: string, out: MatchBuffer, id: number): void {
  let from = s.indexOf('eyJ');
  while (from !== -1) {
    const headerEnd = base64UrlRun(s, from);
    let resume = headerEnd;
    if (headerEnd - from >= 10 && codeAt(s, headerEnd) === 46) {
      const payloadEnd = base64UrlRun(s, headerEnd + 1);
      resume = payloadEnd;
      if (payloadEnd - headerEnd - 1 >= 4 && codeAt(s, payloadEnd) === 46) {
        const signatureEnd = base64UrlRun(s, payloadEnd + 1);
        out.push(from, signatureEnd, id);
        resume = signatureEnd;
      }
    }
    from = s.indexOf('eyJ', resume);
  }
}

function base64UrlRun(s: string, from: number): number {
  let i = from;
  while (i < s.length && isBase64Url(codeAt(s, i))) i++;
  return i;
}
