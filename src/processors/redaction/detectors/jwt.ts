import { ascii, byteAt, indexOfBytes, isBase64Url } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

const HEADER_START = ascii('eyJ');

// header.payload.signature, the header base64url JSON (so it starts `eyJ`, i.e. `{"`), at least
// 10 characters, the payload at least 4, the signature possibly empty (alg none). A failed
// candidate resumes where it failed: any `eyJ` inside the part it consumed would fail there too.
export function scanJwts(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  let from = indexOfBytes(u8, start, end, HEADER_START);
  while (from !== -1) {
    const headerEnd = base64UrlRun(u8, end, from);
    let resume = headerEnd;
    if (headerEnd - from >= 10 && byteAt(u8, start, end, headerEnd) === 46) {
      const payloadEnd = base64UrlRun(u8, end, headerEnd + 1);
      resume = payloadEnd;
      if (payloadEnd - headerEnd - 1 >= 4 && byteAt(u8, start, end, payloadEnd) === 46) {
        const signatureEnd = base64UrlRun(u8, end, payloadEnd + 1);
        out.push(from, signatureEnd, id);
        resume = signatureEnd;
      }
    }
    from = indexOfBytes(u8, resume, end, HEADER_START);
  }
}

function base64UrlRun(u8: Uint8Array, end: number, from: number): number {
  let i = from;
  while (i < end && isBase64Url(u8[i])) i++;
  return i;
}
