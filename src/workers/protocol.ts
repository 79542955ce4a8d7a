// Messages between the primary and its workers over Node's IPC channel (JSON). Control only:
// spans travel between workers on the mesh (mesh.ts), never through the primary.

import type { PeerAnswer } from '../core/workers.ts';

/** The environment the primary gives each worker. */
export const ENV = {
  index: 'SLUICE_WORKER_INDEX',
  count: 'SLUICE_WORKERS',
  folder: 'SLUICE_WORKER_DIR',
  instance: 'SLUICE_INSTANCE_ID',
} as const;

export type ToPrimary =
  | { t: 'ready' }
  | { t: 'ask'; id: number; topic: string; timeoutMs: number }
  | { t: 'answer'; id: number; answer: unknown }
  | { t: 'demand'; name: string; demands: Array<[string, number]> };

export type ToWorker =
  | { t: 'ask'; id: number; topic: string }
  | { t: 'answers'; id: number; answers: PeerAnswer[] }
  | { t: 'shares'; name: string; shares: Array<[string, number]> }
  | { t: 'pool'; restarts: number; running: number };

/** A worker's share of a limit, given every worker's recent demand for it: mostly by demand, with a floor so a worker that had none can still start. */
export function shareOf(demand: number, total: number, workers: number): number {
  const FLOOR = 0.1;
  if (total <= 0) return 1 / workers;
  return FLOOR / workers + ((1 - FLOOR) * demand) / total;
}
