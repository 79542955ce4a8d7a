import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';

// A small config file that is reloaded without a restart. Kept free of any tenant or auth
// knowledge so the token store and the tenant table share one mechanism.
//
// Two triggers, because neither is enough alone:
// - fs.watch on the parent directory, not the file: editors and config-management tools save by
//   writing a temp file and renaming it over the original, which orphans a watch on the old inode;
// - a poll of stat() (inode, size, mtime, ctime in ns), for filesystems where fs.watch is silent
//   (NFS, some container mounts).
// Only a SHA-256 of the last content is kept, never the text: the text may hold secrets.

export type ReloadLogLevel = 'info' | 'warn';
/** Receives reload outcomes. Messages never contain file content. */
export type ReloadLog = (level: ReloadLogLevel, message: string, fields: Record<string, unknown>) => void;

export interface WatchedFileOptions<T> {
  path: string;
  /** Turns file text into a value; throws an Error whose message is safe to log to reject it. */
  parse: (text: string) => T;
  /** Called after each successful reload (not for the initial load). */
  onReload: (value: T) => void;
  /** Poll interval in ms; 0 relies on fs.watch alone. */
  pollIntervalMs: number;
  /** Names the file in log messages, e.g. `tokens file`. */
  label: string;
  onLog?: ReloadLog;
  /** Coalesces the burst of events a single save produces. Default 50 ms. */
  debounceMs?: number;
}

/** Reload outcomes into a component's pino logger. */
export function reloadLogger(logger: Logger): ReloadLog {
  return (level, message, fields) => logger[level](fields, message);
}

const NO_LOG: ReloadLog = () => {};

export class WatchedFile<T> {
  readonly path: string;
  #value: T;
  #contentDigest: string;
  #statSignature: string;
  #parse: (text: string) => T;
  #onReload: (value: T) => void;
  #onLog: ReloadLog;
  #label: string;
  #debounceMs: number;
  #watcher: FSWatcher | null = null;
  #pollTimer: NodeJS.Timeout | null = null;
  #debounceTimer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #rerun = false;
  #rerunFromWatch = false;
  #closed = false;

  private constructor(opts: WatchedFileOptions<T>, value: T, contentDigest: string, statSignature: string) {
    this.path = opts.path;
    this.#value = value;
    this.#contentDigest = contentDigest;
    this.#statSignature = statSignature;
    this.#parse = opts.parse;
    this.#onReload = opts.onReload;
    this.#onLog = opts.onLog ?? NO_LOG;
    this.#label = opts.label;
    this.#debounceMs = opts.debounceMs ?? 50;
  }

  /** Loads the file once (rejecting if it is unreadable or invalid), then watches it. */
  static async open<T>(opts: WatchedFileOptions<T>): Promise<WatchedFile<T>> {
    let text: string;
    let signature: string;
    try {
      signature = await statSignature(opts.path);
      text = await readFile(opts.path, 'utf8');
    } catch (err) {
      throw new Error(`${opts.label} ${opts.path}: ${errorCode(err)}`);
    }
    let value: T;
    try {
      value = opts.parse(text);
    } catch (err) {
      throw new Error(`${opts.label} ${opts.path}: ${(err as Error).message}`);
    }
    const file = new WatchedFile(opts, value, sha256(text), signature);
    file.#startWatching(opts.pollIntervalMs);
    return file;
  }

  get value(): T {
    return this.#value;
  }

  /**
   * Re-reads the file now if it changed (or unconditionally compares content when `force`).
   * Resolves when the check, and any check queued behind it, is done.
   */
  check(force = false): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running !== null) {
      this.#rerun = true;
      this.#rerunFromWatch ||= force;
      return this.#running;
    }
    this.#running = this.#checkLoop(force).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Idempotent. */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#pollTimer !== null) clearInterval(this.#pollTimer);
    if (this.#debounceTimer !== null) clearTimeout(this.#debounceTimer);
    this.#pollTimer = null;
    this.#debounceTimer = null;
  }

  #startWatching(pollIntervalMs: number): void {
    const name = basename(this.path);
    try {
      this.#watcher = watch(dirname(this.path), { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) this.#scheduleFromWatch();
      });
      this.#watcher.on('error', (err) => {
        this.#onLog('warn', `${this.#label} watch failed; relying on polling`, { path: this.path, error: errorCode(err) });
        this.#watcher?.close();
        this.#watcher = null;
      });
    } catch (err) {
      this.#onLog('warn', `${this.#label} cannot be watched; relying on polling`, { path: this.path, error: errorCode(err) });
    }
    if (pollIntervalMs > 0) {
      this.#pollTimer = setInterval(() => void this.check(false), pollIntervalMs);
      this.#pollTimer.unref();
    }
  }

  #scheduleFromWatch(): void {
    if (this.#closed || this.#debounceTimer !== null) return;
    this.#debounceTimer = setTimeout(() => {
      this.#debounceTimer = null;
      void this.check(true);
    }, this.#debounceMs);
    this.#debounceTimer.unref();
  }

  async #checkLoop(force: boolean): Promise<void> {
    let compareContent = force;
    for (;;) {
      await this.#checkOnce(compareContent);
      if (!this.#rerun || this.#closed) return;
      compareContent = this.#rerunFromWatch;
      this.#rerun = false;
      this.#rerunFromWatch = false;
    }
  }

  async #checkOnce(compareContent: boolean): Promise<void> {
    let signature: string;
    let text: string;
    try {
      signature = await statSignature(this.path);
      // A watch event with an unchanged stat can still be new content on a coarse-mtime
      // filesystem, so it compares content; a quiet poll does not read the file.
      if (signature === this.#statSignature && !compareContent) return;
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      const missing = `error:${errorCode(err)}`;
      if (this.#statSignature !== missing) {
        this.#statSignature = missing;
        this.#onLog('warn', `${this.#label} unreadable; keeping the previous version`, { path: this.path, error: errorCode(err) });
      }
      return;
    }
    if (this.#closed) return;
    this.#statSignature = signature;
    const digest = sha256(text);
    if (digest === this.#contentDigest) return;
    // Remembered even when invalid, so one bad save is reported once, not at every poll.
    this.#contentDigest = digest;
    let value: T;
    try {
      value = this.#parse(text);
    } catch (err) {
      this.#onLog('warn', `${this.#label} reload rejected; keeping the previous version`, {
        path: this.path,
        error: (err as Error).message,
      });
      return;
    }
    this.#value = value;
    this.#onLog('info', `${this.#label} reloaded`, { path: this.path });
    try {
      this.#onReload(value);
    } catch (err) {
      // A failing subscriber must not turn into an unhandled rejection of the poll timer.
      this.#onLog('warn', `${this.#label} reload listener failed`, { path: this.path, error: String((err as Error)?.message ?? err) });
    }
  }
}

async function statSignature(path: string): Promise<string> {
  const s = await stat(path, { bigint: true });
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : String((err as Error | undefined)?.message ?? err);
}
