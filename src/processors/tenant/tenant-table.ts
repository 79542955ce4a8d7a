import { WatchedFile, type ReloadLog } from '../../common/watched-file.ts';
import { parseTenantsFile, type TenantEntry, type TenantQuotas, type TenantsFile } from './tenants-file.ts';

export interface TenantTableOptions {
  /** Poll interval in ms for changes fs.watch may miss; 0 disables polling. Default 2000. */
  reloadIntervalMs?: number;
}

export type TenantTableListener = (table: TenantTable) => void;

/**
 * The tenants file, live. Lookups read the current snapshot; a reload swaps the snapshot whole
 * and then calls the onChange listeners, so a reader never sees half a table. A bad reload
 * keeps the previous snapshot and is reported through onLog.
 */
export class TenantTable {
  #snapshot: TenantsFile;
  #file: WatchedFile<TenantsFile>;
  #listeners: TenantTableListener[] = [];

  private constructor(file: WatchedFile<TenantsFile>) {
    this.#file = file;
    this.#snapshot = file.value;
  }

  /** Loads the file (rejects when it is missing or invalid) and starts watching it. */
  static async open(path: string, opts: TenantTableOptions = {}, onLog?: ReloadLog): Promise<TenantTable> {
    let table: TenantTable | undefined;
    const file = await WatchedFile.open<TenantsFile>({
      path,
      label: 'tenants file',
      parse: parseTenantsFile,
      onReload: (snapshot) => {
        if (table !== undefined) table.#swap(snapshot);
      },
      pollIntervalMs: opts.reloadIntervalMs ?? 2000,
      onLog,
    });
    table = new TenantTable(file);
    return table;
  }

  get(id: string): TenantEntry | undefined {
    return this.#snapshot.tenants.get(id);
  }

  entries(): IterableIterator<TenantEntry> {
    return this.#snapshot.tenants.values();
  }

  get size(): number {
    return this.#snapshot.tenants.size;
  }

  /** The `defaults.quotas` block alone, resolved. */
  get defaultQuotas(): TenantQuotas {
    return this.#snapshot.defaultQuotas;
  }

  /** Calls `listener` after every successful reload; returns the unsubscribe function. */
  onChange(listener: TenantTableListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /** Re-reads the file now if it changed (e.g. on SIGHUP). */
  reload(): Promise<void> {
    return this.#file.check(true);
  }

  /** Stops watching; idempotent. */
  close(): void {
    this.#file.close();
    this.#listeners = [];
  }

  #swap(snapshot: TenantsFile): void {
    this.#snapshot = snapshot;
    const listeners = this.#listeners.slice();
    for (let i = 0; i < listeners.length; i++) listeners[i](this);
  }
}
