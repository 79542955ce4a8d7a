import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Batch } from '../core/batch.ts';
import type { Consumer } from '../core/component.ts';
import { errorMessage, PipelineError, type RefusalKind } from '../core/errors.ts';
import { rejectItems, type RequestMetadata } from '../core/metadata.ts';
import type { Signal } from '../otlp/types.ts';

// The data path between workers: each worker listens on a Unix socket in a folder the primary
// made, and opens one connection to each peer when it first has something for it. A request is a
// part of a batch for a stage of a pipeline (the stage that must see whole traces or whole
// metrics); the answer is the peer's outcome for it, so a client is acknowledged only once every
// worker holding part of its request has accepted that part.
//
// Frame: u32 length of the rest, u8 type, u32 id, u32 header length, header (JSON), body.

const REQUEST = 1;
const ANSWER = 2;
const PREFIX = 13;
/** How long a request waits for a peer that is not listening (restarting) before it is refused. */
const CONNECT_PATIENCE_MS = 10_000;
const RECONNECT_DELAY_MS = 50;

interface RequestHeader {
  /** The stage's key: `pipeline id/position`. */
  k: string;
  s: Signal;
  n: number;
  m: Omit<RequestMetadata, 'outcome'>;
}

type AnswerHeader = { ok: true; r: number; rm: string } | { ok: false; kind: RefusalKind; e: string; ra?: number };

export function socketPath(folder: string, worker: number): string {
  return join(folder, `w${worker}.sock`);
}

/** Splits a byte stream into frames. */
class FrameReader {
  #pending: Buffer[] = [];
  #size = 0;
  readonly onFrame: (type: number, id: number, header: unknown, body: Buffer) => void;

  constructor(onFrame: (type: number, id: number, header: unknown, body: Buffer) => void) {
    this.onFrame = onFrame;
  }

  push(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#size += chunk.length;
    while (this.#size >= 4) {
      let head = this.#pending[0];
      if (head.length < 4) head = this.#join();
      const length = head.readUInt32LE(0);
      if (this.#size < 4 + length) return;
      const frame = head.length >= 4 + length ? head : this.#join();
      const type = frame[4];
      const id = frame.readUInt32LE(5);
      const headerLength = frame.readUInt32LE(9);
      const header = JSON.parse(frame.toString('utf8', PREFIX, PREFIX + headerLength)) as unknown;
      const body = frame.subarray(PREFIX + headerLength, 4 + length);
      const rest = frame.subarray(4 + length);
      this.#pending = rest.length > 0 ? [rest] : [];
      this.#size = rest.length;
      this.onFrame(type, id, header, body);
    }
  }

  #join(): Buffer {
    const joined = Buffer.concat(this.#pending, this.#size);
    this.#pending = [joined];
    return joined;
  }
}

/** Sockets corked until the loop has run this round of I/O callbacks: their frames leave in one writev. */
const corked = new Set<Socket>();
function uncorkAll(): void {
  for (const socket of corked) socket.uncork();
  corked.clear();
}

function writeFrame(socket: Socket, type: number, id: number, header: unknown, body?: Uint8Array): void {
  // The fixed prefix and the header in one buffer: one allocation and one write per frame besides the body.
  const json = JSON.stringify(header);
  const headerLength = Buffer.byteLength(json);
  const head = Buffer.allocUnsafe(PREFIX + headerLength);
  head.writeUInt32LE(PREFIX - 4 + headerLength + (body?.byteLength ?? 0), 0);
  head[4] = type;
  head.writeUInt32LE(id, 5);
  head.writeUInt32LE(headerLength, 9);
  head.write(json, PREFIX, 'utf8');
  if (!corked.has(socket)) {
    if (corked.size === 0) setImmediate(uncorkAll);
    socket.cork();
    corked.add(socket);
  }
  socket.write(head);
  if (body !== undefined && body.byteLength > 0) socket.write(body);
}

interface Pending {
  resolve: () => void;
  reject: (error: unknown) => void;
  metadata: RequestMetadata;
}

/** One worker's connection to a peer, for the requests this worker sends it. */
class PeerLink {
  #socket: Socket | undefined;
  #connecting: Promise<Socket> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  readonly peer: number;
  readonly path: string;

  constructor(peer: number, path: string) {
    this.peer = peer;
    this.path = path;
  }

