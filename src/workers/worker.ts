import type { PeerAnswer, WorkerPeers } from '../core/workers.ts';
import { WorkerMesh } from './mesh.ts';
import { ENV, type ToPrimary, type ToWorker } from './protocol.ts';

/** How often a worker tells the primary its demand for each shared limit. */
const DEMAND_INTERVAL_MS = 250;

/** This process's place in a pool of workers, from the environment the primary set; undefined when it is not a worker. */
export function workerEnvironment(env: NodeJS.ProcessEnv = process.env): { index: number; count: number; folder: string; instanceId: string } | undefined {
  const index = env[ENV.index];
  const count = env[ENV.count];
  const folder = env[ENV.folder];
  if (index === undefined || count === undefined || folder === undefined || typeof process.send !== 'function') return undefined;
  return { index: Number(index), count: Number(count), folder, instanceId: env[ENV.instance] ?? '' };
}

/** A worker's side of the pool: the mesh for data, the IPC channel to the primary for the rest. */
export class Worker implements WorkerPeers {
  readonly index: number;
  readonly count: number;
  readonly mesh: WorkerMesh;
  /** Restarts of any worker since the primary started, and workers running now, as the primary last said. */
  pool = { restarts: 0, running: 0 };
  readonly #served = new Map<string, () => unknown | Promise<unknown>>();
  readonly #asks = new Map<number, (answers: PeerAnswer[]) => void>();
  readonly #shares = new Map<string, (shares: ReadonlyMap<string, number>) => void>();
  readonly #timers: NodeJS.Timeout[] = [];
  #nextAsk = 1;

  constructor(index: number, count: number, folder: string) {
    this.index = index;
    this.count = count;
    this.pool.running = count;
    this.mesh = new WorkerMesh(folder, index, count);
    process.on('message', (message: ToWorker) => this.#receive(message));
  }

  #send(message: ToPrimary): void {
    if (process.connected) process.send!(message);
  }

  #receive(message: ToWorker): void {
    switch (message.t) {
      case 'ask': {
        const serve = this.#served.get(message.topic);
        Promise.resolve()
          .then(() => serve?.())
          .then(
            (answer) => this.#send({ t: 'answer', id: message.id, answer }),
            () => this.#send({ t: 'answer', id: message.id, answer: undefined }),
          );
        return;
      }
      case 'answers':
        this.#asks.get(message.id)?.(message.answers);
        this.#asks.delete(message.id);
        return;
      case 'shares':
        this.#shares.get(message.name)?.(new Map(message.shares));
        return;
      case 'pool':
        this.pool = { restarts: message.restarts, running: message.running };
        return;
    }
  }

  ready(): void {
    this.#send({ t: 'ready' });
  }

  serve(topic: string, answer: () => unknown | Promise<unknown>): void {
    this.#served.set(topic, answer);
  }

  ask(topic: string, timeoutMs = 2_000): Promise<PeerAnswer[]> {
    if (this.count === 1 || !process.connected) return Promise.resolve([]);
    const id = this.#nextAsk++;
    return new Promise((resolve) => {
      // The primary answers for silent workers at timeoutMs; this is the backstop if it cannot.
      const backstop = setTimeout(() => {
        this.#asks.delete(id);
        resolve([]);
      }, timeoutMs + 1_000);
      this.#asks.set(id, (answers) => {
        clearTimeout(backstop);
        resolve(answers);
      });
      this.#send({ t: 'ask', id, topic, timeoutMs });
    });
  }

  share(name: string, report: () => ReadonlyMap<string, number>, apply: (shares: ReadonlyMap<string, number>) => void): () => void {
    this.#shares.set(name, apply);
    const timer = setInterval(() => this.#send({ t: 'demand', name, demands: [...report()] }), DEMAND_INTERVAL_MS);
    timer.unref();
    this.#timers.push(timer);
    return () => {
      clearInterval(timer);
      this.#shares.delete(name);
    };
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    await this.mesh.close();
  }
}
