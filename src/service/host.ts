import type { HealthEvent, HealthState, Host, ServiceDescription } from '../core/component.ts';
import { MemoryBudget } from '../core/memory.ts';
import type { WorkerPeers } from '../core/workers.ts';

/** What components may ask of the running service. */
export class ServiceHost implements Host {
  readonly #extensions = new Map<string, unknown>();
  readonly #healthListeners: Array<(event: HealthEvent) => void> = [];
  readonly #overloadListeners: Array<(overloaded: boolean) => void> = [];
  #overloaded = false;
  readonly memory = new MemoryBudget();
  #description: ServiceDescription | undefined;
  readonly workers: WorkerPeers | undefined;

  constructor(workers?: WorkerPeers) {
    this.workers = workers;
  }

  setDescription(description: ServiceDescription): void {
    this.#description = description;
  }

  describeService(): ServiceDescription | undefined {
    return this.#description;
  }

  addExtension(id: string, instance: unknown): void {
    this.#extensions.set(id, instance);
  }

  getExtension<T = unknown>(id: string): T | undefined {
    return this.#extensions.get(id) as T | undefined;
  }

  onHealth(listener: (event: HealthEvent) => void): void {
    this.#healthListeners.push(listener);
  }

  reportHealth(componentId: string, state: HealthState, message?: string): void {
    const event: HealthEvent = { componentId, state, message, at: Date.now() };
    for (const listener of this.#healthListeners) listener(event);
  }

  onOverload(listener: (overloaded: boolean) => void): void {
    this.#overloadListeners.push(listener);
  }

  setOverload(overloaded: boolean): void {
    if (overloaded === this.#overloaded) return;
    this.#overloaded = overloaded;
    for (const listener of this.#overloadListeners) listener(overloaded);
  }

  get overloaded(): boolean {
    return this.#overloaded;
  }
}
