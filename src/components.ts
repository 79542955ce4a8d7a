import type { AnyFactory } from './core/component.ts';
import { CATALOG } from './component-catalog.ts';
import { Registry } from './registry.ts';

// Every component Sluice ships, loaded: for tests and tools that want them all. The process loads
// only the components its config names (registryFor in component-catalog.ts, where the list is).

export const COMPONENTS: readonly AnyFactory[] = await Promise.all(CATALOG.map((component) => component.load()));

export function defaultRegistry(): Registry {
  return new Registry(COMPONENTS);
}
