import type { AnyFactory, ComponentKind } from './core/component.ts';

/** A component known by name whose factory may not be loaded (src/component-catalog.ts). */
export interface ComponentName {
  readonly kind: ComponentKind;
  readonly type: string;
  readonly aliases?: readonly string[];
}

export class Registry {
  readonly #byKind = new Map<ComponentKind, Map<string, AnyFactory>>();
  readonly #primary: AnyFactory[] = [];
  readonly #names = new Map<ComponentKind, Set<string>>();

  /** `names`: components that exist but were not loaded; types() lists them, find() does not. */
  constructor(factories: readonly AnyFactory[], names: readonly ComponentName[] = []) {
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
    for (const known of [...this.#primary, ...names]) {
      let set = this.#names.get(known.kind);
      if (set === undefined) {
        set = new Set();
        this.#names.set(known.kind, set);
      }
      set.add(known.type);
      if ('aliases' in known) for (const alias of known.aliases ?? []) set.add(alias);
    }
  }

  find(kind: ComponentKind, type: string): AnyFactory | undefined {
    return this.#byKind.get(kind)?.get(type);
  }

  /** Every name of `kind`, loaded or not. */
  types(kind: ComponentKind): string[] {
    return [...(this.#names.get(kind) ?? [])];
  }

  all(): readonly AnyFactory[] {
    return this.#primary;
  }
}
