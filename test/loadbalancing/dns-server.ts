import { createSocket, type Socket } from 'node:dgram';

/**
 * A minimal authoritative DNS server on loopback UDP for the resolver tests: it answers A queries
 * for the names in `records` and NOERROR with no answers for anything else (AAAA included), which
 * node:dns reports as ENODATA. Records can change between queries, as a headless Service's do.
 */
export class LoopbackDns {
  readonly records = new Map<string, string[]>();
  queries = 0;
  #socket: Socket | undefined;
  port = 0;

  async start(): Promise<void> {
    const socket = createSocket('udp4');
    socket.on('message', (query, peer) => {
      this.queries++;
      const reply = this.#answer(query);
      if (reply !== undefined) socket.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    this.port = socket.address().port;
    this.#socket = socket;
  }

  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  #answer(query: Buffer): Buffer | undefined {
    if (query.length < 12) return undefined;
    // Question: labels up to a zero byte, then type and class.
    let pos = 12;
    const labels: string[] = [];
    while (pos < query.length && query[pos] !== 0) {
      const n = query[pos];
      labels.push(query.subarray(pos + 1, pos + 1 + n).toString('ascii'));
      pos += 1 + n;
    }
    const questionEnd = pos + 5;
    if (questionEnd > query.length) return undefined;
    const type = query.readUInt16BE(pos + 1);
    const name = labels.join('.').toLowerCase();
    const addresses = type === 1 ? (this.records.get(name) ?? []) : [];
    const known = this.records.has(name);
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2); // response, recursion available; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const answers = addresses.map((ip) => {
      const a = Buffer.alloc(16);
      a.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      a.writeUInt16BE(1, 2); // A
      a.writeUInt16BE(1, 4); // IN
      a.writeUInt32BE(0, 6); // TTL 0: never cached
      a.writeUInt16BE(4, 10);
      ip.split('.').forEach((part, i) => (a[12 + i] = Number(part)));
      return a;
    });
    return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.#socket ? this.#socket.close(() => resolve()) : resolve()));
  }
}
