import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { PeerAnswer } from '../core/workers.ts';
import { ENV, shareOf, type ToPrimary, type ToWorker } from './protocol.ts';

// The primary of `service.workers: N > 1`: it runs no pipeline. It forks the workers (each runs the
// whole Sluice; Node's cluster module hands each accepted connection of a shared port to one of
// them in turn), restarts one that dies, relays questions between workers (health, self-metrics),
// divides shared limits by demand, and on SIGTERM stops them all within the shutdown timeout.

/** A worker that dies sooner than this after its start counts toward a crash loop, which backs off. */
const STABLE_AFTER_MS = 10_000;
const MAX_RESTART_DELAY_MS = 5_000;
/** How much of the last demand report a new one replaces (smooths the shares). */
const DEMAND_WEIGHT = 0.5;

interface Slot {
  index: number;
  worker: ClusterWorker | undefined;
  startedAt: number;
  ready: boolean;
  quickDeaths: number;
}

interface Relay {
  from: Slot;
  id: number;
  expected: Set<number>;
  answers: Map<number, unknown>;
  timer: NodeJS.Timeout;
}

export interface PrimaryOptions {
  count: number;
  logger: Logger;
  shutdownTimeoutMs: number;
  /** The script each worker runs, and its arguments (Sluice's own entry and command line). */
  exec: string;
  args: string[];
}

export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { count, logger, shutdownTimeoutMs } = options;
  const folder = mkdtempSync(join(tmpdir(), 'sluice-workers-'));
  cluster.setupPrimary({ exec: options.exec, args: options.args });
  const instanceId = randomUUID();
  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({ index, worker: undefined, startedAt: 0, ready: false, quickDeaths: 0 }));
  const relays = new Map<number, Relay>();
  /** name → key → worker → smoothed demand. */
  const demand = new Map<string, Map<string, number[]>>();
  let nextRelay = 1;
  let restarts = 0;
  let stopping = false;
  let started = false;

  const send = (slot: Slot, message: ToWorker) => {
    if (slot.worker?.isConnected()) slot.worker.send(message);
  };
  const running = () => slots.filter((s) => s.worker !== undefined && s.ready).length;
  const tellPool = () => {
    for (const slot of slots) send(slot, { t: 'pool', restarts, running: running() });
  };

  const finishRelay = (relayId: number) => {
    const relay = relays.get(relayId);
    if (relay === undefined) return;
    relays.delete(relayId);
    clearTimeout(relay.timer);
    const answers: PeerAnswer[] = [];
    for (const slot of slots) if (slot !== relay.from) answers.push({ worker: slot.index, answer: relay.answers.get(slot.index) });
    send(relay.from, { t: 'answers', id: relay.id, answers });
  };

  const onMessage = (slot: Slot, message: ToPrimary) => {
    switch (message.t) {
      case 'ready':
        slot.ready = true;
        tellPool();
        if (!started && slots.every((s) => s.ready)) {
          started = true;
          logger.info({ workers: count }, 'sluice started');
        }
        return;
      case 'ask': {
        const relayId = nextRelay++;
        const expected = new Set<number>();
        for (const other of slots) {
          if (other === slot || other.worker === undefined || !other.worker.isConnected()) continue;
          expected.add(other.index);
          send(other, { t: 'ask', id: relayId, topic: message.topic });
        }
        relays.set(relayId, { from: slot, id: message.id, expected, answers: new Map(), timer: setTimeout(() => finishRelay(relayId), message.timeoutMs) });
        if (expected.size === 0) finishRelay(relayId);
        return;
      }
      case 'answer': {
        const relay = relays.get(message.id);
        if (relay === undefined) return;
        relay.answers.set(slot.index, message.answer);
        relay.expected.delete(slot.index);
        if (relay.expected.size === 0) finishRelay(message.id);
        return;
      }
      case 'demand': {
        let byKey = demand.get(message.name);
        if (byKey === undefined) demand.set(message.name, (byKey = new Map()));
        const reported = new Set<string>();
        for (const [key, value] of message.demands) {
          reported.add(key);
          let perWorker = byKey.get(key);
          if (perWorker === undefined) byKey.set(key, (perWorker = new Array<number>(count).fill(0)));
          perWorker[slot.index] = perWorker[slot.index] * (1 - DEMAND_WEIGHT) + value * DEMAND_WEIGHT;
        }
        const shares: Array<[string, number]> = [];
        for (const [key, perWorker] of byKey) {
          if (!reported.has(key)) perWorker[slot.index] *= 1 - DEMAND_WEIGHT;
          let total = 0;
          for (const d of perWorker) total += d;
          shares.push([key, shareOf(perWorker[slot.index], total, count)]);
        }
        send(slot, { t: 'shares', name: message.name, shares });
        return;
      }
    }
  };

  const fork = (slot: Slot) => {
    const worker = cluster.fork({ [ENV.index]: String(slot.index), [ENV.count]: String(count), [ENV.folder]: folder, [ENV.instance]: instanceId });
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.ready = false;
    worker.on('message', (message: ToPrimary) => onMessage(slot, message));
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.ready = false;
      for (const perKey of demand.values()) for (const perWorker of perKey.values()) perWorker[slot.index] = 0;
      for (const [relayId, relay] of relays) {
        if (relay.from === slot) {
          clearTimeout(relay.timer);
          relays.delete(relayId);
        } else if (relay.expected.delete(slot.index) && relay.expected.size === 0) finishRelay(relayId);
      }
      if (stopping) return;
      if (!started) {
        // A worker that cannot start (a port in use, a storage lock) will not start on a retry either.
        logger.error({ worker: slot.index, code, signal }, 'worker failed to start: stopping');
        void stopAll(1);
        return;
      }
      restarts++;
      slot.quickDeaths = Date.now() - slot.startedAt < STABLE_AFTER_MS ? slot.quickDeaths + 1 : 0;
      const delay = slot.quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** (slot.quickDeaths - 1));
      logger.warn({ worker: slot.index, code, signal, restarts, delayMs: delay }, 'worker exited: restarting');
      tellPool();
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay).unref();
    });
  };

  let exitCode = 0;
  let done: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (done = resolve));
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    const alive = slots.map((s) => s.worker).filter((w): w is ClusterWorker => w !== undefined && !w.isDead());
    const exits = alive.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of alive) w.process.kill('SIGTERM');
    // Each worker drains within shutdown_timeout; a little more for its own exit.
    const deadline = setTimeout(() => {
      for (const w of alive) if (!w.isDead()) w.process.kill('SIGKILL');
    }, shutdownTimeoutMs + 5_000);
    await Promise.all(exits);
    clearTimeout(deadline);
    rmSync(folder, { recursive: true, force: true });
    logger.info('sluice stopped');
    done(exitCode);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      for (const slot of slots) slot.worker?.process.kill('SIGKILL');
      process.exit(1);
    }
    logger.info({ signal }, 'signal received: stopping workers');
    void stopAll(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  logger.info({ workers: count }, 'starting workers');
  for (const slot of slots) fork(slot);
  return finished;
}