  async send(key: string, signal: Signal, body: Uint8Array, items: number, metadata: RequestMetadata): Promise<void> {
    const socket = this.#socket ?? (await this.#connect());
    const id = this.#nextId++;
    if (this.#nextId > 0xffffffff) this.#nextId = 1;
    const { outcome: _outcome, ...rest } = metadata;
    const header: RequestHeader = { k: key, s: signal, n: items, m: rest };
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, metadata });
      writeFrame(socket, REQUEST, id, header, body);
    });
  }

  #connect(): Promise<Socket> {
    this.#connecting ??= new Promise<Socket>((resolve, reject) => {
      const giveUpAt = Date.now() + CONNECT_PATIENCE_MS;
      const attempt = () => {
        if (this.#closed) return reject(new PipelineError('overloaded', 'worker is stopping'));
        const socket = connect(this.path);
        socket.once('connect', () => {
          socket.off('error', retry);
          this.#attach(socket);
          resolve(socket);
        });
        const retry = () => {
          socket.destroy();
          if (Date.now() > giveUpAt) reject(new PipelineError('overloaded', `worker ${this.peer} is not answering`));
          else setTimeout(attempt, RECONNECT_DELAY_MS);
        };
        socket.once('error', retry);
      };
      attempt();
    }).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #attach(socket: Socket): void {
    this.#socket = socket;
    socket.setNoDelay(true);
    const reader = new FrameReader((type, id, header) => {
      if (type !== ANSWER) return;
      const pending = this.#pending.get(id);
      if (pending === undefined) return;
      this.#pending.delete(id);
      const answer = header as AnswerHeader;
      if (answer.ok) {
        if (answer.r > 0) rejectItems(pending.metadata, answer.r, answer.rm);
        pending.resolve();
      } else {
        pending.reject(new PipelineError(answer.kind, answer.e, answer.ra));
      }
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
      // What the peer had not answered may or may not have been taken: refuse it retryably, so the
      // client sends it again (at least once, as everywhere in Sluice).
      for (const pending of this.#pending.values()) pending.reject(new PipelineError('overloaded', `worker ${this.peer} went away`));
      this.#pending.clear();
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket?.end();
  }
}

/**
 * A worker's end of the mesh: the stages other workers may hand parts to (registered by key), its
 * Unix socket server for them, and a link to each peer for the parts it hands on.
 */
export class WorkerMesh {
  readonly index: number;
  readonly count: number;
  readonly #folder: string;
  readonly #stages = new Map<string, Consumer>();
  readonly #links: PeerLink[] = [];
  readonly #inbound = new Set<Socket>();
  #server: Server | undefined;

  constructor(folder: string, index: number, count: number) {
    this.#folder = folder;
    this.index = index;
    this.count = count;
    for (let w = 0; w < count; w++) this.#links.push(new PeerLink(w, socketPath(folder, w)));
  }

  async listen(): Promise<void> {
    const path = socketPath(this.#folder, this.index);
    rmSync(path, { force: true }); // left by this worker's previous life
    const server = createServer((socket) => this.#serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    this.#server = server;
  }

  /** Parts for `key` that other workers send here go to `consumer`. */
  register(key: string, consumer: Consumer): void {
    this.#stages.set(key, consumer);
  }

  send(peer: number, key: string, signal: Signal, body: Uint8Array, items: number, metadata: RequestMetadata): Promise<void> {
    return this.#links[peer].send(key, signal, body, items, metadata);
  }

  #serve(socket: Socket): void {
    this.#inbound.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader((type, id, header, body) => {
      if (type !== REQUEST) return;
      const request = header as RequestHeader;
      this.#take(request, body).then(
        (answer) => {
          if (!socket.destroyed) writeFrame(socket, ANSWER, id, answer);
        },
        () => undefined,
      );
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.#inbound.delete(socket));
  }

  async #take(request: RequestHeader, body: Buffer): Promise<AnswerHeader> {
    const stage = this.#stages.get(request.k);
    if (stage === undefined) return { ok: false, kind: 'overloaded', e: `worker ${this.index} is not running stage ${request.k}` };
    const metadata: RequestMetadata = { ...request.m, outcome: { rejectedItems: 0, rejectionMessage: '' } };
    // The body is a view of the socket's buffer; a stage may keep it (the sampler buffers spans).
    const batch = Batch.fromBytes(request.s, body, request.n, metadata);
    try {
      await stage.consume(batch);
      return { ok: true, r: metadata.outcome.rejectedItems, rm: metadata.outcome.rejectionMessage };
    } catch (error) {
      if (error instanceof PipelineError) return { ok: false, kind: error.kind, e: error.message, ra: error.retryAfterMs };
      return { ok: false, kind: 'internal', e: errorMessage(error) };
    }
  }

  /** Stops taking parts from peers (they refuse theirs retryably) and closes the links. */
  async close(): Promise<void> {
    for (const link of this.#links) link.close();
    for (const socket of this.#inbound) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
