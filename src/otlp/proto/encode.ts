import { ProtoWriter } from './writer.ts';

// One writer per process: encoding is synchronous and never re-enters itself, so the size
// table is reused across calls instead of reallocated.
const shared = new ProtoWriter();

/** Runs the two passes for one top-level message and returns exactly-sized bytes. */
export function encodeMessage<T>(
  msg: T,
  size: (w: ProtoWriter, msg: T) => number,
  write: (w: ProtoWriter, msg: T) => void,
): Uint8Array {
  const w = shared;
  w.reset();
  const total = size(w, msg);
  w.alloc(total);
  write(w, msg);
  if (w.pos !== total) throw new Error(`protobuf writer bug: wrote ${w.pos} bytes, sized ${total}`);
  return w.finish();
}
