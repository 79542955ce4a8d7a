// Node's Buffer has native slice/write methods per encoding that skip the argument juggling of
// toString()/write(); they are stable since Node 0.x but absent from @types/node.
export interface FastBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number, length?: number): number;
  utf8Write(s: string, offset: number, length?: number): number;
}

export function fastBuffer(bytes: Uint8Array): FastBuffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as FastBuffer;
}
