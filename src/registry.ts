import type { AnyFactory, ComponentKind } from './core/component.ts';

export class Registry {
  readonly #byKind = new Map<ComponentKind, Map<string, AnyFactory>>();
  readonly #primary: AnyFactory[] = [];

  constructor(factories: readonly AnyFactory[]) {
    for (const factory of factories) {
      this.#primary.push(factory);
      const names = [factory.type, ...('aliases' in factory && factory.aliases ? factory.aliases : [])];
      let map = this.#byKind.get(factory.kind);
      if (map === undefined) {
        map = new Map();
        this.#byKind.set(factory.kind, map);
      }
      for (const name of names) {
        if (map.has(name)) throw new Error(`duplicate ${factory.kind} type "${name}"`);
        map.set(name, factory);
      }
    }
  }

  find(kind: ComponentKind, type: string): AnyFactory | undefined {
    return this.#byKind.get(kind)?.get(type);
  }

  types(kind: ComponentKind): string[] {
    return [...(this.#byKind.get(kind)?.keys() ?? [])];
  }

  all(): readonly AnyFactory[] {
    return this.#primary;
  }
}
