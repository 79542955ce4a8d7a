import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

export class BodyError extends Error {
  /** 503: a body of unknown length outgrew what admission would reserve for it. */
  readonly status: 400 | 408 | 413 | 415 | 503;

  constructor(status: 400 | 408 | 413 | 415 | 503, message: string) {
    super(message);
    this.status = status;
  }
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const zstdDecompress = promisify(zlib.zstdDecompress);

/**
 * Reads the whole body, refusing (413) as soon as it passes the limit rather than buffering it.
 * `grow` is asked before each chunk of a body whose length was not declared is kept; when it says
 * no, reading stops with a 503.
 */
export function readBody(req: IncomingMessage, limit: number, grow?: (length: number) => boolean): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${limit}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      length += chunk.length;
      if (length > limit) {
        failed = true;
        reject(new BodyError(413, `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      if (grow !== undefined && !grow(length)) {
        failed = true;
        reject(new BodyError(503, 'request body outgrew what may be held; retry later'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length));
    });
    req.on('error', (error) => {
      if (!failed) reject(new BodyError(400, `cannot read request body: ${error.message}`));
    });
  });
}

/**
 * Decompresses per Content-Encoding. The output limit is enforced inside zlib, so a bomb stops at
 * the limit instead of filling memory.
 */
export async function decompress(body: Buffer, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  const options = { maxOutputLength: limit };
  try {
    switch (encoding) {
      case 'gzip':
      case 'x-gzip':
        return await gunzip(body, options);
      case 'deflate':
        return await inflate(body, options);
      case 'zstd':
        return await zstdDecompress(body, options);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw new BodyError(413, `decompressed body exceeds the limit of ${limit} bytes`);
    throw new BodyError(400, `cannot decompress ${encoding} body: ${(error as Error).message}`);
  }
  throw new BodyError(415, `unsupported Content-Encoding "${encoding}" (gzip, deflate, zstd or none)`);
}
